import { Schema, Types, type Connection, type Model } from 'mongoose';
import { chinaDateKey } from '../clocks/index.js';
import { defineModel } from '../platform/database.js';
import type { TicketEvent } from '../tickets/ticket-events.js';
import type { Ticket } from '../tickets/ticket.js';

export const counterNames = [
  'received', 'dispatched', 'accepted', 'acceptedOnTime', 'acceptedLate', 'replied', 'repliedOnTime', 'returned',
  'urged', 'supervised', 'resolutionAnswered', 'resolved', 'satisfactionAnswered', 'satisfied', 'basicallySatisfied',
  'dissatisfied', 'archived', 'reopened', 'resolvedOnCall',
] as const;
export type CounterName = (typeof counterNames)[number];
export type Counters = Record<CounterName, number>;

/** `*` holds the hotline's own counters (intake, resolved on call), which belong to no department. */
export const hotline = '*';

export interface CounterDelta {
  departmentId: string;
  /** China date, `YYYY-MM-DD`. */
  day: string;
  /** Intake by channel and hour, for the dashboard; hotline rows only. */
  channel?: string;
  hour?: number;
  counts: Partial<Counters>;
}

/**
 * What one ticket event adds to the per-department daily counters. Pure: the event, and the
 * ticket as it was written with it. Credits go to the department that acted or was acted upon.
 */
export function countersFor(event: Pick<TicketEvent, 'action' | 'at' | 'actor' | 'data'>, ticket: Ticket): CounterDelta[] {
  const day = chinaDateKey(event.at);
  const lead = ticket.assignments.find((a) => a.role === 'lead');
  const forLead = (counts: Partial<Counters>): CounterDelta[] => (lead ? [{ departmentId: lead.departmentId, day, counts }] : []);
  const actingPart = ticket.assignments.find((a) => a.departmentId === event.actor.departmentId)
    ?? ticket.assignments.find((a) => event.actor.departmentId !== null && a.departmentAncestors.includes(event.actor.departmentId));
  switch (event.action) {
    case 'intake':
      return [{ departmentId: hotline, day, channel: ticket.channel, hour: chinaHour(event.at), counts: { received: 1 } }];
    case 'resolve_on_call':
      return [{ departmentId: hotline, day, counts: { resolvedOnCall: 1 } }];
    case 'dispatch':
    case 'redispatch':
    case 'approve_return':
    case 'reopen':
      return ticket.assignments.map((a) => ({ departmentId: a.departmentId, day, counts: event.action === 'reopen' ? { dispatched: 1, reopened: 1 } : { dispatched: 1 } }));
    case 'accept': {
      const part = ticket.assignments.find((a) => a.acceptedAt?.getTime() === event.at.getTime());
      return part ? [{ departmentId: part.departmentId, day, counts: { accepted: 1, ...(part.acceptedLate ? { acceptedLate: 1 } : { acceptedOnTime: 1 }) } }] : [];
    }
    case 'reply': {
      const part = ticket.assignments.find((a) => a.repliedAt?.getTime() === event.at.getTime()) ?? actingPart;
      if (!part) return [];
      return [{ departmentId: part.departmentId, day, counts: { replied: 1, ...(part.repliedLate ? {} : { repliedOnTime: 1 }) } }];
    }
    case 'return':
      return forLead({ returned: 1 });
    case 'urge':
      return forLead({ urged: 1 });
    case 'warn':
      return event.data.level === 'red' ? forLead({ urged: 1 }) : [];
    case 'supervise':
      return forLead({ supervised: 1 });
    case 'callback': {
      const { resolved, satisfaction } = event.data as { resolved?: boolean | null; satisfaction?: string | null };
      const counts: Partial<Counters> = {};
      if (resolved !== null && resolved !== undefined) Object.assign(counts, { resolutionAnswered: 1, ...(resolved ? { resolved: 1 } : {}) });
      if (satisfaction) {
        counts.satisfactionAnswered = 1;
        if (satisfaction === 'satisfied') counts.satisfied = 1;
        if (satisfaction === 'basically_satisfied') counts.basicallySatisfied = 1;
        if (satisfaction === 'dissatisfied') counts.dissatisfied = 1;
      }
      return lead ? forLead(counts) : [{ departmentId: hotline, day, counts }];
    }
    case 'archive':
      return lead ? forLead({ archived: 1 }) : [{ departmentId: hotline, day, counts: { archived: 1 } }];
    default:
      return [];
  }
}

const chinaHour = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).getUTCHours();

/** One day of one department (or of the hotline, by channel and hour). Written by the fold job only. */
interface CounterRow extends Partial<Counters> {
  _id: string;
  departmentId: string;
  day: string;
  channel: string | null;
  hour: number | null;
  /** The last fold batch added into this row: re-applying a batch after a crash skips rows that have it. */
  lastBatch: string | null;
}

/** Deltas waiting to be folded, one document per event: its `_id` makes recording an event twice harmless. */
interface PendingDeltas {
  _id: string;
  deltas: CounterDelta[];
}

