import type { Actor } from '../../core/accounts/access.js';
import type { Role } from '../../core/accounts/roles.js';
import { createWorkingCalendar, DEFAULT_LIMITS, DEFAULT_WARNING_THRESHOLDS, type Clock } from '../../core/clocks/index.js';
import { defaultDecisionsNone, type LifecycleEnv } from '../../core/tickets/ticket-lifecycle.js';
import { type Assignment, type Ticket, type TicketState } from '../../core/tickets/ticket.js';

export const leadDept = { id: 'aaaaaaaaaaaaaaaaaaaaaaa1', ancestors: ['aaaaaaaaaaaaaaaaaaaaaaa0'] };
export const assistDept = { id: 'aaaaaaaaaaaaaaaaaaaaaaa2', ancestors: ['aaaaaaaaaaaaaaaaaaaaaaa0'] };
export const otherDept = { id: 'bbbbbbbbbbbbbbbbbbbbbbb1', ancestors: [] as string[] };

// Monday 2026-03-02, 10:00 in China.
export const monday10 = new Date('2026-03-02T02:00:00Z');

export const lifecycleEnv = (now = monday10, returnCap = 2): LifecycleEnv => ({
  now, calendar: createWorkingCalendar(), limits: DEFAULT_LIMITS, thresholds: DEFAULT_WARNING_THRESHOLDS, returnCap, categoryLimits: {}, autoDispatchUndoMinutes: 30, defaults: defaultDecisionsNone,
});

export function anActor(roles: Role[], departmentId: string | null = null): Actor {
  return { userId: `u-${roles.join('-')}-${departmentId ?? 'centre'}`, username: roles.join('+'), roles, departmentId, via: 'session' };
}

const clock = (startedAt: Date, amount: number, unit: Clock['limit']['unit']): Clock => ({ startedAt, limit: { amount, unit }, pauses: [], extendedTo: null });

export function aPart(dept: { id: string; ancestors: string[] }, role: Assignment['role'], state: Assignment['state'], at = monday10): Assignment {
  return {
    departmentId: dept.id, departmentAncestors: dept.ancestors, role, state, dispatchedAt: at,
    acceptClock: clock(at, 1, 'working_days'), acceptedAt: state === 'dispatched' ? null : at, acceptedLate: false,
    replyClock: clock(at, 5, 'working_days'), repliedAt: state === 'replied' ? at : null, repliedLate: false, reply: state === 'replied' ? '已处理' : null,
  };
}

/** A plausible ticket in the given state, as the lifecycle would have left it. */
export function aTicketIn(state: TicketState, overrides: Partial<Ticket> = {}): Ticket {
  const leadState: Record<TicketState, Assignment['state'] | null> = {
    received: null, dispatched: 'dispatched', in_handling: 'accepted', waiting_info: 'accepted', returned: 'returned',
    replied: 'replied', awaiting_callback: 'replied', closed: 'replied', archived: 'replied', merged: 'dispatched', cancelled: 'dispatched',
  };
  const part = leadState[state];
  const assignments = part ? [aPart(leadDept, 'lead', part)] : [];
  if (state === 'waiting_info') assignments[0]!.replyClock.pauses = [{ from: monday10, to: null }];
  const text = { subject: '楼道堆放杂物', content: '楼道堆放杂物，存在消防隐患。' };
  return {
    number: '20260302000001', channel: 'phone', requestType: 'complaint', categoryId: null, categoryPath: null, urgency: 'normal',
    requester: { name: '张三', phone: '13800138000', email: null, address: null, confidential: false },
    location: { address: null, departmentId: null, coordinates: null },
    ...text, attachments: [], callId: null, external: null, intakeBy: 'u-operator',
    routing: { status: 'pending', suggestions: [], proposedAt: null, autoDispatchedAt: null, taken: null },
    state, version: 3, assignments,
    scope: assignments.flatMap((a) => [a.departmentId, ...a.departmentAncestors]),
    dispatchClock: state === 'received' ? clock(monday10, 5, 'minutes') : null,
    callbackClock: state === 'awaiting_callback' ? clock(monday10, 2, 'working_days') : null,
    infoRequest: state === 'waiting_info' ? { items: ['门牌号'], requestedAt: monday10, receivedAt: null } : null,
    pendingExtension: null,
    returnCount: state === 'returned' ? 1 : 0,
    stateBeforeReturn: state === 'returned' ? 'in_handling' : null,
    returnedAt: state === 'returned' ? monday10 : null,
    urgeCount: 0, supervisedAt: null, reopenCount: 0,
    callback: state === 'closed' || state === 'archived' ? { resolved: false, satisfaction: 'dissatisfied', comment: null, at: monday10, via: 'phone' } : null,
    survey: { status: state === 'awaiting_callback' ? 'pending' : 'none', sentAt: null },
    parentId: null, cancelReason: null, warning: 'none', warnedLevel: 'none', nextDeadlineAt: null, dueAt: null,
    createdAt: monday10, updatedAt: monday10, closedAt: null, effects: [], effectsDueAt: null,
    ...overrides,
  };
}
