import type { DepartmentView } from '../../core/departments/department.js';
import type { TicketSummary as ServerTicketSummary, TicketView as ServerTicketView } from '../../core/tickets/ticket-view.js';
import { api, query, type Json } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { dateTime, percent } from '../shared/format.js';
import { showError, showNotice } from '../shared/shell.js';
import { label, m, type MessageKey } from './messages.js';

/** What the API answers (GET /api/departments, /api/tickets, /api/tickets/:id). */
export type Department = Json<DepartmentView>;
export type TicketSummary = Json<ServerTicketSummary>;
type TicketView = Json<ServerTicketView>;

type Action = 'dispatch' | 'undo_auto_dispatch' | 'approve_return' | 'reject_return' | 'approve_extension' | 'deny_extension' | 'approve_reply' | 'send_back' | 'urge' | 'supervise';

/** Actions whose reason the API requires, and those that choose departments. */
const needsReason: readonly Action[] = ['undo_auto_dispatch', 'reject_return', 'deny_extension', 'send_back', 'supervise'];
const choosesDepartments: readonly Action[] = ['dispatch', 'approve_return'];
/** The others take no reason (their bodies are strict). */
const takesReason: readonly Action[] = [...needsReason, ...choosesDepartments, 'urge'];
const actionLabel: Record<Action, MessageKey> = {
  dispatch: 'dispatch', undo_auto_dispatch: 'undoAutoDispatch', approve_return: 'approveReturn', reject_return: 'rejectReturn', approve_extension: 'approveExtension',
  deny_extension: 'denyExtension', approve_reply: 'approveReply', send_back: 'sendBack', urge: 'urge', supervise: 'supervise',
};

/** One work area: the lists it shows, and the actions it offers on the selected ticket. */
export interface WorkArea {
  lists: { title: MessageKey; query: Record<string, string>; search?: string }[];
  actions: readonly Action[];
}

export const workAreas: Record<'queue' | 'decisions' | 'review' | 'oversee', WorkArea> = {
  // What the routing job dispatched on its own stays in view while it may still be undone.
  queue: {
    lists: [{ title: 'queue', query: { state: 'received', sort: 'oldest' } }, { title: 'autoDispatched', query: { undoable: 'true', sort: 'newest' } }],
    actions: ['dispatch', 'undo_auto_dispatch'],
  },
  decisions: {
    lists: [
      { title: 'returnedTickets', query: { state: 'returned', sort: 'oldest' } },
      { title: 'extensionTickets', query: { extensionPending: 'true', sort: 'oldest' } },
    ],
    actions: ['approve_return', 'reject_return', 'approve_extension', 'deny_extension'],
  },
  review: { lists: [{ title: 'replies', query: { state: 'replied', sort: 'oldest' } }], actions: ['approve_reply', 'send_back'] },
  oversee: { lists: [{ title: 'overdueTickets', query: { warning: 'red', sort: 'due' } }], actions: ['urge', 'supervise'] },
};

export const allActions: readonly Action[] = ['dispatch', 'undo_auto_dispatch', 'approve_return', 'reject_return', 'approve_extension', 'deny_extension', 'approve_reply', 'send_back', 'urge', 'supervise'];

export class Departments {
  private byId = new Map<string, Department>();
  list: Department[] = [];

  async load(): Promise<void> {
    if (this.list.length) return;
    this.list = (await api<{ items: Department[] }>('GET', '/api/departments?active=true')).items;
    this.byId = new Map(this.list.map((d) => [d.id, d]));
  }

  name(id: string | null): string {
    if (!id) return '–';
    const department = this.byId.get(id);
    if (!department) return id;
    return document.documentElement.lang === 'en' && department.nameEn ? department.nameEn : department.name;
  }
}

const warningBadge = (warning: string) => h('span', { class: `badge ${warning === 'none' ? '' : warning}` }, label('warning', warning));

/**
 * A work area: lists on the left, the selected ticket and its actions on the right. Keyboard:
 * ↑/↓ move through the rows, 1–3 dispatch to a suggestion.
 */
