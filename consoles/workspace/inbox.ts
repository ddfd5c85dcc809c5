import { api, query } from '../shared/api.js';
import { h } from '../shared/dom.js';
import { dateTime } from '../shared/format.js';
import { showError } from '../shared/shell.js';
import { m, word, workingTime } from './text.js';
import type { Departments, TicketRow, Warning } from './model.js';

const states = ['dispatched', 'in_handling', 'waiting_info', 'returned', 'replied', 'awaiting_callback', 'archived'] as const;

interface Filters {
  state: string;
  warning: string;
  urgency: string;
  departmentId: string;
  sort: string;
}

export function warningBadge(warning: Warning): HTMLElement | null {
  if (warning === 'none') return null;
  return h('span', { class: `badge ${warning}` }, m.t(warning));
}

/** The department's tickets: filters, keyword search, cursor pages; new assignments marked. */
export class Inbox {
  private filters: Filters = { state: '', warning: '', urgency: '', departmentId: '', sort: 'newest' };
  private searched: string | null = null;
  private rows: TicketRow[] = [];
  private nextCursor: string | null = null;
  private readonly fresh = new Set<string>();
  private results: HTMLElement = h('div');
  private searchInput: HTMLInputElement = h('input');

  constructor(private readonly departments: Departments) {}

  async load(): Promise<void> {
    if (this.searched) {
      const found = await api<{ items: TicketRow[] }>('GET', `/api/tickets/search${query({ q: this.searched, limit: 50 })}`);
      [this.rows, this.nextCursor] = [found.items, null];
    } else {
      const page = await this.page(null);
      [this.rows, this.nextCursor] = [page.items, page.nextCursor];
    }
    this.drawResults();
  }

  /** A ticket just dispatched to us: marked until the user opens it. */
  markFresh(id: string): void {
    this.fresh.add(id);
  }

  seen(id: string): void {
    this.fresh.delete(id);
  }

  draw(): HTMLElement {
    this.results = h('div', { id: 'inbox-results' });
    this.drawResults();
    return h('section', { id: 'inbox', 'aria-labelledby': 'inbox-title' },
      h('h2', { id: 'inbox-title' }, m.t('inbox')),
      this.filterForm(),
      this.searchForm(),
      this.results,
    );
  }

  private page(cursor: string | null) {
    const { state, warning, urgency, departmentId, sort } = this.filters;
    const params = { open: state === '' ? true : undefined, state: state === '' || state === 'all' ? undefined : state, warning, urgency, departmentId, sort, cursor, limit: 50 };
    return api<{ items: TicketRow[]; nextCursor: string | null }>('GET', `/api/tickets${query(params)}`);
  }

  private async more(): Promise<void> {
    const page = await this.page(this.nextCursor);
    this.rows = [...this.rows, ...page.items];
    this.nextCursor = page.nextCursor;
    this.drawResults();
  }

  private filterForm(): HTMLFormElement {
    const select = (name: keyof Filters, label: string, options: [string, string][]) =>
      h('label', {}, h('span', {}, label),
        h('select', { name }, ...options.map(([value, text]) => h('option', { value, selected: this.filters[name] === value }, text))));
    const departments = this.departments.own.slice(1);
    const form = h('form', { id: 'filters', class: 'row', role: 'search', 'aria-label': m.t('filters') },
      select('state', m.t('state'), [['', m.t('openTickets')], ...states.map((s): [string, string] => [s, word('s', s)]), ['all', m.t('allStates')]]),
      select('warning', m.t('warning'), [['', m.t('any')], ['red', m.t('red')], ['yellow', m.t('yellow')], ['none', m.t('noWarning')]]),
      select('urgency', m.t('urgency'), [['', m.t('any')], ['urgent', m.t('urgent')], ['normal', m.t('normal')]]),
      departments.length
        ? select('departmentId', m.t('department'), [['', m.t('ownDepartment')], ...departments.map((d): [string, string] => [d.id, m.t('withBelow', { name: this.departments.name(d.id) })])])
        : null,
      select('sort', m.t('sort'), [['newest', m.t('newest')], ['due', m.t('due')]]),
      h('button', { type: 'submit' }, m.t('apply')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      this.filters = { state: '', warning: '', urgency: '', departmentId: '', sort: 'newest', ...Object.fromEntries([...data].map(([k, v]) => [k, String(v)])) };
      this.clearSearch();
    });
    return form;
  }

  private clearSearch(): void {
    this.searched = null;
    this.searchInput.value = '';
    void this.reload();
  }

  private searchForm(): HTMLFormElement {
    const input = h('input', { type: 'search', name: 'q', maxlength: 200, value: this.searched ?? '', placeholder: m.t('searchHint') });
    this.searchInput = input;
    const form = h('form', { id: 'search', class: 'row', role: 'search', 'aria-label': m.t('search') },
      h('label', {}, h('span', {}, m.t('search')), input),
      h('button', { type: 'submit' }, m.t('searchButton')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.searched = input.value.trim() || null;
      void this.reload();
    });
    return form;
  }

  private async reload(): Promise<void> {
    try {
      showError(null);
      await this.load();
    } catch (error) {
      showError(error);
    }
  }

  private drawResults(): void {
    const heading = this.searched
      ? h('p', { class: 'row' }, h('strong', {}, m.t('searchResults', { q: this.searched })),
        h('button', { type: 'button', id: 'clear-search', onclick: () => this.clearSearch() }, m.t('clearSearch')))
      : null;
    if (this.rows.length === 0) {
      this.results.replaceChildren(...[heading, h('p', { class: 'empty' }, m.t('noTickets'))].filter((e) => e !== null));
      return;
    }
    const table = h('table', { id: 'tickets' },
      h('thead', {}, h('tr', {}, ...(['number', 'subject', 'state', 'part', 'urgency', 'warning', 'dueAt', 'timeLeft'] as const).map((key) => h('th', { scope: 'col' }, m.t(key))))),
      h('tbody', {}, ...this.rows.map((row) => this.row(row))),
    );
    const more = this.nextCursor ? h('button', { type: 'button', id: 'load-more', onclick: () => void this.more().catch(showError) }, m.t('loadMore')) : null;
    this.results.replaceChildren(...[heading, table, more].filter((e) => e !== null));
  }

  private row(row: TicketRow): HTMLTableRowElement {
    const ours = this.departments.isOurs(row.leadDepartmentId);
    return h('tr', { 'data-id': row.id, class: this.fresh.has(row.id) ? 'fresh' : null },
      h('td', {}, h('a', { href: `#/tickets/${row.id}` }, row.number)),
      h('td', {}, row.subject, row.confidential ? h('span', { class: 'badge confidential' }, m.t('confidential')) : null),
      h('td', {}, word('s', row.state)),
      h('td', {}, ours ? m.t('lead') : m.t('assist')),
      h('td', {}, row.urgency === 'urgent' ? h('span', { class: 'badge red' }, m.t('urgent')) : m.t('normal')),
      h('td', {}, warningBadge(row.warning) ?? '–'),
      h('td', {}, dateTime(row.dueAt)),
      h('td', { class: row.workingMinutesLeft !== null && row.workingMinutesLeft !== undefined && row.workingMinutesLeft < 0 ? 'overdue' : null }, workingTime(row.workingMinutesLeft ?? null)),
    );
  }
}
