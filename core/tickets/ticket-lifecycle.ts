import type { Actor, DepartmentRef } from '../accounts/access.js';
import type { Role } from '../accounts/roles.js';
import {
  clockStatus, nextWarningAt, resolveLimit, addWorkingTime,
  type Clock, type LimitOverrides, type LimitTable, type TimeLimit, type WarningLevel, type WarningThresholds, type WorkingCalendar,
} from '../clocks/index.js';
import { DomainError } from '../platform/errors.js';
import { openStates, partsInHand, statesInHand, type Assignment, type CallbackResult, type RoutingSuggestion, type Satisfaction, type Ticket, type TicketState } from './ticket.js';

/** Everything a rule needs besides the ticket: time, calendar and the administrator's settings. */
export interface LifecycleEnv {
  now: Date;
  calendar: WorkingCalendar;
  limits: LimitTable;
  thresholds: WarningThresholds;
  /** Returns after which only a supervisor may decide another one. */
  returnCap: number;
  /** The ticket's category's own limits (complex categories, administrator overrides). */
  categoryLimits: LimitOverrides;
  /** Minutes after an automatic dispatch during which the centre may take it back. */
  autoDispatchUndoMinutes: number;
  /** 超时默认: what the system decides for a step nobody took in time. */
  defaults: DefaultDecisions;
}

/**
 * Per step, the decision the system takes when its clock runs out. `accept`: a part not accepted by
 * its accept deadline is deemed accepted (视为签收), so its reply clock keeps running and the
 * department answers for it; `none` leaves the part waiting (warnings and urges only). `extension`:
 * a department's extension request the centre has not decided within `decisionLimit` is approved
 * or denied by the system; `return`: a return it has not decided in that time is rejected (the
 * department keeps the ticket; approving needs a new department, which only a person can choose).
 */
export interface DefaultDecisions {
  accept: 'none' | 'deem_accepted';
  extension: 'none' | 'approve' | 'deny';
  return: 'none' | 'reject';
  decisionLimit: TimeLimit;
}

export const defaultDecisionsNone: DefaultDecisions = { accept: 'none', extension: 'none', return: 'none', decisionLimit: { amount: 1, unit: 'working_days' } };

/** When the system rejects a waiting return by default; null when it never does. */
export function returnDefaultAt(t: Pick<Ticket, 'state' | 'returnedAt'>, env: LifecycleEnv): Date | null {
  if (t.state !== 'returned' || !t.returnedAt || env.defaults.return === 'none') return null;
  return addWorkingTime(t.returnedAt, env.defaults.decisionLimit, env.calendar);
}

/** When the system decides a waiting extension request by default; null when it never does. */
export function extensionDefaultAt(t: Pick<Ticket, 'pendingExtension'>, env: LifecycleEnv): Date | null {
  if (!t.pendingExtension || env.defaults.extension === 'none') return null;
  return addWorkingTime(t.pendingExtension.requestedAt, env.defaults.decisionLimit, env.calendar);
}

export interface ActionInputs {
  resolve_on_call: { answer: string; knowledgeArticleId?: string | null };
  /** The routing job's proposal: up to three departments with confidence. */
  propose_routing: { suggestions: RoutingSuggestion[] };
  dispatch: { lead: DepartmentRef; assists?: DepartmentRef[]; reason?: string | null };
  /** The centre takes an automatic dispatch back into its queue. */
  undo_auto_dispatch: { reason: string };
  accept: Record<string, never>;
  /** The sweep's default decision: a department's part left unaccepted past its accept deadline. */
  deem_accept: { departmentId: string; reason: string };
  request_info: { items: string[] };
  receive_info: { note?: string | null };
  interim_reply: { text: string };
  reply: { text: string };
  release_assist: { departmentId: string; reason: string };
  approve_reply: Record<string, never>;
  send_back: { reason: string };
  return: { reason: string };
  approve_return: { lead: DepartmentRef; assists?: DepartmentRef[]; reason?: string | null };
  reject_return: { reason: string };
  redispatch: { lead: DepartmentRef; assists?: DepartmentRef[]; reason: string };
  request_extension: { until: Date; reason: string };
  /** `reason`: set when the system decides by default (超时默认). */
  approve_extension: { reason?: string | null };
  deny_extension: { reason: string };
  /** Raised by the deadline sweep; red also urges the department. */
  warn: { level: 'yellow' | 'red' };
  /** The callbacks job sent the survey, or found no way to reach the requester. */
  send_survey: { sent: boolean };
  urge: { reason?: string | null };
  supervise: { reason: string };
  callback: { resolved: boolean | null; satisfaction: Satisfaction | null; comment?: string | null; via: CallbackResult['via'] };
  reopen: { reason: string };
  /** The requester wrote again (an e-mail answering one of ours, an SMS): recorded on the ticket, its files added to it. */
  requester_message: { channel: 'email' | 'sms'; text: string; messageKey: string; attachments: Ticket['attachments'] };
  archive: Record<string, never>;
  merge: { parentId: string };
  cancel: { reason: string };
}
export type TicketAction = keyof ActionInputs;

