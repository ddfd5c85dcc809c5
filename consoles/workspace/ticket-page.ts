import { api } from '../shared/api.js';
import { FilesPanel, staffFileRoutes } from '../shared/attachments.js';
import { h } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { actionForms, type Drafts } from './actions.js';
import { warningBadge } from './inbox.js';
import { m, word, workingTime, type Key } from './text.js';
import type { Departments, Part, Ticket, TicketEvent } from './model.js';

/** States in which the API takes no more files. */
const closedStates = new Set(['archived', 'merged', 'cancelled']);

const facts = (rows: [Key, Node | string | null][]) =>
  h('dl', { class: 'facts' }, ...rows.filter(([, value]) => value !== null && value !== '').flatMap(([key, value]) => [h('dt', {}, m.t(key)), h('dd', {}, value)]));

/** One ticket: facts, requester (masked when confidential), departments' parts, actions, history. */
export class TicketPage {
  ticket: Ticket | null = null;
  private history: TicketEvent[] = [];
  private files: FilesPanel | null = null;
  private readonly drafts: Drafts = {};

  constructor(private readonly departments: Departments, private readonly acted: (action: string, ticket: Ticket) => void) {}

  async load(id: string): Promise<void> {
    if (this.ticket?.id !== id) for (const action of Object.keys(this.drafts)) delete this.drafts[action];
    const [ticket, history] = await Promise.all([
      api<Ticket>('GET', `/api/tickets/${id}`),
      api<{ items: TicketEvent[] }>('GET', `/api/tickets/${id}/history`),
    ]);
    this.files = new FilesPanel(staffFileRoutes(id), !closedStates.has(ticket.state));
    await this.files.load();
    const named = history.items.flatMap((e) => [e.actor.departmentId, ...[e.data.lead, e.data.assists].flat().filter((id) => typeof id === 'string')]);
    await this.departments.resolve([...ticket.assignments.map((p) => p.departmentId), ...named]);
    [this.ticket, this.history] = [ticket, history.items];
  }

  draw(): HTMLElement {
    const t = this.ticket!;
    this.files!.draw();
    const forms = actionForms(t, this.drafts, async (action) => {
      await this.load(t.id);
      this.acted(action, this.ticket!);
    });
    return h('article', { id: 'ticket', 'data-id': t.id, 'aria-labelledby': 'ticket-title' },
      h('p', {}, h('a', { href: '#/', id: 'back' }, `← ${m.t('back')}`)),
      h('h2', { id: 'ticket-title' }, `${t.number} · ${t.subject}`),
      h('p', { class: 'row' },
        h('span', { class: 'badge', id: 'ticket-state' }, word('s', t.state)),
        t.urgency === 'urgent' ? h('span', { class: 'badge red' }, m.t('urgent')) : null,
        warningBadge(t.warning),
        t.requesterMasked ? h('span', { class: 'badge confidential', id: 'confidential-mark' }, m.t('confidential')) : null,
        t.supervisedAt ? h('span', { class: 'badge red' }, m.t('supervised')) : null,
        t.urgeCount ? h('span', { class: 'badge yellow' }, m.t('urged', { count: t.urgeCount })) : null,
      ),
      h('div', { class: 'grid' },
        h('section', { class: 'card', 'aria-labelledby': 'facts-title' }, h('h3', { id: 'facts-title' }, m.t('facts')), this.facts(t)),
        h('section', { class: 'card', id: 'requester', 'aria-labelledby': 'requester-title' }, h('h3', { id: 'requester-title' }, m.t('requester')), this.requester(t)),
      ),
      this.files!.element,
      h('section', { class: 'card', 'aria-labelledby': 'parts-title' }, h('h3', { id: 'parts-title' }, m.t('parts')), this.parts(t.assignments)),
      h('section', { id: 'actions', 'aria-labelledby': 'actions-title' },
        h('h3', { id: 'actions-title' }, m.t('actions')),
        ...(forms.length ? forms : [h('p', { class: 'empty' }, m.t('noActions'))])),
      h('section', { class: 'card', 'aria-labelledby': 'history-title' }, h('h3', { id: 'history-title' }, m.t('history')), this.historyTable()),
    );
  }

