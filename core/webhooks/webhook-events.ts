import { createHmac } from 'node:crypto';
import type { TicketEvent } from '../tickets/ticket-events.js';
import type { TicketAction } from '../tickets/ticket-lifecycle.js';
import type { TicketSnapshot } from '../tickets/ticket.js';

/**
 * What a subscriber can ask for: one type per kind of ticket change. Stable names, published in
 * the API and sent in `X-Hotline-Event`: never rename one, subscriptions store them.
 */
export const webhookEventTypes = [
  'ticket.created', 'ticket.resolved_on_call', 'ticket.dispatched', 'ticket.accepted', 'ticket.returned', 'ticket.return_rejected',
  'ticket.info_requested', 'ticket.info_received', 'ticket.interim_replied', 'ticket.replied', 'ticket.assist_released',
  'ticket.reply_approved', 'ticket.reply_sent_back', 'ticket.extension_requested', 'ticket.extension_decided',
  'ticket.warned', 'ticket.urged', 'ticket.supervised', 'ticket.callback_recorded', 'ticket.reopened', 'ticket.archived',
  'ticket.merged', 'ticket.cancelled', 'ticket.requester_wrote', 'ticket.dispatch_withdrawn',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/**
 * The event type of each ticket action; null for the system's own bookkeeping that changes
 * nothing a partner acts on. Typed over every action, so a new action does not compile until
 * it is given a type here.
 */
const typeOfAction: Record<TicketAction | 'intake', WebhookEventType | null> = {
  intake: 'ticket.created',
  resolve_on_call: 'ticket.resolved_on_call',
  propose_routing: null,
  dispatch: 'ticket.dispatched',
  redispatch: 'ticket.dispatched',
  // An approved return hands the ticket to its new departments.
  approve_return: 'ticket.dispatched',
  accept: 'ticket.accepted',
  return: 'ticket.returned',
  reject_return: 'ticket.return_rejected',
  request_info: 'ticket.info_requested',
  receive_info: 'ticket.info_received',
  interim_reply: 'ticket.interim_replied',
  reply: 'ticket.replied',
  release_assist: 'ticket.assist_released',
  approve_reply: 'ticket.reply_approved',
  send_back: 'ticket.reply_sent_back',
  request_extension: 'ticket.extension_requested',
  approve_extension: 'ticket.extension_decided',
  deny_extension: 'ticket.extension_decided',
  warn: 'ticket.warned',
  send_survey: null,
  urge: 'ticket.urged',
  supervise: 'ticket.supervised',
  callback: 'ticket.callback_recorded',
  reopen: 'ticket.reopened',
  requester_message: 'ticket.requester_wrote',
  archive: 'ticket.archived',
  merge: 'ticket.merged',
  cancel: 'ticket.cancelled',
  undo_auto_dispatch: 'ticket.dispatch_withdrawn',
};

export const eventTypeOf = (action: string): WebhookEventType | null => typeOfAction[action as TicketAction | 'intake'] ?? null;

/**
 * The departments a change concerns, for a subscription's department filter: those holding the
 * ticket after it (with their ancestors) and the department that acted (a returning department
 * still hears of its own return).
 */
export function departmentsInvolved(ticket: Pick<TicketSnapshot, 'scope'>, event: Pick<TicketEvent, 'actor'>): string[] {
  return [...new Set([...ticket.scope, ...(event.actor.departmentId ? [event.actor.departmentId] : [])])];
}

/** What a change's data holds of the requester's own words and files, never sent. */
const requesterData: Partial<Record<string, readonly string[]>> = {
  callback: ['comment'],
  requester_message: ['text', 'messageKey', 'attachments'],
};

/**
 * The body sent for one change. It carries no requester data (name, phone, e-mail, address, their
 * own words and files): partners and departments' systems read that, where allowed, through the
 * API. Written once when the delivery is stored, so every attempt and replay sends the same bytes.
 */
export function webhookBody(type: WebhookEventType, ticket: TicketSnapshot, event: TicketEvent): string {
  const data = Object.fromEntries(Object.entries(event.data).filter(([key]) => !requesterData[event.action]?.includes(key)));
  return JSON.stringify({
    id: event._id,
    type,
    occurredAt: event.at,
    ticket: {
      id: event.ticketId,
      number: ticket.number,
      version: event.version,
      state: ticket.state,
      channel: ticket.channel,
      requestType: ticket.requestType,
      urgency: ticket.urgency,
      categoryId: ticket.categoryId,
      categoryPath: ticket.categoryPath,
      subject: ticket.subject,
      departments: ticket.assignments.map((a) => ({ id: a.departmentId, role: a.role, state: a.state, reply: a.reply })),
      dueAt: ticket.dueAt,
      createdAt: ticket.createdAt,
      closedAt: ticket.closedAt,
    },
    change: { action: event.action, from: event.from, to: event.to, reason: event.reason, departmentId: event.actor.departmentId, data },
  });
}

/** `X-Hotline-Signature`: HMAC-SHA256 of `<timestamp>.<body>` with the subscription's secret, timestamp in Unix seconds. */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/** The wait before the next attempt after `failures` consecutive failed ones: doubling from `baseMs`, at most `maxMs`. */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}