/**
 * Who may act: centre staff (dispatch desk and above), intake staff (operators and above), the
 * ticket's departments, or supervisors. The system actor holds the administrator role.
 */
type Who = 'intake' | 'centre' | 'urger' | 'overseer' | 'lead' | 'assigned' | 'system';
const rolesOf: Record<Exclude<Who, 'lead' | 'assigned' | 'system'>, readonly Role[]> = {
  intake: ['operator', 'dispatcher', 'supervisor', 'administrator'],
  centre: ['dispatcher', 'supervisor', 'administrator'],
  urger: ['dispatcher', 'supervisor', 'administrator'],
  overseer: ['supervisor', 'administrator'],
};

interface Rule<A extends TicketAction> {
  from: readonly TicketState[];
  who: Who;
  /** Extra conditions beyond state and role: a refusal names why. */
  guard?: (ticket: Ticket, actor: Actor, env: LifecycleEnv) => string | null;
  /** What the action changes; returns the new state. Mutates the copy it is given. */
  apply: (ticket: Ticket, input: ActionInputs[A], actor: Actor, env: LifecycleEnv) => TicketState;
}

const handling: readonly TicketState[] = ['dispatched', 'in_handling', 'waiting_info'];
const beforeReply: readonly TicketState[] = ['received', 'dispatched', 'in_handling', 'waiting_info', 'returned'];

/**
 * The transition table: for each action, the states that allow it, who may take it and what it
 * changes. Every state change of a ticket goes through here.
 */
