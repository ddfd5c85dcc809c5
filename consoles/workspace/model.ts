import type { DepartmentView } from '../../core/departments/department.js';
import type { TicketEvent as ServerTicketEvent } from '../../core/tickets/ticket-events.js';
import type { TicketSummary, TicketView } from '../../core/tickets/ticket-view.js';
import { api, query, type Json, type SessionView } from '../shared/api.js';
import { lang } from '../shared/i18n.js';

/** What the API answers (api/tickets/tickets.router.ts, api/departments/departments.router.ts). */
export type Ticket = Json<TicketView>;
export type Part = Ticket['assignments'][number];
export type Warning = Ticket['warning'];
/** A list row: the summary, with the working time left when the list reads it. */
export type TicketRow = Json<TicketSummary & { workingMinutesLeft?: number | null }>;
export type TicketEvent = Json<ServerTicketEvent>;
type Department = Json<DepartmentView>;

/** Department names by id, each asked for once. */
export class Departments {
  private readonly known = new Map<string, Department | null>();
  /** The user's department and those below it: the inbox filter and "ours" on a ticket. */
  own: Department[] = [];

  constructor(private readonly session: SessionView) {}

  async loadOwn(): Promise<void> {
    const mine = this.session.user.departmentId;
    if (!mine) return;
    const [self, below] = await Promise.all([
      api<Department>('GET', `/api/departments/${mine}`),
      api<{ items: Department[] }>('GET', `/api/departments${query({ under: mine })}`),
    ]);
    this.own = [self, ...below.items];
    for (const department of this.own) this.known.set(department.id, department);
  }

  isOurs(id: string | null): boolean {
    return id !== null && this.own.some((d) => d.id === id);
  }

  /** Looks up the ids not yet known, so `name` answers from memory while drawing. */
  async resolve(ids: Iterable<string | null>): Promise<void> {
    const missing = [...new Set(ids)].filter((id): id is string => !!id && !this.known.has(id));
    const found = await Promise.all(missing.map((id) => api<Department>('GET', `/api/departments/${id}`).catch(() => null)));
    missing.forEach((id, i) => this.known.set(id, found[i] ?? null));
  }

  name(id: string | null): string {
    const department = id ? this.known.get(id) : null;
    if (!department) return id ?? '–';
    return lang() === 'en' && department.nameEn ? department.nameEn : department.name;
  }
}
