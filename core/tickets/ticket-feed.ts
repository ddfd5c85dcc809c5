import type { Model } from 'mongoose';
import type { Actor } from '../accounts/access.js';
import type { TicketEvent } from './ticket-events.js';
import { mayRead } from './ticket-lifecycle.js';
import { summarizeTicket, type TicketSummary } from './ticket-view.js';
import type { Ticket, TicketDocument } from './ticket.js';

/** The actions that give a ticket to departments: each one is news for them. */
export const assigningActions = ['dispatch', 'approve_return', 'redispatch', 'reopen'] as const;

/** A ticket newly given to departments the subscriber may read: the list row, and what gave it. */
export interface Assigned {
  action: (typeof assigningActions)[number];
  at: Date;
  ticket: TicketSummary;
}

export interface TicketFeedOptions {
  intervalMs: number;
  /**
   * How far back each poll looks past the newest event it has seen. An event is stamped with its
   * request's start and written a moment later, maybe by another process with its own clock; the
   * overlap catches those late arrivals, and the ids already delivered keep it from repeating.
   */
  overlapMs?: number;
  onError?: (error: unknown) => void;
}

interface Subscriber {
  actor: Actor;
  listener: (assigned: Assigned) => void;
}

/**
 * New assignments, pushed to whoever may read them. The workers dispatch automatically in
 * another process, so one poller per process reads the ticket events since its last look (MongoDB
 * serves that from the `at` index) and fans them out; it runs only while someone listens.
 */
export class TicketFeed {
  private readonly subscribers = new Set<Subscriber>();
  /** Event ids already handled, with their time, until they fall behind the overlap. */
  private readonly seen = new Map<string, number>();
  private newest = 0;
  private timer: NodeJS.Timeout | null = null;
  private primed: Promise<void> | null = null;
  /**
   * Bumped when the last subscriber leaves and what was seen is forgotten: a poll that began
   * before then must not judge events against the emptied memory (it would tell old ones as new).
   */
  private generation = 0;
  private readonly overlapMs: number;

  constructor(
    private readonly tickets: Model<Ticket>,
    private readonly events: Model<TicketEvent>,
    private readonly options: TicketFeedOptions,
  ) {
    this.overlapMs = options.overlapMs ?? 60_000;
  }

  /**
   * Resolves once the feed knows what already happened, so everything after it reaches `listener`;
   * the returned function ends the subscription.
   */
  async subscribe(actor: Actor, listener: (assigned: Assigned) => void): Promise<() => void> {
    const subscriber = { actor, listener };
    this.subscribers.add(subscriber);
    this.primed ??= this.prime();
    try {
      await this.primed;
    } catch (error) {
      this.primed = null;
      this.unsubscribe(subscriber);
      throw error;
    }
    this.timer ??= this.schedule();
    return () => this.unsubscribe(subscriber);
  }

  /** One look at the events since the last: delivers each new assignment once its ticket is written. */
  async poll(): Promise<void> {
    const generation = this.generation;
    const events = await this.recentEvents(this.newest - this.overlapMs);
    if (generation !== this.generation) return;
    const fresh = events.filter((e) => !this.seen.has(e._id));
    if (fresh.length === 0) return this.forgetOld();
    const ids = [...new Set(fresh.map((e) => e.ticketId))];
    const tickets = new Map((await this.tickets.find({ _id: { $in: ids } }).lean()).map((t) => [String(t._id), t as TicketDocument]));
    if (generation !== this.generation) return;
    for (const event of fresh) {
      const ticket = tickets.get(event.ticketId);
      // An event whose ticket is not (yet) at its version is told on a later poll.
      if (!ticket || ticket.version < event.version) continue;
      this.remember(event);
      const assigned: Assigned = { action: event.action as Assigned['action'], at: event.at, ticket: summarizeTicket(ticket) };
      for (const { actor, listener } of this.subscribers) if (mayRead(actor, ticket)) listener(assigned);
    }
    this.forgetOld();
  }

  /** Takes everything up to the newest assigning event as already told: subscribers load their lists on subscribing. */
  private async prime(): Promise<void> {
    const last = await this.events.findOne({ action: { $in: assigningActions } }, { at: 1 }).sort({ at: -1 }).lean();
    this.newest = last?.at.getTime() ?? 0;
    for (const event of await this.recentEvents(this.newest - this.overlapMs)) this.remember(event);
  }

  private recentEvents(since: number) {
    return this.events
      .find({ at: { $gte: new Date(since) }, action: { $in: assigningActions } }, { _id: 1, ticketId: 1, version: 1, at: 1, action: 1 })
      // Events of one instant in the order their tickets were made (the id leads with the ticket's
      // ObjectId): the console's notice then names the newest, whatever order the engine returns ties in.
      .sort({ at: 1, _id: 1 })
      .lean<Pick<TicketEvent, '_id' | 'ticketId' | 'version' | 'at' | 'action'>[]>();
  }

  private remember(event: Pick<TicketEvent, '_id' | 'at'>): void {
    const at = event.at.getTime();
    this.seen.set(event._id, at);
    if (at > this.newest) this.newest = at;
  }

  private forgetOld(): void {
    for (const [id, at] of this.seen) if (at < this.newest - this.overlapMs) this.seen.delete(id);
  }

  private schedule(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.poll()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (this.timer === timer) this.timer = this.schedule();
        });
    }, this.options.intervalMs);
    timer.unref();
    return timer;
  }

  private unsubscribe(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size > 0) return;
    // Nobody listens: stop polling, and look afresh when someone comes back.
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.primed = null;
    this.seen.clear();
    this.generation += 1;
  }
}
