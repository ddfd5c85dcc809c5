import type { Actor } from '../accounts/access.js';
import { clockStatus } from '../clocks/index.js';
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

export function presentTicket(doc: TicketDocument, actor: Actor, env: LifecycleEnv) {
  const { _id, requester, assignments, scope: _scope, dispatchClock, callbackClock, ...rest } = doc;
  const visible = seesRequester(actor, doc);
  const status = (clock: Parameters<typeof clockStatus>[0] | null) => (clock ? clockStatus(clock, env.now, env.calendar, env.thresholds) : null);
  return {
    id: String(_id),
    ...rest,
    requester: visible
      ? requester
      : { name: confidentialMark, phone: confidentialMark, email: null, address: null, confidential: true },
    requesterMasked: !visible,
    assignments: assignments.map(({ acceptClock, replyClock, departmentAncestors: _ancestors, ...part }) => ({
      ...part,
      acceptDueAt: status(acceptClock)?.dueAt ?? null,
      replyDueAt: status(replyClock)?.dueAt ?? null,
      replyPaused: status(replyClock)?.paused ?? false,
      replyWarning: part.state === 'accepted' || part.state === 'dispatched' ? (status(replyClock)?.warning ?? 'none') : 'none',
    })),
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
    requesterPhone: doc.requester.confidential ? null : maskPhone(doc.requester.phone),
    confidential: doc.requester.confidential,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
export type TicketSummary = ReturnType<typeof summarizeTicket>;