  private facts(t: Ticket): HTMLElement {
    return facts([
      ['number', t.number],
      ['channel', word('c', t.channel)],
      ['requestType', word('t', t.requestType)],
      ['category', t.categoryPath],
      ['createdAt', dateTime(t.createdAt)],
      ['dueAt', t.dueAt ? `${dateTime(t.dueAt)} · ${workingTime(t.workingMinutesLeft)}` : null],
      ['location', t.location.address],
      ['content', t.content],
      ['attachments', t.attachments.length ? t.attachments.map((a) => a.name).join('、') : null],
      ['infoRequested', t.infoRequest
        ? h('div', {}, h('ul', { id: 'info-items' }, ...t.infoRequest.items.map((item) => h('li', {}, item))), t.infoRequest.receivedAt ? h('span', { class: 'muted' }, m.t('infoReceived', { at: dateTime(t.infoRequest.receivedAt) })) : null)
        : null],
      ['reason', t.pendingExtension ? m.t('pendingExtension', { until: dateTime(t.pendingExtension.until), reason: t.pendingExtension.reason }) : null],
    ]);
  }

  private requester(t: Ticket): HTMLElement {
    if (t.requesterMasked) {
      return h('p', { class: 'confidential-note' }, h('strong', {}, `${m.t('confidential')}：`), m.t('confidentialNote'));
    }
    const r = t.requester;
    return facts([['name', r.name], ['phone', r.phone], ['email', r.email], ['address', r.address]]);
  }

  private parts(parts: Part[]): HTMLElement {
    return h('table', { id: 'parts' },
      h('thead', {}, h('tr', {}, ...(['department', 'role', 'partState', 'acceptDue', 'replyDue', 'reply'] as const).map((key) => h('th', { scope: 'col' }, m.t(key))))),
      h('tbody', {}, ...parts.map((part) => {
        const ours = this.departments.isOurs(part.departmentId);
        return h('tr', { class: ours ? 'ours' : null, 'data-role': part.role },
          h('td', {}, this.departments.name(part.departmentId), ours ? h('span', { class: 'badge good' }, m.t('ours')) : null),
          h('td', {}, m.t(part.role)),
          h('td', {}, word('p', part.state)),
          h('td', {}, dateTime(part.acceptDueAt), part.acceptWorkingMinutesLeft !== null ? ` · ${workingTime(part.acceptWorkingMinutesLeft)}` : null),
          h('td', {}, part.replyPaused ? m.t('paused') : dateTime(part.replyDueAt), part.replyWorkingMinutesLeft !== null ? ` · ${workingTime(part.replyWorkingMinutesLeft)}` : null, ' ', warningBadge(part.replyWarning)),
          h('td', { class: 'text' }, part.reply ?? '–'),
        );
      })),
    );
  }

  private historyTable(): HTMLElement {
    return h('table', { id: 'history' },
      h('thead', {}, h('tr', {}, ...(['at', 'actor', 'action', 'change', 'reason', 'details'] as const).map((key) => h('th', { scope: 'col' }, m.t(key))))),
      h('tbody', {}, ...this.history.map((event) => h('tr', { 'data-action': event.action },
        h('td', {}, dateTime(event.at)),
        h('td', {}, event.actor.username, event.actor.departmentId ? h('div', { class: 'muted' }, this.departments.name(event.actor.departmentId)) : null),
        h('td', {}, word('h', event.action)),
        h('td', {}, event.from && event.from !== event.to ? `${word('s', event.from)} → ${word('s', event.to)}` : word('s', event.to)),
        h('td', { class: 'text' }, event.reason ?? ''),
        h('td', { class: 'text' }, this.details(event)),
      ))),
    );
  }

  /** What an event carried besides its reason, in words: the notice's items, the reply, the new deadline. */
  private details(event: TicketEvent): string {
    const d = event.data;
    if (Array.isArray(d.items)) return m.t('items', { items: (d.items as string[]).join('；') });
    if (typeof d.text === 'string') return d.text;
    if (typeof d.note === 'string') return d.note;
    if (typeof d.until === 'string') return m.t('until', { until: dateTime(d.until) });
    if (typeof d.level === 'string') return m.t('level', { level: m.t(d.level as Key) });
    if (typeof d.lead === 'string') {
      const assists = Array.isArray(d.assists) ? (d.assists as string[]).map((id) => this.departments.name(id)).join('、') : '';
      return [m.t('lead_is', { lead: this.departments.name(d.lead) }), assists ? m.t('assists_are', { assists }) : ''].filter(Boolean).join('；');
    }
    return '';
  }
}