/** A fold in progress: written before any row changes, so a crashed fold is finished, not redone. */
interface FoldBatch {
  _id: string;
  eventIds: string[];
  sums: CounterDelta[];
  done: boolean;
}

const counterSchema = new Schema<CounterRow>(
  {
    _id: String, departmentId: String, day: String, channel: { type: String, default: null }, hour: { type: Number, default: null },
    lastBatch: { type: String, default: null },
    ...Object.fromEntries(counterNames.map((n) => [n, { type: Number, default: 0 }])),
  },
  { versionKey: false, collection: 'department_days', strict: false },
);
counterSchema.index({ day: 1 });
counterSchema.index({ departmentId: 1, day: 1 });

const pendingSchema = new Schema<PendingDeltas>({ _id: String, deltas: Schema.Types.Mixed }, { versionKey: false, collection: 'counter_inbox' });
const batchSchema = new Schema<FoldBatch>({ _id: String, eventIds: [String], sums: Schema.Types.Mixed, done: Boolean }, { versionKey: false, collection: 'counter_batches' });
batchSchema.index({ done: 1 });

export const counterModels = (connection: Connection) => ({
  days: defineModel(connection, 'DepartmentDay', counterSchema) as Model<CounterRow>,
  inbox: defineModel(connection, 'CounterInbox', pendingSchema) as Model<PendingDeltas>,
  batches: defineModel(connection, 'CounterBatch', batchSchema) as Model<FoldBatch>,
});

const rowId = (d: CounterDelta) => [d.departmentId, d.day, d.channel ?? '', d.hour ?? ''].join(':');

/**
 * Per-department daily counters maintained from the events, so the dashboard never aggregates
 * tickets. Recording is an idempotent insert beside the event; folding into the daily rows is
 * done by one job at a time (agenda locks it), because `$inc` is not atomic on FerretDB.
 */
export class DepartmentCounters {
  readonly days: Model<CounterRow>;
  private readonly inbox: Model<PendingDeltas>;
  private readonly batches: Model<FoldBatch>;

  constructor(connection: Connection) {
    ({ days: this.days, inbox: this.inbox, batches: this.batches } = counterModels(connection));
  }

  async record(eventId: string, deltas: CounterDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    try {
      await this.inbox.create({ _id: eventId, deltas });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  /**
   * Adds recorded deltas into the daily rows, exactly once: a batch is written down before any row
   * changes, each row remembers the last batch added into it, and an unfinished batch (a crash)
   * is completed before a new one starts. Runs as one job at a time.
   */
  async fold(size = 2000): Promise<{ events: number; rows: number }> {
    const batch = (await this.batches.findOne({ done: false }).lean()) ?? (await this.newBatch(size));
    if (!batch) return { events: 0, rows: 0 };
    for (const sum of batch.sums) {
      try {
        await this.days.updateOne(
          { _id: rowId(sum), lastBatch: { $ne: batch._id } },
          { $inc: sum.counts, $set: { lastBatch: batch._id }, $setOnInsert: { departmentId: sum.departmentId, day: sum.day, channel: sum.channel ?? null, hour: sum.hour ?? null } },
          { upsert: true },
        );
      } catch (err) {
        // The row exists and already holds this batch: the upsert's insert collided with it.
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    }
    await this.inbox.deleteMany({ _id: { $in: batch.eventIds } });
    await this.batches.updateOne({ _id: batch._id }, { $set: { done: true } });
    return { events: batch.eventIds.length, rows: batch.sums.length };
  }

  private async newBatch(size: number): Promise<FoldBatch | null> {
    const pending = await this.inbox.find({}).limit(size).lean();
    if (pending.length === 0) return null;
    const sums = new Map<string, CounterDelta>();
    for (const { deltas } of pending) {
      for (const delta of deltas) {
        const sum = sums.get(rowId(delta)) ?? { ...delta, counts: {} };
        for (const [name, value] of Object.entries(delta.counts) as [CounterName, number][]) sum.counts[name] = (sum.counts[name] ?? 0) + value;
        sums.set(rowId(delta), sum);
      }
    }
    const batch: FoldBatch = { _id: new Types.ObjectId().toHexString(), eventIds: pending.map((p) => p._id), sums: [...sums.values()], done: false };
    await this.batches.create(batch);
    return batch;
  }

  /** Sums of each department's counters over days `from`…`to` (China dates, inclusive). */
  async totals(from: string, to: string): Promise<Map<string, Counters>> {
    const rows = await this.days.find({ day: { $gte: from, $lte: to }, departmentId: { $ne: hotline } }).lean();
    const totals = new Map<string, Counters>();
    for (const row of rows) {
      const sum = totals.get(row.departmentId) ?? (Object.fromEntries(counterNames.map((n) => [n, 0])) as Counters);
      for (const name of counterNames) sum[name] += row[name] ?? 0;
      totals.set(row.departmentId, sum);
    }
    return totals;
  }
}