export async function renderWorkArea(root: HTMLElement, area: WorkArea, departments: Departments, heading: string): Promise<void> {
  await departments.load();
  const listsBox = h('div', { class: 'work-lists' });
  const detail = h('section', { class: 'card work-detail', 'aria-live': 'polite', id: 'detail' }, h('p', { class: 'empty' }, m.t('select')));
  root.replaceChildren(h('h2', {}, heading), h('p', { class: 'muted' }, m.t('keyHint')), h('div', { class: 'work' }, listsBox, detail));
  let rows: { summary: TicketSummary; button: HTMLButtonElement }[] = [];
  let selected: string | null = null;
  /** Only the latest selection draws the detail, whichever answer arrives last. */
  let selection = 0;
  let suggestionButtons: HTMLButtonElement[] = [];

  const loadLists = async () => {
    rows = [];
    const tables = await Promise.all(area.lists.map(async (list) => {
      const items = list.search
        ? (await api<{ items: TicketSummary[] }>('GET', `/api/tickets/search${query({ q: list.search, limit: 50 })}`)).items
        : (await api<{ items: TicketSummary[] }>('GET', `/api/tickets${query({ limit: 50, ...list.query })}`)).items;
      return h('section', { class: 'card' }, h('h3', {}, `${m.t(list.title)} (${items.length})`), ticketTable(items, departments, (summary, button) => rows.push({ summary, button }), select));
    }));
    listsBox.replaceChildren(...tables);
    const still = rows.find((r) => r.summary.id === selected) ?? rows[0];
    if (still) await select(still.summary.id, true);
    else {
      selected = null;
      detail.replaceChildren(h('p', { class: 'empty' }, m.t('empty')));
    }
  };

  /** Shows a ticket; choosing the one already shown keeps what was typed for it, unless the lists were reloaded. */
  async function select(id: string, reload = false): Promise<void> {
    if (id === selected && !reload) return;
    selected = id;
    const mine = ++selection;
    for (const row of rows) row.button.setAttribute('aria-pressed', String(row.summary.id === id));
    try {
      const ticket = await api<TicketView>('GET', `/api/tickets/${id}`);
      const returnReason = ticket.state === 'returned'
        ? (await api<{ items: { action: string; reason: string | null }[] }>('GET', `/api/tickets/${id}/history`)).items.filter((e) => e.action === 'return').at(-1)?.reason ?? null
        : null;
      if (mine !== selection) return;
      detail.replaceChildren(...ticketDetail(ticket, departments, returnReason), actionPanel(ticket, area.actions, departments, async () => {
        showError(null);
        await loadLists();
        // The acted-on row is gone: keep the keyboard in the list, on the ticket now selected.
        rows.find((r) => r.summary.id === selected)?.button.focus();
      }, (buttons) => (suggestionButtons = buttons)));
    } catch (error) {
      showError(error);
    }
  }

  root.onkeydown = (event) => {
    const target = event.target as HTMLElement;
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
    const index = rows.findIndex((r) => r.summary.id === selected);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const next = rows[Math.max(0, Math.min(rows.length - 1, index + (event.key === 'ArrowDown' ? 1 : -1)))];
      if (next) {
        event.preventDefault();
        next.button.focus();
        void select(next.summary.id);
      }
    } else if (/^[1-3]$/.test(event.key) && suggestionButtons[Number(event.key) - 1]) {
      event.preventDefault();
      suggestionButtons[Number(event.key) - 1]!.click();
    }
  };
  await loadLists();
}

export function ticketTable(items: TicketSummary[], departments: Departments, onRow: (summary: TicketSummary, button: HTMLButtonElement) => void, select: (id: string) => void | Promise<void>): HTMLElement {
  if (items.length === 0) return h('p', { class: 'empty' }, m.t('empty'));
  return h('table', {},
    h('thead', {}, h('tr', {}, ...(['number', 'subject', 'state', 'lead', 'warning', 'created'] as const).map((k) => h('th', { scope: 'col' }, m.t(k))))),
    h('tbody', {}, ...items.map((t) => {
      const button = h('button', { type: 'button', class: 'link', 'data-ticket': t.id, 'aria-pressed': 'false', onclick: () => void select(t.id) }, t.number);
      onRow(t, button);
      return h('tr', { 'data-ticket-row': t.id },
        h('td', {}, button), h('td', {}, t.subject), h('td', {}, label('state', t.state)), h('td', {}, departments.name(t.leadDepartmentId)),
        h('td', {}, warningBadge(t.warning)), h('td', {}, dateTime(t.createdAt)));
    })));
}