export const transitions: { [A in TicketAction]: Rule<A> } = {
  resolve_on_call: {
    from: ['received'], who: 'intake',
    apply: (t, _input, _actor, env) => {
      t.dispatchClock = null;
      startCallback(t, env);
      return 'awaiting_callback';
    },
  },
  propose_routing: {
    from: ['received'], who: 'system',
    guard: (t) => (t.routing.status === 'pending' ? null : 'routing was already proposed'),
    apply: (t, input, _actor, env) => {
      t.routing = { status: 'proposed', suggestions: input.suggestions, proposedAt: env.now, autoDispatchedAt: null, taken: null };
      return t.state;
    },
  },
  dispatch: {
    from: ['received'], who: 'centre',
    apply: (t, input, actor, env) => {
      const taken = t.routing.suggestions.findIndex((s) => s.departmentId === input.lead.id);
      const automatic = actor.via === 'system' && t.routing.status === 'proposed';
      t.routing = {
        ...t.routing,
        taken: taken >= 0 ? taken : null,
        status: automatic ? 'auto_dispatched' : t.routing.status,
        autoDispatchedAt: automatic ? env.now : (t.routing.autoDispatchedAt ?? null),
      };
      t.dispatchClock = null;
      t.assignments = assignmentsFor(t, input.lead, input.assists ?? [], env);
      return 'dispatched';
    },
  },
  undo_auto_dispatch: {
    from: ['dispatched', 'in_handling'], who: 'centre',
    guard: undoAutoDispatchGuard,
    apply: (t, _input, _actor, env) => {
      t.routing = { ...t.routing, status: 'undone', taken: null };
      t.pendingExtension = null;
      t.assignments = [];
      // Back in the queue with a fresh dispatch clock: the first one ran out while the machine held it.
      t.dispatchClock = newClock(env.now, resolveLimit('dispatch', t.requestType, t.urgency, env.categoryLimits, env.limits));
      return 'received';
    },
  },
  accept: {
    from: handling, who: 'assigned',
    guard: (t, actor) => (partOf(t, actor, ['dispatched']) ? null : 'your department has no part waiting to be accepted'),
    apply: (t, _input, actor, env) => {
      const part = partOf(t, actor, ['dispatched'])!;
      part.state = 'accepted';
      part.acceptedAt = env.now;
      part.acceptedLate = clockStatus(part.acceptClock, env.now, env.calendar, env.thresholds).warning === 'red';
      return part.role === 'lead' && t.state === 'dispatched' ? 'in_handling' : t.state;
    },
  },
  deem_accept: {
    from: handling, who: 'system',
    guard: (t, _actor, env) => {
      if (env.defaults.accept !== 'deem_accepted') return 'no default decision is configured for accepting';
      return t.assignments.some((a) => acceptOverdue(a, env)) ? null : 'no part is past its accept deadline';
    },
    apply: (t, input, _actor, env) => {
      const part = t.assignments.find((a) => a.departmentId === input.departmentId && acceptOverdue(a, env));
      if (!part) throw refusal(t, 'deem_accept', 'that department has no part past its accept deadline');
      part.state = 'accepted';
      part.acceptedAt = env.now;
      part.acceptedLate = true;
      return part.role === 'lead' && t.state === 'dispatched' ? 'in_handling' : t.state;
    },
  },
  request_info: {
    from: ['in_handling'], who: 'lead',
    guard: (t) => (t.infoRequest ? 'information was already requested once (一次性告知)' : null),
    apply: (t, input, _actor, env) => {
      t.infoRequest = { items: input.items, requestedAt: env.now, receivedAt: null };
      for (const part of activeParts(t)) part.replyClock.pauses = [...part.replyClock.pauses, { from: env.now, to: null }];
      return 'waiting_info';
    },
  },
  receive_info: {
    from: ['waiting_info'], who: 'lead',
    apply: (t, _input, _actor, env) => {
      if (t.infoRequest) t.infoRequest.receivedAt = env.now;
      for (const part of t.assignments) {
        part.replyClock.pauses = part.replyClock.pauses.map((p) => (p.to ? p : { from: p.from, to: env.now }));
      }
      return 'in_handling';
    },
  },
  interim_reply: {
    from: ['in_handling', 'waiting_info'], who: 'assigned',
    guard: (t, actor) => (partOf(t, actor, ['accepted']) ? null : 'accept the ticket before replying'),
    apply: (t) => t.state,
  },
  reply: {
    from: ['in_handling'], who: 'assigned',
    guard: (t, actor) => (partOf(t, actor, ['accepted']) ? null : 'your department has no accepted part to reply to'),
    apply: (t, input, actor, env) => {
      const part = partOf(t, actor, ['accepted'])!;
      part.state = 'replied';
      part.repliedAt = env.now;
      part.repliedLate = clockStatus(part.replyClock, env.now, env.calendar, env.thresholds).remainingMs < 0;
      part.reply = input.text;
      return complete(t) ? 'replied' : t.state;
    },
  },
  release_assist: {
    from: handling, who: 'centre',
    guard: (t) => (t.assignments.some((a) => a.role === 'assist' && partsInHand.includes(a.state)) ? null : 'no assisting department is still working on it'),
    apply: (t, input) => {
      const part = t.assignments.find((a) => a.role === 'assist' && a.departmentId === input.departmentId && partsInHand.includes(a.state));
      if (!part) throw refusal(t, 'release_assist', 'that department has no open assisting part');
      part.state = 'released';
      return t.state === 'in_handling' && complete(t) ? 'replied' : t.state;
    },
  },
  approve_reply: {
    from: ['replied'], who: 'centre',
    apply: (t, _input, _actor, env) => {
      startCallback(t, env);
      return 'awaiting_callback';
    },
  },
  send_back: {
    from: ['replied'], who: 'centre',
    apply: (t) => {
      const lead = leadOf(t);
      if (lead) lead.state = 'accepted';
      return 'in_handling';
    },
  },
  return: {
    from: ['dispatched', 'in_handling'], who: 'lead',
    apply: (t, _input, _actor, env) => {
      t.stateBeforeReturn = t.state;
      t.returnedAt = env.now;
      t.returnCount += 1;
      const lead = leadOf(t);
      if (lead) lead.state = 'returned';
      return 'returned';
    },
  },
  approve_return: {
    from: ['returned'], who: 'centre',
    guard: returnDecisionGuard,
    apply: (t, input, _actor, env) => {
      t.stateBeforeReturn = null;
      t.returnedAt = null;
      t.pendingExtension = null;
      t.infoRequest = null;
      t.assignments = assignmentsFor(t, input.lead, input.assists ?? [], env);
      return 'dispatched';
    },
  },
  reject_return: {
    from: ['returned'], who: 'centre',
    guard: returnDecisionGuard,
    apply: (t) => {
      const back = t.stateBeforeReturn ?? 'dispatched';
      const lead = leadOf(t);
      if (lead) lead.state = back === 'dispatched' ? 'dispatched' : 'accepted';
      t.stateBeforeReturn = null;
      t.returnedAt = null;
      return back;
    },
  },
  redispatch: {
    from: handling, who: 'centre',
    apply: (t, input, _actor, env) => {
      t.pendingExtension = null;
      t.infoRequest = null;
      t.assignments = assignmentsFor(t, input.lead, input.assists ?? [], env);
      return 'dispatched';
    },
  },
  request_extension: {
    from: ['in_handling', 'waiting_info'], who: 'lead',
    guard: (t) => (t.pendingExtension ? 'an extension request is already waiting for a decision' : null),
    apply: (t, input, actor, env) => {
      const due = clockStatus(leadOf(t)!.replyClock, env.now, env.calendar, env.thresholds).dueAt;
      if (due && input.until <= due) {
        throw new DomainError('EXTENSION_NOT_LATER', 'The requested deadline is not later than the current one.', { field: 'until', dueAt: due });
      }
      t.pendingExtension = { departmentId: actor.departmentId ?? '', until: input.until, reason: input.reason, requestedAt: env.now };
      return t.state;
    },
  },
  approve_extension: {
    from: ['in_handling', 'waiting_info'], who: 'centre',
    guard: (t) => (t.pendingExtension ? null : 'no extension request is waiting'),
    apply: (t) => {
      const lead = leadOf(t);
      if (lead && t.pendingExtension) lead.replyClock.extendedTo = t.pendingExtension.until;
      t.pendingExtension = null;
      return t.state;
    },
  },
  deny_extension: {
    from: ['in_handling', 'waiting_info'], who: 'centre',
    guard: (t) => (t.pendingExtension ? null : 'no extension request is waiting'),
    apply: (t) => {
      t.pendingExtension = null;
      return t.state;
    },
  },
  warn: {
    from: ['received', 'dispatched', 'in_handling', 'waiting_info', 'returned', 'awaiting_callback'], who: 'system',
    apply: (t, input) => {
      if (severity[input.level] <= severity[t.warnedLevel]) throw refusal(t, 'warn', `the ${input.level} warning is already recorded`);
      t.warnedLevel = input.level;
      if (input.level === 'red' && t.assignments.length > 0) t.urgeCount += 1;
      return t.state;
    },
  },
  send_survey: {
    from: ['awaiting_callback'], who: 'system',
    guard: (t) => (t.survey.status === 'pending' ? null : 'the survey was already sent'),
    apply: (t, input, _actor, env) => {
      t.survey = { status: input.sent ? 'sent' : 'no_contact', sentAt: input.sent ? env.now : null };
      return t.state;
    },
  },
  urge: {
    from: ['dispatched', 'in_handling', 'waiting_info', 'returned', 'replied'], who: 'urger',
    apply: (t) => {
      t.urgeCount += 1;
      return t.state;
    },
  },
  supervise: {
    from: statesInHand, who: 'overseer',
    guard: (t) => (t.supervisedAt ? 'the ticket is already supervised' : null),
    apply: (t, _input, _actor, env) => {
      t.supervisedAt = env.now;
      return t.state;
    },
  },
  callback: {
    from: ['awaiting_callback'], who: 'intake',
    apply: (t, input, _actor, env) => {
      t.callback = { resolved: input.resolved, satisfaction: input.satisfaction, comment: input.comment ?? null, at: env.now, via: input.via };
      t.callbackClock = null;
      return 'closed';
    },
  },
  reopen: {
    from: ['closed'], who: 'centre',
    guard: (t) => (callbackNegative(t) ? null : 'only a dissatisfied or unresolved callback reopens a ticket'),
    apply: (t, _input, _actor, env) => {
      const lead = leadOf(t);
      if (!lead) throw refusal(t, 'reopen', 'a ticket resolved on call has no department to reopen it with');
      t.reopenCount += 1;
      t.infoRequest = null;
      t.assignments = assignmentsFor(t, { id: lead.departmentId, ancestors: lead.departmentAncestors }, [], env);
      return 'dispatched';
    },
  },
  requester_message: {
    from: openStates, who: 'system',
    apply: (t, input) => {
      t.attachments = [...t.attachments, ...input.attachments];
      return t.state;
    },
  },
  archive: {
    from: ['closed'], who: 'centre',
    guard: (t) => (callbackNegative(t) ? 'a dissatisfied or unresolved callback must be reopened, not archived' : null),
    apply: (t, _input, _actor, env) => {
      t.closedAt = env.now;
      return 'archived';
    },
  },
  merge: {
    from: beforeReply, who: 'intake',
    apply: (t, input, _actor, env) => {
      t.parentId = input.parentId;
      t.closedAt = env.now;
      return 'merged';
    },
  },
  cancel: {
    from: beforeReply, who: 'centre',
    apply: (t, input, _actor, env) => {
      t.cancelReason = input.reason;
      t.closedAt = env.now;
      return 'cancelled';
    },
  },
};

