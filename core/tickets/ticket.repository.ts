import type { Model } from 'mongoose';
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

  /** The ticket's latest event of `action` before the given version. */
  latestEventBefore(ticketId: string, action: string, version: number): Promise<TicketEvent | null> {
    return this.events.findOne({ ticketId, action, version: { $lt: version } }).sort({ version: -1 }).lean();
  }

  /** Gives tickets stored without search terms their terms; returns how many. */
  backfillTerms(): Promise<number> {
    return backfillTerms(this.tickets, ['subject', 'content'], ticketTerms);
  }
}
