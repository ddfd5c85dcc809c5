import { api, ApiError } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { showError } from '../shared/shell.js';
import { m, word, type Key } from './text.js';
import type { Ticket } from './model.js';

type Kind = 'text' | 'lines' | 'datetime';

interface FieldSpec {
  name: string;
  label: Key;
  kind: Kind;
  optional?: boolean;
}

interface ActionSpec {
  fields: FieldSpec[];
  hint?: Key;
  style: 'primary' | 'good' | 'bad' | '';
}

/** What a department does on a ticket, in the order it usually comes; the API says which apply now. */
const departmentActions: Record<string, ActionSpec> = {
  accept: { fields: [], hint: 'acceptHint', style: 'primary' },
  request_info: { fields: [{ name: 'items', label: 'f_items', kind: 'lines' }], hint: 'requestInfoHint', style: '' },
  receive_info: { fields: [{ name: 'note', label: 'f_note', kind: 'text', optional: true }], style: '' },
  interim_reply: { fields: [{ name: 'text', label: 'f_interim', kind: 'text' }], style: '' },
  reply: { fields: [{ name: 'text', label: 'f_reply', kind: 'text' }], style: 'good' },
  request_extension: { fields: [{ name: 'until', label: 'f_until', kind: 'datetime' }, { name: 'reason', label: 'f_extensionReason', kind: 'text' }], style: '' },
  return: { fields: [{ name: 'reason', label: 'f_returnReason', kind: 'text' }], style: 'bad' },
};

/** What the user typed per action and field: kept across a failed submit and a language switch. */
export type Drafts = Record<string, Record<string, string>>;

/** The API's refusal with its status and code; the message names the field. */
export function refusalText(error: unknown): unknown {
  if (!(error instanceof ApiError) || error.status === 401) return error;
  return new Error(m.t('refused', { status: error.status, code: error.code, message: error.message }));
}

function value(kind: Kind, raw: string): unknown {
  if (kind === 'lines') return raw.split('\n').map((line) => line.trim()).filter(Boolean);
  // The hotline's deadlines are China time, whatever zone the browser is in.
  if (kind === 'datetime') return raw ? `${raw}:00+08:00` : undefined;
  return raw.trim() || undefined;
}

function control(action: string, field: FieldSpec, drafts: Drafts): HTMLElement {
  const id = `${action}-${field.name}`;
  const draft = drafts[action]?.[field.name] ?? '';
  const input = field.kind === 'datetime'
    ? h('input', { id, name: field.name, type: 'datetime-local', value: draft })
    : h('textarea', { id, name: field.name, rows: field.kind === 'lines' ? 4 : 3, maxlength: 5000 });
  if (input instanceof HTMLTextAreaElement) input.value = draft;
  input.addEventListener('input', () => {
    drafts[action] = { ...drafts[action], [field.name]: (input as HTMLInputElement | HTMLTextAreaElement).value };
  });
  return h('label', { for: id }, h('span', {}, m.t(field.label)), input);
}

/**
 * One form per action the API allows this user now. Each posts with the ticket's version; on
 * success `done` reloads, on failure the alert line shows the API's answer and the form keeps its text.
 */
export function actionForms(ticket: Ticket, drafts: Drafts, done: (action: string) => Promise<void>): HTMLElement[] {
  return Object.entries(departmentActions)
    .filter(([action]) => ticket.allowedActions.some((allowed) => allowed === action))
    .map(([action, spec]) => {
      const button = h('button', { type: 'submit', class: spec.style || null }, word('a', action));
      const form = h('form', { id: `action-${action}`, class: 'card action', 'aria-labelledby': `action-${action}-title` },
        h('h3', { id: `action-${action}-title` }, word('a', action)),
        spec.hint ? h('p', { class: 'muted' }, m.t(spec.hint)) : null,
        ...spec.fields.map((field) => control(action, field, drafts)),
        button,
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const body: Record<string, unknown> = { version: ticket.version };
        for (const field of spec.fields) {
          const entered = value(field.kind, String(new FormData(form).get(field.name) ?? ''));
          if (entered !== undefined) body[field.name] = entered;
        }
        button.disabled = true;
        showError(null);
        api('POST', `/api/tickets/${ticket.id}/${action.replaceAll('_', '-')}`, body)
          .then(async () => {
            delete drafts[action];
            await done(action);
          })
          .catch((error: unknown) => showError(refusalText(error)))
          .finally(() => { button.disabled = false; });
      });
      return form;
    });
}