export const ticketActions = Object.keys(transitions) as TicketAction[];

function returnDecisionGuard(t: Ticket, actor: Actor, env: LifecycleEnv): string | null {
  if (t.returnCount > env.returnCap && !actor.roles.some((r) => rolesOf.overseer.includes(r))) {
    return `returned ${t.returnCount} times: only a supervisor decides now`;
  }
  return null;
}

/**
 * Only the routing job's own dispatch, still with the department it chose (a later redispatch or
 * approved return is a person's decision), and only within the window the administrator set.
 */
function undoAutoDispatchGuard(t: Ticket, _actor: Actor, env: LifecycleEnv): string | null {
  const at = t.routing.autoDispatchedAt;
  if (t.routing.status !== 'auto_dispatched' || !at) return 'the ticket was not dispatched automatically';
  if (leadOf(t)?.dispatchedAt.getTime() !== at.getTime()) return 'the ticket was dispatched again since';
  if (env.now.getTime() > at.getTime() + env.autoDispatchUndoMinutes * 60_000) {
    return `the ${env.autoDispatchUndoMinutes}-minute window to undo an automatic dispatch has passed`;
  }
  return null;
}

/** A part still waiting to be accepted whose accept deadline has passed. */
export const acceptOverdue = (part: Assignment, env: LifecycleEnv): boolean =>
  part.state === 'dispatched' && clockStatus(part.acceptClock, env.now, env.calendar, env.thresholds).remainingMs <= 0;

