import type { Model, Types } from 'mongoose';
import { isDuplicateKey } from '../platform/documents.js';
import { rewriteEach } from '../platform/migrations.js';
import type { TicketEvent } from './ticket-events.js';
import type { TicketTerms } from './ticket-terms.js';
import { requesterPhone, ticketTerms, type Channel, type Ticket, type TicketDocument, type TicketState } from './ticket.js';

/** `numbers` alone, or the rest: a filter by number overrides the others. */
export type ChannelFilter =
  | { numbers: string[] }
  | { numbers?: undefined; categoryIds?: string[]; states?: readonly TicketState[]; from: Date; to: Date };

/** The index of the releases that kept the search terms in the ticket itself. */
const termsInTicketIndex = 'terms_1__id_-1';

/** What other areas read and maintain of the tickets and their events; changes go through `Tickets`. */
export class TicketRepository {
  constructor(
    private readonly tickets: Model<Ticket>,
    private readonly events: Model<TicketEvent>,
    private readonly termIndex: Model<TicketTerms>,
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

  async byNumber(number: string): Promise<TicketDocument | null> {
    return (await this.tickets.findOne({ number }).lean()) as TicketDocument | null;
  }

  /**
   * Whether the ticket already recorded this requester message: in its history, or still owed to
   * it by the change that wrote it (its writer died before the history reaction ran).
   */
  async hasRequesterMessage(ticketId: string, messageKey: string): Promise<boolean> {
    const inHistory = await this.events.exists({ ticketId, action: 'requester_message', 'data.messageKey': messageKey });
    if (inHistory) return true;
    return !!(await this.tickets.exists({ _id: ticketId, effects: { $elemMatch: { 'event.action': 'requester_message', 'event.data.messageKey': messageKey } } }));
  }

  /** The newest ticket whose satisfaction survey went to this phone number (canonical, `requesterPhone`) and is still unanswered. */
  async awaitingSurveyAnswer(phone: string): Promise<TicketDocument | null> {
    const [ticket] = await this.tickets.find({ 'requester.phone': phone, state: 'awaiting_callback', 'survey.status': 'sent' }).sort({ 'survey.sentAt': -1 }).limit(1).lean();
    return (ticket as TicketDocument | undefined) ?? null;
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
   * category, state and intake time. Without the owed effects, which lists never show.
   */
  async ofChannel(channel: Channel, filter: ChannelFilter, limit: number): Promise<Omit<TicketDocument, 'effects'>[]> {
    const query: Record<string, unknown> = { channel };
    if (filter.numbers) query.number = { $in: filter.numbers };
    else {
      if (filter.categoryIds) query.categoryId = { $in: filter.categoryIds };
      if (filter.states) query.state = { $in: filter.states };
      query.createdAt = { $gte: filter.from, $lte: filter.to };
    }
    return this.tickets.find(query, { effects: 0 }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean();
  }

  /** Tickets another system handed over with this token (a partner's Idempotency-Key). */
  async numbersByToken(channel: Channel, token: string): Promise<string[]> {
    return (await this.tickets.find({ 'external.token': token, channel }, { number: 1 }).limit(100).lean()).map((t) => t.number);
  }

  /** Ticket numbers by id. */
  async numbersOf(ids: string[]): Promise<Map<string, string>> {
    return new Map((await this.tickets.find({ _id: { $in: ids } }, { number: 1 }).lean()).map((t) => [String(t._id), t.number]));
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

  /**
   * Brings tickets of earlier releases to search terms kept beside them (`ticket-terms.ts`): each
   * ticket without its terms document gets one (from the `terms` it carries, or from its text), and
   * the ticket's own copy and index go. It reads every ticket, so it runs only while a sign of those
   * releases remains: their index on the tickets, or `everyTicket` (the postings of the releases
   * before). Idempotent; returns how many terms documents it wrote.
   */
  async backfillTerms(options: { everyTicket: boolean }): Promise<number> {
    const indexes = await this.tickets.collection.indexes().catch(() => []);
    const termsInTickets = indexes.some((index) => index.name === termsInTicketIndex);
    if (!termsInTickets && !options.everyTicket) return 0;
    let filled = 0;
    type Row = Pick<Ticket, 'subject' | 'content' | 'scope' | 'version'> & { _id: Types.ObjectId; terms?: string[] };
    let batch: Row[] = [];
    const flush = async () => {
      const ids = batch.map((row) => row._id);
      const present = new Set((await this.termIndex.find({ _id: { $in: ids } }, { _id: 1 }).lean()).map((doc) => String(doc._id)));
      const missing = batch.filter((row) => !present.has(String(row._id)));
      if (missing.length) {
        try {
          const written = await this.termIndex.insertMany(
            missing.map((row) => ({ _id: row._id, terms: row.terms ?? ticketTerms(row), scope: row.scope, version: row.version })),
            { ordered: false },
          );
          filled += written.length;
        } catch (err) {
          // Another process wrote some of them meanwhile (an intake's own reaction, or a second backfill).
          if (!isDuplicateKey(err)) throw err;
          filled += (err as { insertedDocs?: unknown[] }).insertedDocs?.length ?? 0;
        }
      }
      const carrying = batch.filter((row) => row.terms).map((row) => row._id);
      // `terms` is no longer in the schema, which would drop it from the update.
      if (carrying.length) await this.tickets.updateMany({ _id: { $in: carrying } }, { $unset: { terms: '' } }, { strict: false });
      batch = [];
    };
    for await (const row of this.tickets.find({}, { subject: 1, content: 1, scope: 1, version: 1, terms: 1 }).lean().cursor({ batchSize: 500 })) {
      batch.push(row as unknown as Row);
      if (batch.length === 500) await flush();
    }
    if (batch.length) await flush();
    if (termsInTickets) await this.tickets.collection.dropIndex(termsInTicketIndex);
    return filled;
  }
}
