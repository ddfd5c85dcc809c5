import type { Actor } from '../accounts/access.js';
import { clockStatus, workingTimeBetween, type WorkingCalendar } from '../clocks/index.js';
import { allowedActions, type LifecycleEnv } from './ticket-lifecycle.js';
import type { Ticket, TicketDocument } from './ticket.js';

const centreRoles = new Set(['operator', 'dispatcher', 'supervisor', 'administrator']);

/** Centre staff see requesters; department users see them unless the requester asked for confidentiality. */
export function seesRequester(actor: Actor, ticket: Pick<Ticket, 'requester'>): boolean {
  if (actor.roles.some((r) => centreRoles.has(r))) return true;
  return !ticket.requester.confidential;
}

export const maskPhone = (phone: string | null): string | null =>
  phone === null ? null : phone.length <= 7 ? '*'.repeat(phone.length) : `${phone.slice(0, 3)}****${phone.slice(-4)}`;

const confidentialMark = '（保密）';

/**
 * Working minutes from `now` to a deadline, whatever unit its limit counts in: departments plan in
 * office hours. Negative once overdue; null while no deadline runs (paused, or not with a department).
 */
export function workingMinutesLeft(dueAt: Date | null, now: Date, calendar: WorkingCalendar): number | null {
  return dueAt ? Math.floor(workingTimeBetween(now, dueAt, calendar) / 60_000) : null;
}

/** List rows with the working time left until each row's deadline, read at `now`. */
export function withWorkingTimeLeft<T extends { dueAt: Date | null }>(rows: T[], now: Date, calendar: WorkingCalendar): (T & { workingMinutesLeft: number | null })[] {
  return rows.map((row) => ({ ...row, workingMinutesLeft: workingMinutesLeft(row.dueAt, now, calendar) }));
}

export function presentTicket(doc: TicketDocument, actor: Actor, env: LifecycleEnv) {
  // The owed effects carry a full snapshot of the ticket, requester included: never hand them out.
  const {
    _id, requester, assignments, scope: _scope, dispatchClock, callbackClock,
    effects: _effects, effectsDueAt: _effectsDueAt, idempotencyKey: _key, idempotencyFingerprint: _fingerprint, ...rest
  } = doc;
  const visible = seesRequester(actor, doc);
  const status = (clock: Parameters<typeof clockStatus>[0] | null) => (clock ? clockStatus(clock, env.now, env.calendar, env.thresholds) : null);
  return {
    id: String(_id),
    ...rest,
    requester: visible
      ? requester
      : { name: confidentialMark, phone: confidentialMark, email: null, address: null, confidential: true },
    requesterMasked: !visible,
    // A partner's account and device ids point at the requester as surely as a phone number.
    external: doc.external && !visible ? { ...doc.external, accountId: null, deviceId: null } : (doc.external ?? null),
    assignments: assignments.map(({ acceptClock, replyClock, departmentAncestors: _ancestors, ...part }) => {
      const accept = status(acceptClock);
      const reply = status(replyClock);
      const replyRunning = part.state === 'accepted' || part.state === 'dispatched';
      return {
        ...part,
        acceptDueAt: accept?.dueAt ?? null,
        replyDueAt: reply?.dueAt ?? null,
        replyPaused: reply?.paused ?? false,
        replyWarning: replyRunning ? (reply?.warning ?? 'none') : 'none',
        acceptWorkingMinutesLeft: part.state === 'dispatched' ? workingMinutesLeft(accept?.dueAt ?? null, env.now, env.calendar) : null,
        replyWorkingMinutesLeft: replyRunning ? workingMinutesLeft(reply?.dueAt ?? null, env.now, env.calendar) : null,
      };
    }),
    workingMinutesLeft: workingMinutesLeft(doc.dueAt, env.now, env.calendar),
    dispatchDueAt: status(dispatchClock)?.dueAt ?? null,
    callbackDueAt: status(callbackClock)?.dueAt ?? null,
    allowedActions: allowedActions(doc, actor, env),
  };
}
export type TicketView = ReturnType<typeof presentTicket>;

/** A list row: never the requester's name, and the phone masked for everyone. */
export function summarizeTicket(doc: TicketDocument) {
  const lead = doc.assignments.find((a) => a.role === 'lead');
  return {
    id: String(doc._id),
    number: doc.number,
    state: doc.state,
    channel: doc.channel,
    requestType: doc.requestType,
    categoryPath: doc.categoryPath,
    urgency: doc.urgency,
    subject: doc.subject,
    warning: doc.warning,
    dueAt: doc.dueAt,
    leadDepartmentId: lead?.departmentId ?? null,
    leadState: lead?.state ?? null,
    /** Set while the routing job's own dispatch stands: the dispatcher may still undo it (see the undo window). */
    autoDispatchedAt: doc.routing.status === 'auto_dispatched' ? doc.routing.autoDispatchedAt : null,
    requesterPhone: doc.requester.confidential ? null : maskPhone(doc.requester.phone),
    confidential: doc.requester.confidential,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
export type TicketSummary = ReturnType<typeof summarizeTicket>;

