import type { Model, Types } from 'mongoose';
import { backfillTerms } from '../search/term-search.js';
import type { TicketEvent } from './ticket-events.js';
import { ticketTerms, type Channel, type Ticket, type TicketDocument, type TicketState } from './ticket.js';

/** `numbers` alone, or the rest: a filter by number overrides the others. */
export type ChannelFilter =
  | { numbers: string[] }
  | { numbers?: undefined; categoryIds?: string[]; states?: readonly TicketState[]; from: Date; to: Date };

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

  /**
   * One channel's tickets, newest first: by number (then nothing else narrows them), or by
   * category, state and intake time. Without the owed effects and search terms, which lists never show.
   */
  async ofChannel(channel: Channel, filter: ChannelFilter, limit: number): Promise<Omit<TicketDocument, 'effects' | 'terms'>[]> {
    const query: Record<string, unknown> = { channel };
    if (filter.numbers) query.number = { $in: filter.numbers };
    else {
      if (filter.categoryIds) query.categoryId = { $in: filter.categoryIds };
      if (filter.states) query.state = { $in: filter.states };
      query.createdAt = { $gte: filter.from, $lte: filter.to };
    }
    return this.tickets.find(query, { effects: 0, terms: 0 }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean();
  }

  /** Tickets another system handed over with this token (a partner's Idempotency-Key). */
  async numbersByToken(channel: Channel, token: string): Promise<string[]> {
    return (await this.tickets.find({ 'external.token': token, channel }, { number: 1 }).limit(100).lean()).map((t) => t.number);
  }

  /** Ticket numbers by id. */
  async numbersOf(ids: string[]): Promise<Map<string, string>> {
    return new Map((await this.tickets.find({ _id: { $in: ids } }, { number: 1 }).lean()).map((t) => [String(t._id), t.number]));
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
