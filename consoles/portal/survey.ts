import type { Callbacks } from '../../core/callbacks/callbacks.js';
import { api, ApiError, type Json } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { showError } from '../shared/shell.js';
import { choices, FieldErrors } from './fields.js';
import { m } from './text.js';
import type { View } from './view.js';

/** GET /api/public/surveys/:token. */
type Survey = Json<Awaited<ReturnType<Callbacks['survey']>>>;

type Screen =
  | { kind: 'loading' }
  | { kind: 'gone' }
  | { kind: 'open'; survey: Survey }
  | { kind: 'answered'; number: string; outcome: 'archived' | 'reopened' };

/**
 * 满意度评价: the page behind the single-use link sent after the reply (`#/survey/<token>`; the
 * token stays in the fragment, out of every server log). Answered or expired, it says so.
 */
export function surveyView(): View {
  const comment = h('textarea', { name: 'comment', id: 'f-comment', maxlength: 2000, rows: 4 });
  const button = h('button', { type: 'submit', class: 'primary big', 'data-i18n': 'sendSurvey' }, m.t('sendSurvey'));
  const form = h('form', { id: 'survey-form', novalidate: true },
    choices('resolved', 'resolved', ['yes', 'no']),
    choices('satisfaction', 'satisfaction', ['satisfied', 'basically_satisfied', 'dissatisfied']),
    h('div', { class: 'field', 'data-field': 'comment' },
      h('label', { for: comment.id, 'data-i18n': 'comment' }, m.t('comment')),
      comment,
      h('p', { class: 'field-error', id: 'f-comment-error', hidden: true }),
    ),
    button,
  );
  const errors = new FieldErrors(form, { resolved: 'resolved', satisfaction: 'satisfaction', comment: 'comment' });
  const about = h('div', {});
  const card = h('section', { class: 'card', 'aria-labelledby': 'survey-title' },
    h('h2', { id: 'survey-title', tabindex: '-1', 'data-i18n': 'surveyTitle' }, m.t('surveyTitle')),
    about,
    form,
  );
  let token = '';
  let screen: Screen = { kind: 'loading' };

  const draw = () => {
    form.hidden = screen.kind !== 'open';
    if (screen.kind === 'loading') return about.replaceChildren();
    if (screen.kind === 'gone') return about.replaceChildren(h('p', { id: 'survey-gone', class: 'notice-bad' }, m.t('surveyGone')));
    if (screen.kind === 'answered') {
      const text = m.t(screen.outcome === 'archived' ? 'thanksArchived' : 'thanksReopened', { number: screen.number });
      return about.replaceChildren(h('p', { id: 'survey-thanks', class: 'notice-good' }, text));
    }
    const { survey } = screen;
    about.replaceChildren(
      h('p', { class: 'muted' }, m.t('surveyIntro')),
      h('dl', { class: 'facts' },
        h('dt', {}, m.t('number')), h('dd', { class: 'number' }, survey.number),
        h('dt', {}, m.t('subject')), h('dd', {}, survey.subject),
        survey.reply ? h('dt', {}, m.t('reply')) : null, survey.reply ? h('dd', { id: 'survey-reply' }, survey.reply) : null,
      ),
      h('p', { class: 'muted' }, m.t('validUntil', { at: dateTime(survey.expiresAt) })),
    );
  };

  const load = (wanted: string) => {
    token = wanted;
    screen = wanted ? { kind: 'loading' } : { kind: 'gone' };
    draw();
    if (!wanted) return;
    api<Survey>('GET', `/api/public/surveys/${encodeURIComponent(wanted)}`)
      .then((survey) => (screen = { kind: 'open', survey }))
      .catch((error: unknown) => {
        // Used, expired and unknown links get one answer from the API; a malformed one is no survey either.
        if (error instanceof ApiError && (error.status === 404 || error.code === 'VALIDATION_FAILED')) screen = { kind: 'gone' };
        else showError(error);
      })
      .finally(() => {
        if (token === wanted) draw();
      });
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    showError(null);
    errors.clear();
    const picked = (name: string) => form.querySelector<HTMLInputElement>(`input[name=${name}]:checked`)?.value ?? null;
    const resolved = picked('resolved');
    const satisfaction = picked('satisfaction');
    if (!resolved) errors.set('resolved', { key: 'requiredChoice' });
    if (!satisfaction) errors.set('satisfaction', { key: 'requiredChoice' });
    if (errors.size > 0) {
      errors.render(true);
      return showError(new Error(m.t('checkFields', { fields: errors.summary() })));
    }
    button.disabled = true;
    button.textContent = m.t('sending');
    api<{ number: string; outcome: 'archived' | 'reopened' }>('POST', `/api/public/surveys/${encodeURIComponent(token)}`, {
      resolved: resolved === 'yes', satisfaction, comment: comment.value.trim() || null,
    })
      .then(({ number, outcome }) => (screen = { kind: 'answered', number, outcome }))
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) screen = { kind: 'gone' };
        else if (errors.fromApi(error, (_field, message) => ({ text: message }))) errors.render(true);
        else showError(error);
      })
      .finally(() => {
        draw();
        button.disabled = false;
        button.textContent = m.t('sendSurvey');
      });
  });

  return {
    element: card,
    open(argument) {
      if (argument !== token) load(argument ?? '');
    },
    focus: () => card.querySelector<HTMLElement>('h2')!.focus(),
    relabel() {
      errors.render();
      draw();
    },
  };
}