const callbackNegative = (t: Ticket) => t.callback !== null && (t.callback.resolved === false || t.callback.satisfaction === 'dissatisfied');

const newClock = (startedAt: Date, limit: Clock['limit']): Clock => ({ startedAt, limit, pauses: [], extendedTo: null });

function startCallback(t: Ticket, env: LifecycleEnv): void {
  t.callbackClock = newClock(env.now, resolveLimit('callback', t.requestType, t.urgency, env.categoryLimits, env.limits));
  t.callback = null;
  t.survey = { status: 'pending', sentAt: null };
}

function assignmentsFor(t: Ticket, lead: DepartmentRef, assists: DepartmentRef[], env: LifecycleEnv): Assignment[] {
  const seen = new Set<string>();
  return [{ ref: lead, role: 'lead' as const }, ...assists.map((ref) => ({ ref, role: 'assist' as const }))]
    .filter(({ ref }) => !seen.has(ref.id) && seen.add(ref.id))
    .map(({ ref, role }) => ({
      departmentId: ref.id,
      departmentAncestors: ref.ancestors,
      role,
      state: 'dispatched',
      dispatchedAt: env.now,
      acceptClock: newClock(env.now, resolveLimit('accept', t.requestType, t.urgency, env.categoryLimits, env.limits)),
      acceptedAt: null,
      acceptedLate: false,
      replyClock: newClock(env.now, resolveLimit('reply', t.requestType, t.urgency, env.categoryLimits, env.limits)),
      repliedAt: null,
      repliedLate: false,
      reply: null,
    }));
}

