import { systemActor } from '../accounts/access.js';
import type { AttachmentRef } from '../attachments/attachments.js';
import { isDomainError } from '../platform/errors.js';
import type { ActionInputs } from '../tickets/ticket-lifecycle.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import type { IntakeInput, Tickets } from '../tickets/tickets.js';
import type { InboundOutcome } from './inbound-messages.js';

/**
 * Texts that arrive without a form have no request type; help (求助) is the general one, with the
 * general reply limit, until an operator reads it.
 */
const unformedRequestType = 'help';

/** The longest content a ticket takes from any channel (the intake form's limit). */
const contentLimit = 10_000;

export interface InboundIntakeInput {
  channel: 'email' | 'sms';
  requester: IntakeInput['requester'];
  subject: string;
  content: string;
  attachments: AttachmentRef[];
}

/** Intake of an e-mail or SMS by the system, idempotent by the message's key. */
export async function inboundIntake(tickets: Tickets, input: InboundIntakeInput, key: string, now: Date): Promise<InboundOutcome> {
  const actor = { ...systemActor, username: `inbound (${input.channel})` };
  const created = await tickets.intake(
    { actor, now },
    { ...input, requestType: unformedRequestType, content: input.content.slice(0, contentLimit) },
    key,
  );
  return { kind: 'ticket', ticketId: created.id, number: created.number };
}

/**
 * Records the requester's message on the ticket once (its key is in the event). When the ticket
 * is no longer open (archived, merged, cancelled meanwhile), returns null: the caller takes the
 * message in as a new ticket.
 */
export async function recordRequesterMessage(
  tickets: Tickets, ticketRows: TicketRepository, ticketId: string, message: ActionInputs['requester_message'], now: Date,
): Promise<InboundOutcome | null> {
  const actor = { ...systemActor, username: `requester (${message.channel})` };
  for (let attempt = 0; ; attempt++) {
    if (await ticketRows.hasRequesterMessage(ticketId, message.messageKey)) {
      const ticket = (await ticketRows.byId(ticketId))!;
      return { kind: 'message', ticketId, number: ticket.number };
    }
    try {
      const written = await tickets.act({ actor, now }, ticketId, 'requester_message', { ...message, text: message.text.slice(0, contentLimit) });
      return { kind: 'message', ticketId, number: written.number };
    } catch (err) {
      if (!isDomainError(err)) throw err;
      if (err.code === 'INVALID_TRANSITION') return null;
      // Someone acted on the ticket meanwhile: read it again and retry.
      if (err.code !== 'VERSION_CONFLICT' || attempt >= 5) throw err;
    }
  }
}
