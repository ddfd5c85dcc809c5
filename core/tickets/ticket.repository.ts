import type { Model, Types } from 'mongoose';
import { backfillTerms } from '../search/term-search.js';
import type { TicketEvent } from './ticket-events.js';
import { ticketTerms, type Ticket, type TicketDocument } from './ticket.js';

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

  /** The earliest stored next deadline after `now`: when the sweep next has something to do, as far as is known now. */
  async nextDueAfter(now: Date): Promise<Date | null> {
    const next = await this.tickets.findOne({ nextDeadlineAt: { $gt: now } }, { nextDeadlineAt: 1 }).sort({ nextDeadlineAt: 1 }).lean();
    return next?.nextDeadlineAt ?? null;
  }

  /**
   * The latest archived tickets the public may read about: never one whose requester asked for
   * confidentiality, nor a report (举报), whose subject could expose who reported whom.
   */
  async recentlyArchivedPublishable(limit: number): Promise<TicketDocument[]> {
    return (await this.tickets
      .find({ state: 'archived', 'requester.confidential': { $ne: true }, requestType: { $ne: 'report' } })
      .sort({ closedAt: -1, _id: -1 })
      .limit(limit)
      .lean()) as TicketDocument[];
  }

  /** The ticket's latest event of `action` before the given version. */
  latestEventBefore(ticketId: string, action: string, version: number): Promise<TicketEvent | null> {
    return this.events.findOne({ ticketId, action, version: { $lt: version } }).sort({ version: -1 }).lean();
  }

  /** Gives tickets stored without search terms their terms; returns how many. */
  backfillTerms(): Promise<number> {
    return backfillTerms(this.tickets, ['subject', 'content'], ticketTerms);
  }
}