const leadOf = (t: Ticket) => t.assignments.find((a) => a.role === 'lead');
const activeParts = (t: Ticket) => t.assignments.filter((a) => a.state === 'dispatched' || a.state === 'accepted');
const complete = (t: Ticket) =>
  leadOf(t)?.state === 'replied' && t.assignments.every((a) => a.role === 'lead' || a.state === 'replied' || a.state === 'released');

/** The part the actor's department holds (its own, or one below it), in one of the given states. */
function partOf(t: Ticket, actor: Actor, states: Assignment['state'][]): Assignment | undefined {
  const mine = t.assignments.filter((a) => states.includes(a.state) && actorInDepartment(actor, a));
  return mine.find((a) => a.role === 'lead') ?? mine[0];
}

const actorInDepartment = (actor: Actor, part: Assignment) =>
  actor.departmentId !== null && (part.departmentId === actor.departmentId || part.departmentAncestors.includes(actor.departmentId));

function actorMay(who: Who, actor: Actor, t: Ticket): boolean {
  if (who === 'system') return actor.via === 'system';
  if (who === 'lead') {
    const lead = leadOf(t);
    return !!lead && actorInDepartment(actor, lead);
  }
  if (who === 'assigned') return t.assignments.some((a) => actorInDepartment(actor, a));
  return actor.roles.some((r) => rolesOf[who].includes(r));
}

/** A ticket the actor may read: centre staff read every ticket, department users their own. */
export function mayRead(actor: Actor, t: Pick<Ticket, 'scope'>): boolean {
  if (actor.roles.some((r) => rolesOf.intake.includes(r))) return true;
  return actor.departmentId !== null && t.scope.includes(actor.departmentId);
}

function refusal(t: Ticket, action: TicketAction, reason: string): DomainError {
  return new DomainError('INVALID_TRANSITION', `Cannot ${action} a ticket in state ${t.state}: ${reason}.`, { action, state: t.state, reason });
}

/** The actions this actor could take on the ticket now (inputs aside): shown to users and in 409s. */
export function allowedActions(t: Ticket, actor: Actor, env: LifecycleEnv): TicketAction[] {
  return ticketActions.filter((action) => {
    const rule = transitions[action] as Rule<TicketAction>;
    return rule.from.includes(t.state) && actorMay(rule.who, actor, t) && !rule.guard?.(t, actor, env);
  });
}

export interface Decision {
  ticket: Ticket;
  event: { action: TicketAction; from: TicketState; to: TicketState; reason: string | null; data: Record<string, unknown> };
}

/**
 * Decides an action: refuses it (FORBIDDEN for the wrong actor, INVALID_TRANSITION for the wrong
 * state, each with the allowed actions) or returns the changed copy of the ticket and its event.
 */
