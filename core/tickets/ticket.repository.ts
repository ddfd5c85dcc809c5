import type { Model, Types } from 'mongoose';
import { rewriteEach } from '../platform/migrations.js';
import { backfillTerms } from '../search/term-search.js';
import type { TicketEvent } from './ticket-events.js';
import { requesterPhone, ticketTerms, type Ticket, type TicketDocument } from './ticket.js';

/** What other areas read and maintain of the tickets and their events; changes go through `Tickets`. */
export class TicketRepository {
  constructor(
    private readonly tickets: Model<Ticket>,
    private readonly events: Model<TicketEvent>,
  ) {}

  async exists(id: string): Promise<boolean> {
    return !!(await this.tickets.exists({ _id: id }));
  }

  /** Received tickets the routing has not yet proposed departments for. */
  async awaitingRouting(limit: number): Promise<TicketDocument[]> {
    return (await this.tickets.find({ 'routing.status': 'pending', state: 'received' }).limit(limit).lean()) as TicketDocument[];
  }

  async byId(id: string): Promise<TicketDocument | null> {
    return (await this.tickets.findById(id).lean()) as TicketDocument | null;
  }

  /** A ticket's state and recorded callback. */
  async callbackOf(id: string): Promise<Pick<Ticket, 'state' | 'callback'> | null> {
    return this.tickets.findById(id, { state: 1, callback: 1 }).lean();
  }

  /** Tickets awaiting the callback whose survey is still to be sent. */
  async surveysToSend(limit: number): Promise<TicketDocument[]> {
    return (await this.tickets.find({ 'survey.status': 'pending', state: 'awaiting_callback' }).limit(limit).lean()) as TicketDocument[];
  }

  /** Tickets awaiting the callback whose requester has neither a mobile phone nor an e-mail. */
  async callbacksWithoutContact(limit: number): Promise<TicketDocument[]> {
    return (await this.tickets.find({ 'survey.status': 'no_contact', state: 'awaiting_callback' }).limit(limit).lean()) as TicketDocument[];
  }

  /** Tickets whose callback is overdue. */
  async callbacksOverdue(limit: number): Promise<TicketDocument[]> {
    return (await this.tickets.find({ state: 'awaiting_callback', warning: 'red' }).limit(limit).lean()) as TicketDocument[];
  }

  async closedIds(limit: number): Promise<string[]> {
    return (await this.tickets.find({ state: 'closed' }, { _id: 1 }).limit(limit).lean()).map((t) => String(t._id));
  }

  /**
   * Tickets with a deadline due by `now`, by (nextDeadlineAt, _id), after the last of the previous
   * page: a due ticket left as it was keeps its nextDeadlineAt and must not come back every page.
   */
  async dueBy(now: Date, after: { at: Date; id: Types.ObjectId } | null, limit: number): Promise<(TicketDocument & { _id: Types.ObjectId })[]> {
    const filter = after
      ? { nextDeadlineAt: { $gte: after.at, $lte: now }, $or: [{ nextDeadlineAt: { $gt: after.at } }, { _id: { $gt: after.id } }] }
      : { nextDeadlineAt: { $lte: now } };
    return (await this.tickets.find(filter).sort({ nextDeadlineAt: 1, _id: 1 }).limit(limit).lean()) as (TicketDocument & { _id: Types.ObjectId })[];
  }

  /** The ticket's latest event of `action` before the given version. */
  latestEventBefore(ticketId: string, action: string, version: number): Promise<TicketEvent | null> {
    return this.events.findOne({ ticketId, action, version: { $lt: version } }).sort({ version: -1 }).lean();
  }

  /**
   * Rewrites requester phones stored before they were kept canonical; returns how many. Only
   * while a ticket still holds the phone read: a change meanwhile has written its own. Not a
   * version step: the number is the same, only its spelling changes.
   */
  canonicalizePhones(): Promise<number> {
    return rewriteEach<Ticket, { _id: unknown; requester: { phone: string } }>(this.tickets, { 'requester.phone': { $type: 'string' } }, { 'requester.phone': 1 }, (row) => {
      const stored = row.requester.phone;
      const phone = requesterPhone(stored);
      return phone === stored ? null : { onlyWhile: { 'requester.phone': stored }, set: { 'requester.phone': phone } };
    });
  }

  /** Gives tickets stored without search terms their terms; returns how many. */
  backfillTerms(): Promise<number> {
    return backfillTerms(this.tickets, ['subject', 'content'], ticketTerms);
  }
}
