import { api, ApiError } from '../shared/api.js';
import { fileInput, refusalText, requesterFileRoutes, uploadFiles } from '../shared/attachments.js';
import { h } from '../shared/dom.js';
import { showError } from '../shared/shell.js';
import { CategoryPicker, type PublicCategory } from './category-picker.js';
import { field, FieldErrors, normalizePhone, validPhone, type Problem } from './fields.js';
import { m, type Key } from './text.js';
import type { View } from './view.js';

const requestTypes = ['complaint', 'help', 'inquiry', 'report', 'suggestion', 'praise'] as const;

const labels: Record<string, Key> = {
  requestType: 'requestType', categoryId: 'category', 'location.address': 'address', subject: 'subject', content: 'content',
  'requester.phone': 'phone', 'requester.name': 'name', 'requester.email': 'email', 'requester.confidential': 'confidential',
};

/** Our own sentence for what the API refused, where we have one; the API's words otherwise. */
function wording(name: string, apiMessage: string): Problem {
  if (name === 'requester.phone') return { key: 'badPhone' };
  if (name === 'requester.email') return { key: 'badEmail' };
  if (name === 'categoryId') return { key: 'staleCategory' };
  if (apiMessage === 'is required') return { key: 'required' };
  return { text: apiMessage };
}

/** 提交诉求: the web intake form, and the ticket number once it is received. */
export function submitView(): View {
  const picker = new CategoryPicker();
  const control = {
    requestType: h('select', { name: 'requestType' },
      h('option', { value: '', 'data-i18n': 'choose' }, m.t('choose')),
      ...requestTypes.map((type) => h('option', { value: type, 'data-i18n': type }, m.t(type)))),
    address: h('input', { name: 'location.address', maxlength: 200, autocomplete: 'street-address' }),
    subject: h('input', { name: 'subject', maxlength: 120 }),
    content: h('textarea', { name: 'content', maxlength: 10_000, rows: 6 }),
    phone: h('input', { name: 'requester.phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: 24 }),
    name: h('input', { name: 'requester.name', maxlength: 60, autocomplete: 'name' }),
    email: h('input', { name: 'requester.email', type: 'email', maxlength: 200, autocomplete: 'email' }),
    confidential: h('input', { name: 'requester.confidential', type: 'checkbox', id: 'f-requester-confidential', 'aria-describedby': 'f-requester-confidential-hint f-requester-confidential-error' }),
    files: fileInput('f-files'),
  };
  const button = h('button', { type: 'submit', class: 'primary big', 'data-i18n': 'submit' }, m.t('submit'));
  const form = h('form', { id: 'submit-form', novalidate: true },
    field('requestType', control.requestType),
    picker.element,
    field('address', control.address, 'addressHint'),
    field('subject', control.subject, 'subjectHint'),
    field('content', control.content, 'contentHint'),
    field('photos', control.files, 'photosHint'),
    field('phone', control.phone, 'phoneHint'),
    field('name', control.name),
    field('email', control.email),
    h('div', { class: 'field confidential', 'data-field': 'requester.confidential' },
      h('label', { class: 'choice', for: control.confidential.id }, control.confidential, h('span', { 'data-i18n': 'confidential' }, m.t('confidential'))),
      h('p', { class: 'hint', id: 'f-requester-confidential-hint', 'data-i18n': 'confidentialHint' }, m.t('confidentialHint')),
      h('p', { class: 'field-error', id: 'f-requester-confidential-error', hidden: true }),
    ),
    button,
  );
  const errors = new FieldErrors(form, labels);
  const card = h('section', { class: 'card', 'aria-labelledby': 'submit-title' },
    h('h2', { id: 'submit-title', tabindex: '-1', 'data-i18n': 'submitTitle' }, m.t('submitTitle')),
    h('p', { class: 'muted', 'data-i18n': 'submitIntro' }, m.t('submitIntro')),
    form,
  );
  const done = h('section', { class: 'card done', id: 'submitted', 'aria-labelledby': 'submitted-title', hidden: true });
  const element = h('div', {}, card, done);
  let received: string | null = null;
  /** The files sent with the request: how many arrived, and which the API refused and why. */
  let sent: { count: number; refused: { name: string; error: unknown }[] } = { count: 0, refused: [] };

  // The tree is cacheable for minutes; after the API refused a category, ask past the cache.
  const loadTree = async (revalidate = false) => {
    const res = await fetch('/api/public/categories', { headers: { accept: 'application/json' }, cache: revalidate ? 'no-cache' : 'default' });
    if (!res.ok) throw new ApiError(res.status, String(res.status), res.statusText);
    picker.load(((await res.json()) as { items: PublicCategory[] }).items);
  };

  const check = () => {
    errors.clear();
    const phone = normalizePhone(control.phone.value);
    if (!control.requestType.value) errors.set('requestType', { key: 'requiredChoice' });
    if (picker.required && !picker.value()) errors.set('categoryId', { key: 'requiredChoice' });
    if (!control.subject.value.trim()) errors.set('subject', { key: 'required' });
    if (!control.content.value.trim()) errors.set('content', { key: 'required' });
    if (!phone) errors.set('requester.phone', { key: 'required' });
    else if (!validPhone(phone)) errors.set('requester.phone', { key: 'badPhone' });
    if (control.email.value.trim() && !control.email.checkValidity()) errors.set('requester.email', { key: 'badEmail' });
  };

  const showProblems = () => {
    errors.render(true);
    showError(new Error(m.t('checkFields', { fields: errors.summary() })));
  };

  const drawDone = () => {
    if (!received) return;
    done.replaceChildren(
      h('h2', { id: 'submitted-title', tabindex: '-1' }, m.t('submitted')),
      h('p', {}, m.t('numberLabel')),
      h('p', { id: 'ticket-number', class: 'ticket-number' }, received),
      h('p', {}, m.t('keepNumber')),
      ...(sent.count ? [h('p', { class: 'notice-good', id: 'files-sent' }, m.t('photosSent', { count: sent.count }))] : []),
      ...sent.refused.map(({ name, error }) => h('p', { class: 'notice-bad file-refused', role: 'alert' }, refusalText(name, error))),
      h('div', { class: 'actions' },
        h('a', { class: 'button primary big', href: `#/follow/${received}` }, m.t('followThis')),
        h('button', { type: 'button', class: 'big', onclick: startOver }, m.t('submitAnother')),
      ),
    );
  };

  const startOver = () => {
    received = null;
    sent = { count: 0, refused: [] };
    form.reset();
    picker.reset();
    errors.clear();
    done.hidden = true;
    card.hidden = false;
    card.querySelector<HTMLElement>('h2')!.focus();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    showError(null);
    check();
    if (errors.size > 0) return showProblems();
    const optional = (value: string) => value.trim() || undefined;
    const body = {
      requestType: control.requestType.value,
      categoryId: picker.value() ?? undefined,
      location: control.address.value.trim() ? { address: control.address.value.trim() } : undefined,
      subject: control.subject.value.trim(),
      content: control.content.value.trim(),
      requester: {
        phone: normalizePhone(control.phone.value), name: optional(control.name.value), email: optional(control.email.value), confidential: control.confidential.checked,
      },
    };
    button.disabled = true;
    button.textContent = m.t('submitting');
    api<{ number: string }>('POST', '/api/public/tickets', body)
      .then(async ({ number }) => {
        const files = [...(control.files.files ?? [])];
        if (files.length) {
          button.textContent = m.t('sendingPhotos');
          const { uploaded, refused } = await uploadFiles(requesterFileRoutes(number, body.requester.phone), files);
          sent = { count: uploaded.length, refused };
        }
        received = number;
        drawDone();
        card.hidden = true;
        done.hidden = false;
        done.querySelector<HTMLElement>('h2')!.focus();
      })
      .catch((error: unknown) => {
        if (!errors.fromApi(error, wording)) return showError(error);
        showProblems();
        // A category the administrators retired since the page loaded: offer the current tree.
        if (error instanceof ApiError && error.code === 'CATEGORY_NOT_FOUND') void loadTree(true).catch(showError);
      })
      .finally(() => {
        button.disabled = false;
        button.textContent = m.t('submit');
      });
  });

  void loadTree().catch(showError);

  return {
    element,
    focus: () => (received ? done : card).querySelector<HTMLElement>('h2')?.focus(),
    relabel() {
      picker.relabel();
      errors.render();
      drawDone();
    },
  };
}