export function decide<A extends TicketAction>(ticket: Ticket, action: A, input: ActionInputs[A], actor: Actor, env: LifecycleEnv): Decision {
  const rule = transitions[action] as Rule<A>;
  const allowed = () => allowedActions(ticket, actor, env);
  // State first: whoever may read the ticket learns why nobody could act on it now.
  if (!rule.from.includes(ticket.state)) {
    throw new DomainError('INVALID_TRANSITION', `Cannot ${action} a ticket in state ${ticket.state}.`, { action, state: ticket.state, allowedActions: allowed() });
  }
  if (!actorMay(rule.who, actor, ticket)) {
    throw new DomainError('FORBIDDEN', `Your role or department may not ${action} this ticket.`, { action, state: ticket.state, allowedActions: allowed() });
  }
  const blocked = rule.guard?.(ticket, actor, env);
  if (blocked) {
    throw new DomainError('INVALID_TRANSITION', `Cannot ${action}: ${blocked}.`, { action, state: ticket.state, reason: blocked, allowedActions: allowed() });
  }
  const next = structuredClone(ticket);
  let to: TicketState;
  try {
    to = rule.apply(next, input, actor, env);
  } catch (err) {
    if (err instanceof DomainError) throw new DomainError(err.code, err.message, { ...err.details, allowedActions: allowed() });
    throw err;
  }
  next.state = to;
  next.updatedAt = env.now;
  const settled = settleClocks(next, env);
  const reason = 'reason' in (input as object) ? ((input as { reason?: string | null }).reason ?? null) : null;
  return { ticket: settled, event: { action, from: ticket.state, to, reason, data: eventData(action, input) } };
}

function eventData(action: TicketAction, input: unknown): Record<string, unknown> {
  const data = { ...(input as Record<string, unknown>) };
  delete data.reason;
  for (const key of ['lead', 'assists'] as const) {
    if (key in data) data[key] = key === 'lead' ? (data.lead as DepartmentRef).id : ((data.assists as DepartmentRef[] | undefined) ?? []).map((d) => d.id);
  }
  return action === 'callback' || Object.keys(data).length > 0 ? data : {};
}

const severity: Record<WarningLevel, number> = { none: 0, yellow: 1, red: 2 };

/**
 * Recomputes what the sweep and the lists read: the worst warning over the running clocks, the
 * next instant one changes (or a red ticket becomes due for supervision), the lead's reply
 * deadline, and the departments that may see the ticket.
 */
export function settleClocks(t: Ticket, env: LifecycleEnv): Ticket {
  const running: Clock[] = [];
  if (t.state === 'received' && t.dispatchClock) running.push(t.dispatchClock);
  if (t.state === 'awaiting_callback' && t.callbackClock) running.push(t.callbackClock);
  if (handling.includes(t.state) || t.state === 'returned') {
    for (const part of t.assignments) {
      if (part.state === 'dispatched') running.push(part.acceptClock);
      if (part.state === 'dispatched' || part.state === 'accepted') running.push(part.replyClock);
    }
  }
  let warning: WarningLevel = 'none';
  let next: Date | null = null;
  const consider = (at: Date | null) => {
    if (at && (!next || at < next)) next = at;
  };
  // The sweep must also wake when a waiting extension request or return falls to its default decision.
  if (handling.includes(t.state)) consider(extensionDefaultAt(t, env));
  consider(returnDefaultAt(t, env));
  for (const clock of running) {
    const status = clockStatus(clock, env.now, env.calendar, env.thresholds);
    if (severity[status.warning] > severity[warning]) warning = status.warning;
    consider(nextWarningAt(clock, env.now, env.calendar, env.thresholds));
    // A ticket still red one working day after its deadline is supervised (督办), in the
    // departments' hands only (as the sweep supervises): elsewhere the instant would stay due forever.
    if (status.warning === 'red' && status.dueAt && !t.supervisedAt && statesInHand.includes(t.state)) consider(addWorkingTime(status.dueAt, { amount: 1, unit: 'working_days' }, env.calendar));
  }
  const lead = leadOf(t);
  t.warning = warning;
  // A new stage (say, accepted after a red accept clock) may warn again when its own clocks run late.
  if (severity[t.warnedLevel] > severity[warning]) t.warnedLevel = warning;
  t.nextDeadlineAt = next;
  t.dueAt = lead && running.includes(lead.replyClock) ? clockStatus(lead.replyClock, env.now, env.calendar, env.thresholds).dueAt : null;
  t.scope = [...new Set(t.assignments.filter((a) => a.state !== 'withdrawn').flatMap((a) => [a.departmentId, ...a.departmentAncestors]))];
  return t;
}