function ticketDetail(t: TicketView, departments: Departments, returnReason: string | null): HTMLElement[] {
  const lead = t.assignments.find((a) => a.role === 'lead');
  const fact = (key: MessageKey, value: string | Node) => [h('dt', {}, m.t(key)), h('dd', {}, value)];
  return [
    h('h3', {}, `${t.number} · ${t.subject}`),
    h('dl', { class: 'facts' },
      ...fact('state', label('state', t.state)), ...fact('channel', label('channel', t.channel)), ...fact('category', t.categoryPath ?? '–'),
      ...fact('urgency', m.t(t.urgency === 'urgent' ? 'urgent' : 'normal')), ...fact('warning', warningBadge(t.warning)),
      ...fact('lead', departments.name(lead?.departmentId ?? null)), ...fact('created', dateTime(t.createdAt)), ...fact('due', dateTime(t.dueAt)),
      ...fact('address', t.location.address ?? '–'), ...fact('content', t.content),
      ...(returnReason ? fact('returnReason', returnReason) : []),
      ...(t.pendingExtension ? fact('extension', `${m.t('extensionUntil')} ${dateTime(t.pendingExtension.until)} · ${t.pendingExtension.reason}`) : []),
      ...(lead?.reply && t.state === 'replied' ? fact('reply', lead.reply) : []),
      ...(t.urgeCount ? fact('urge', m.t('urgeCount', { count: t.urgeCount })) : []),
      ...(t.supervisedAt ? fact('supervise', `${m.t('supervised')} ${dateTime(t.supervisedAt)}`) : []),
    ),
  ];
}

/** The actions of this area the API allows on the ticket now, with the inputs they need. */
function actionPanel(t: TicketView, actions: readonly Action[], departments: Departments, after: () => Promise<void>, exposeSuggestions: (buttons: HTMLButtonElement[]) => void): HTMLElement {
  const allowed = actions.filter((a) => t.allowedActions.includes(a));
  const form = h('form', { class: 'actions', 'aria-label': m.t('dispatch') });
  if (allowed.length === 0) {
    exposeSuggestions([]);
    return form;
  }
  const run = async (action: Action, body: Record<string, unknown>) => {
    try {
      await api('POST', `/api/tickets/${t.id}/${action.replaceAll('_', '-')}`, { ...body, version: t.version });
      showNotice(m.t('done', { action: m.t(actionLabel[action]) }));
      await after();
    } catch (error) {
      showError(error);
    }
  };
  const departmentOptions = () => departments.list.map((d) => h('option', { value: d.id }, departments.name(d.id)));
  const leadSelect = h('select', { name: 'lead', id: 'lead' }, h('option', { value: '' }, '–'), ...departmentOptions());
  const assistSelect = h('select', { name: 'assists', id: 'assists', multiple: true, size: 4 }, ...departmentOptions());
  const reason = h('textarea', { name: 'reason', id: 'reason', rows: 2 });
  const assists = () => [...assistSelect.selectedOptions].map((o) => o.value).filter((id) => id !== leadSelect.value);
  const choosing = allowed.find((a) => choosesDepartments.includes(a));

  const suggestionButtons = choosing
    ? t.routing.suggestions.slice(0, 3).map((s, i) => h('button', {
      type: 'button', class: 'primary suggestion', 'data-suggestion': String(i + 1),
      'aria-keyshortcuts': String(i + 1),
      onclick: () => void run(choosing, { lead: s.departmentId, assists: assists(), ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }),
    }, `${i + 1}. ${m.t('dispatchTo', { name: departments.name(s.departmentId), confidence: percent(s.confidence) })}`, h('span', { class: 'muted' }, ` ${s.label}`)))
    : [];
  exposeSuggestions(suggestionButtons);

  if (choosing) {
    form.append(
      h('h4', {}, m.t('suggestions')),
      suggestionButtons.length ? h('div', { class: 'suggestions' }, ...suggestionButtons) : h('p', { class: 'empty' }, m.t('noSuggestions')),
      h('label', { for: 'lead' }, h('span', {}, m.t('pickDepartment')), leadSelect),
      h('label', { for: 'assists' }, h('span', {}, m.t('assists')), assistSelect),
    );
  }
  form.append(h('label', { for: 'reason' }, h('span', {}, m.t('reason')), reason));
  const buttons = allowed.map((action) => h('button', {
    type: 'button', 'data-action': action, class: needsReason.includes(action) ? 'bad' : 'primary',
    onclick: () => {
      const text = reason.value.trim();
      if (needsReason.includes(action) && !text) {
        showError(new Error(m.t('reasonRequired')));
        reason.focus();
        return;
      }
      if (choosesDepartments.includes(action)) {
        if (!leadSelect.value) {
          showError(new Error(m.t('pickDepartment')));
          leadSelect.focus();
          return;
        }
        void run(action, { lead: leadSelect.value, assists: assists(), ...(text ? { reason: text } : {}) });
      } else void run(action, takesReason.includes(action) && text ? { reason: text } : {});
    },
  }, m.t(actionLabel[action])));
  form.append(h('div', { class: 'row' }, ...buttons));
  form.addEventListener('submit', (event) => event.preventDefault());
  return form;
}
