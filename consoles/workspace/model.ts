import { api, query, type SessionView } from '../shared/api.js';
import { lang } from '../shared/i18n.js';

/** What the API answers, as far as the workspace reads it (api/tickets/tickets.router.ts). */
export type Warning = 'none' | 'yellow' | 'red';

export interface TicketRow {
  id: string;
  number: string;
  state: string;
  urgency: string;
  subject: string;
  warning: Warning;
  dueAt: string | null;
  workingMinutesLeft?: number | null;
  leadDepartmentId: string | null;
  confidential: boolean;
}

export interface Part {
  departmentId: string;
  role: 'lead' | 'assist';
  state: string;
  acceptDueAt: string | null;
  replyDueAt: string | null;
  replyPaused: boolean;
  replyWarning: Warning;
  acceptWorkingMinutesLeft: number | null;
  replyWorkingMinutesLeft: number | null;
  reply: string | null;
}

export interface Ticket {
  id: string;
  number: string;
  state: string;
  version: number;
  channel: string;
  requestType: string;
  urgency: string;
  categoryPath: string | null;
  requester: { name: string | null; phone: string | null; email: string | null; address: string | null; confidential: boolean };
  requesterMasked: boolean;
  location: { address: string | null };
  subject: string;
  content: string;
  attachments: { name: string; url: string | null }[];
  assignments: Part[];
  warning: Warning;
  dueAt: string | null;
  workingMinutesLeft: number | null;
  infoRequest: { items: string[]; requestedAt: string; receivedAt: string | null } | null;
  pendingExtension: { until: string; reason: string } | null;
  urgeCount: number;
  supervisedAt: string | null;
  allowedActions: string[];
  createdAt: string;
}

export interface TicketEvent {
  version: number;
  at: string;
  actor: { username: string; departmentId: string | null };
  action: string;
  from: string | null;
  to: string;
  reason: string | null;
  data: Record<string, unknown>;
}

interface Department {
  id: string;
  name: string;
  nameEn: string | null;
  ancestors: string[];
}

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
