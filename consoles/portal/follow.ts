import type { Tickets } from '../../core/tickets/tickets.js';
import { api, ApiError, query, type Json } from '../shared/api.js';
import { FilesPanel, requesterFileRoutes } from '../shared/attachments.js';
import { h } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { showError } from '../shared/shell.js';
import { field, FieldErrors, normalizePhone, validPhone } from './fields.js';
import { m, type Key } from './text.js';
import type { View } from './view.js';

/** GET /api/public/tickets/:number: what the requester may see of their ticket. */
type FollowedTicket = Json<Awaited<ReturnType<Tickets['follow']>>>;

/** The hotline's states in the citizen's words: the centre's internal steps (review, returns) read as "being handled". */
const stateWords: Record<string, Key> = {
  received: 's_received', dispatched: 's_handling', in_handling: 's_handling', returned: 's_handling', replied: 's_handling',
  waiting_info: 's_waiting_info', awaiting_callback: 's_replied', closed: 's_replied', archived: 's_archived', merged: 's_merged', cancelled: 's_cancelled',
};
const doneStates = new Set(['awaiting_callback', 'closed', 'archived']);
/** When the API takes the requester's files: soon after submitting, and when the department asks for information. */
const addingStates = new Set(['received', 'waiting_info']);

/** The steps the API shows a requester (core/tickets follow), each as the citizen would say it. */
const stepWords: Record<string, Key> = {
  intake: 'a_intake', resolve_on_call: 'a_resolve_on_call', dispatch: 'a_dispatch', accept: 'a_accept', request_info: 'a_request_info', receive_info: 'a_receive_info',
  interim_reply: 'a_interim_reply', approve_reply: 'a_approve_reply', callback: 'a_callback', archive: 'a_archive', cancel: 'a_cancel', merge: 'a_merge',
};

const numberPattern = /^\d{14}$/;

/** 查询进度: the ticket number and the phone given at intake must both match before anything is shown. */
export function followView(): View {
  const number = h('input', { name: 'number', inputmode: 'numeric', autocomplete: 'off', maxlength: 14, pattern: '[0-9]{14}' });
  const phone = h('input', { name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: 24 });
  const button = h('button', { type: 'submit', class: 'primary big', 'data-i18n': 'lookUp' }, m.t('lookUp'));
  const form = h('form', { id: 'follow-form', novalidate: true }, field('number', number, 'numberHint'), field('phone', phone), button);
  const errors = new FieldErrors(form, { number: 'number', phone: 'phone' });
  const result = h('section', { id: 'follow-result', 'aria-live': 'polite' });
  const card = h('section', { class: 'card', 'aria-labelledby': 'follow-title' },
    h('h2', { id: 'follow-title', tabindex: '-1', 'data-i18n': 'followTitle' }, m.t('followTitle')),
    h('p', { class: 'muted', 'data-i18n': 'followIntro' }, m.t('followIntro')),
    form,
  );
  let shown: FollowedTicket | 'not-found' | null = null;
  let files: FilesPanel | null = null;

  const draw = () => {
    if (shown === null) return result.replaceChildren();
    if (shown === 'not-found') return result.replaceChildren(h('p', { class: 'card notice-bad', id: 'not-found' }, m.t('notFound')));
    const ticket = shown;
    result.replaceChildren(h('article', { class: 'card', id: 'ticket' },
      h('h2', {}, ticket.subject),
      h('dl', { class: 'facts' },
        h('dt', {}, m.t('number')), h('dd', { class: 'number' }, ticket.number),
        h('dt', {}, m.t('state')), h('dd', {}, h('span', { id: 'ticket-state', class: `badge${doneStates.has(ticket.state) ? ' good' : ''}` }, m.t(stateWords[ticket.state] ?? 's_handling'))),
        h('dt', {}, m.t('submittedAt')), h('dd', {}, dateTime(ticket.createdAt)),
      ),
      ticket.informationRequested.length > 0
        ? h('div', { class: 'info-needed' }, h('p', {}, m.t('infoNeeded')), h('ul', {}, ...ticket.informationRequested.map((item) => h('li', {}, item))))
        : null,
      ticket.reply ? h('div', { class: 'reply' }, h('h3', {}, m.t('reply')), h('p', { id: 'ticket-reply' }, ticket.reply)) : null,
      files?.element,
      h('h3', {}, m.t('steps')),
      h('ol', { class: 'history' }, ...ticket.steps.filter((step) => stepWords[step.action]).map((step) => h('li', {}, h('time', { datetime: step.at }, dateTime(step.at)), ' ', m.t(stepWords[step.action]!)))),
    ));
    files?.draw();
  };

  // A result belongs to the number and phone it was asked with; changing either takes it away.
  form.addEventListener('input', () => {
    if (shown === null) return;
    shown = null;
    files = null;
    draw();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    showError(null);
    errors.clear();
    const wanted = { number: number.value.replace(/\s+/g, ''), phone: normalizePhone(phone.value) };
    if (!numberPattern.test(wanted.number)) errors.set('number', { key: wanted.number ? 'badNumber' : 'required' });
    if (!validPhone(wanted.phone)) errors.set('phone', { key: wanted.phone ? 'badPhone' : 'required' });
    if (errors.size > 0) {
      errors.render(true);
      return showError(new Error(m.t('checkFields', { fields: errors.summary() })));
    }
    button.disabled = true;
    button.textContent = m.t('lookingUp');
    api<FollowedTicket>('GET', `/api/public/tickets/${wanted.number}${query({ phone: wanted.phone })}`)
      .then(async (ticket) => {
        files = new FilesPanel(requesterFileRoutes(wanted.number, wanted.phone), addingStates.has(ticket.state));
        await files.load();
        shown = ticket;
      })
      .catch((error: unknown) => {
        shown = null;
        files = null;
        if (error instanceof ApiError && error.status === 404) shown = 'not-found';
        else showError(error);
      })
      .finally(() => {
        draw();
        button.disabled = false;
        button.textContent = m.t('lookUp');
      });
  });

  return {
    element: h('div', {}, card, result),
    open(argument) {
      if (argument && numberPattern.test(argument) && argument !== number.value) {
        number.value = argument;
        shown = null;
        draw();
      }
    },
    focus: () => (number.value && !phone.value ? phone : card.querySelector<HTMLElement>('h2')!).focus(),
    relabel() {
      errors.render();
      draw();
    },
  };
}
