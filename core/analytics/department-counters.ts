import { Schema, Types, type Connection, type Model } from 'mongoose';
import { chinaDateKey } from '../clocks/index.js';
import { defineModel } from '../platform/database.js';
import type { TicketEvent } from '../tickets/ticket-events.js';
import type { Ticket } from '../tickets/ticket.js';
import { gaugeChanges } from './gauges.js';

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
  /** Intake by channel and hour, for the dashboard; hotline deltas only. */
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

/**
 * Every roll-up is one document per kind and China day (the gauges: one document, day `all`),
 * holding counts per key: per department its counters that day, and `open`/`overdue` right now
 * (gauges); per channel the tickets received in each China hour (intake); per category, per
 * street (the place's department) and per word of the text, the tickets `received` that day; per
 * operator the inbound calls they answered that day and their sums (`operator-days.ts`), recorded
 * by each write of a call record.
 */
export const rollupKinds = ['departments', 'intake', 'gauges', 'categories', 'streets', 'words', 'operators'] as const;
export type RollupKind = (typeof rollupKinds)[number];
export const hotspotKinds = ['categories', 'streets', 'words'] as const satisfies readonly RollupKind[];
export type HotspotKind = (typeof hotspotKinds)[number];

export interface RollupDelta {
  kind: RollupKind;
  /** China date, or `all` for the gauges. */
  day: string;
  /** The same counts are added to each key (the words of one text share one delta). */
  keys: string[];
  counts: Record<string, number>;
}

/** Hotspot documents keep this many keys a day: a period read stays a handful of small documents. */
export const hotspotKeep = 200;

/** Words found in most requests whatever their topic (beyond the search index's stop words). */
const weakWords = new Set([
  '问题', '情况', '反映', '相关', '进行', '希望', '要求', '一下', '目前', '现在', '部门', '市民', '领导', '政府', '尊敬', '尽快', '处理', '解决', '及时', '工作',
  // The request types name no topic either.
  '咨询', '求助', '投诉', '举报', '建议', '表扬', '请求',
  // Time, frequency and connectives: how long or how often, never what about.
  '一周', '一直', '已经', '多次', '至今', '今天', '昨天', '每天', '经常', '时间', '小时', '一个', '这个', '那个', '这些', '一些',
  '没有', '还是', '但是', '因为', '所以', '可以', '不能', '无法', '需要', '我们', '他们', '本人', '号楼',
]);

/** The words of a ticket worth counting as hotspots: the index's terms, minus numbers and filler. */
export function hotspotWords(terms: readonly string[]): string[] {
  return [...new Set(terms.filter((w) => w.length >= 2 && !/^\p{N}+$/u.test(w) && !weakWords.has(w)))];
}

/**
 * What one ticket event adds to the gauges and hotspots. Pure: the event, the ticket before
 * (null at intake) and after it, and the hotspot words of its text (counted at intake only).
 */
export function rollupsFor(event: Pick<TicketEvent, 'action' | 'at'>, ticket: Ticket, previous: Ticket | null, words: readonly string[]): RollupDelta[] {
  const deltas: RollupDelta[] = [...gaugeChanges(previous, ticket)].map(([key, counts]) => ({ kind: 'gauges' as const, day: 'all', keys: [key], counts: counts as Record<string, number> }));
  if (event.action === 'intake') {
    const day = chinaDateKey(event.at);
    const received = (kind: HotspotKind, keys: readonly (string | null)[]): RollupDelta[] => {
      const present = keys.filter((k): k is string => !!k);
      return present.length ? [{ kind, day, keys: present, counts: { received: 1 } }] : [];
    };
    deltas.push(...received('categories', [ticket.categoryId]), ...received('streets', [ticket.location.departmentId]), ...received('words', words));
  }
  return deltas;
}

/** A department's (or the hotline's) daily counters as a roll-up: intake by channel goes to its hour. */
function asRollup(delta: CounterDelta): RollupDelta {
  if (delta.channel !== undefined && delta.hour !== undefined) {
    return { kind: 'intake', day: delta.day, keys: [delta.channel], counts: { [hourKey(delta.hour)]: delta.counts.received ?? 0 } };
  }
  return { kind: 'departments', day: delta.day, keys: [delta.departmentId], counts: delta.counts as Record<string, number> };
}

const hourKey = (hour: number) => String(hour).padStart(2, '0');

type KeyCounts = Record<string, Record<string, number>>;

/** One kind of roll-up for one day: counts per key. Written by the fold job only. */
interface RollupDoc {
  /** `<kind>:<day>`: a period is read by `_id`, a handful of documents whatever the number of tickets. */
  _id: string;
  kind: RollupKind;
  day: string;
  /**
   * `KeyCounts` as JSON. FerretDB decodes every field of every document it reads in Go, so a day
   * of hundreds of keys as nested fields was the bulk of a dashboard read; one string is not.
   */
  counts: string;
  /** The last fold batch added into this document: re-applying a batch after a crash skips it. */
  lastBatch: string | null;
}

/**
 * Deltas waiting to be folded, one document per event (or per write of a call record, keyed by its
 * compare-and-set claim): its `_id` makes recording an event twice harmless.
 */
export interface PendingDeltas {
  _id: string;
  rollups: RollupDelta[];
}

/** A fold in progress: written before any roll-up changes, so a crashed fold is finished, not redone. */
interface FoldBatch {
  _id: string;
  eventIds: string[];
  /** `BatchDoc[]` as JSON, for the same reason as `RollupDoc.counts`. */
  docs: string;
  done: boolean;
}

interface BatchDoc {
  _id: string;
  kind: RollupKind;
  day: string;
  counts: KeyCounts;
}

const rollupSchema = new Schema<RollupDoc>(
  { _id: String, kind: String, day: String, counts: String, lastBatch: { type: String, default: null } },
  { versionKey: false, collection: 'analytics_rollups', minimize: false },
);
const pendingSchema = new Schema<PendingDeltas>({ _id: String, rollups: Schema.Types.Mixed }, { versionKey: false, collection: 'counter_inbox' });
const batchSchema = new Schema<FoldBatch>({ _id: String, eventIds: [String], docs: String, done: Boolean }, { versionKey: false, collection: 'counter_batches' });
batchSchema.index({ done: 1 });

export const counterModels = (connection: Connection) => ({
  rollups: defineModel(connection, 'AnalyticsRollup', rollupSchema) as Model<RollupDoc>,
  inbox: defineModel(connection, 'CounterInbox', pendingSchema) as Model<PendingDeltas>,
  batches: defineModel(connection, 'CounterBatch', batchSchema) as Model<FoldBatch>,
});

/** The inbox entry of one event (null: it changes nothing); exported for the benchmark's bulk seeding. */
export function pendingEntry(eventId: string, deltas: CounterDelta[], rollups: RollupDelta[]): PendingDeltas | null {
  const all = [...deltas.map(asRollup), ...rollups];
  return all.length ? { _id: eventId, rollups: all } : null;
}

export const rollupId = (kind: RollupKind, day: string) => `${kind}:${day}`;

/** Every China date from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += 86_400_000) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

export const emptyCounters = (): Counters => Object.fromEntries(counterNames.map((n) => [n, 0])) as Counters;

function addInto(target: Record<string, number>, counts: Record<string, number>): void {
  for (const [name, value] of Object.entries(counts)) target[name] = (target[name] ?? 0) + value;
}

/** A hotspot day keeps its busiest keys only; every kind drops keys whose counts are all zero. */
function trimmed(kind: RollupKind, counts: KeyCounts): KeyCounts {
  const entries = Object.entries(counts).filter(([, c]) => Object.values(c).some((v) => v !== 0));
  if (!(hotspotKinds as readonly string[]).includes(kind) || entries.length <= hotspotKeep) return Object.fromEntries(entries);
  const total = (c: Record<string, number>) => Object.values(c).reduce((sum, v) => sum + v, 0);
  return Object.fromEntries(entries.sort(([ka, a], [kb, b]) => total(b) - total(a) || ka.localeCompare(kb)).slice(0, hotspotKeep));
}

/**
 * Per-department daily counters and the dashboard's other roll-ups, maintained from the events,
 * so the rates and the dashboard never read tickets. Recording is an idempotent insert beside the
 * event; folding into the roll-ups is done by one job at a time (agenda locks it).
 */
export class DepartmentCounters {
  readonly rollups: Model<RollupDoc>;
  private readonly inbox: Model<PendingDeltas>;
  private readonly batches: Model<FoldBatch>;

  constructor(connection: Connection) {
    ({ rollups: this.rollups, inbox: this.inbox, batches: this.batches } = counterModels(connection));
  }

  async record(eventId: string, deltas: CounterDelta[], rollups: RollupDelta[] = []): Promise<void> {
    const entry = pendingEntry(eventId, deltas, rollups);
    if (!entry) return;
    try {
      await this.inbox.create(entry);
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  /**
   * Adds recorded deltas into the roll-ups, exactly once: a batch is written down before anything
   * changes, each roll-up remembers the last batch added into it, and an unfinished batch (a crash)
   * is completed before a new one starts. Each roll-up is rewritten whole (read, add, trim, write):
   * `$inc` is not atomic on FerretDB, and a hotspot day is pruned to its busiest keys as it is
   * folded. Safe because only this job writes them, one run at a time (agenda locks it).
   */
  async fold(size = 2000): Promise<{ events: number; rows: number }> {
    const batch = (await this.batches.findOne({ done: false }).lean()) ?? (await this.newBatch(size));
    if (!batch) return { events: 0, rows: 0 };
    const docs = JSON.parse(batch.docs) as BatchDoc[];
    for (const doc of docs) {
      const current = await this.rollups.findById(doc._id).lean();
      if (current?.lastBatch === batch._id) continue;
      const counts = current ? (JSON.parse(current.counts) as KeyCounts) : {};
      for (const [key, add] of Object.entries(doc.counts)) addInto((counts[key] ??= {}), add);
      const next = JSON.stringify(trimmed(doc.kind, counts));
      await this.rollups.replaceOne({ _id: doc._id }, { kind: doc.kind, day: doc.day, counts: next, lastBatch: batch._id }, { upsert: true });
    }
    await this.inbox.deleteMany({ _id: { $in: batch.eventIds } });
    // Emptied as well: every fold looks for an unfinished batch, and FerretDB decodes each batch it
    // passes, so finished ones kept whole (until the purge job) made every fold slower than the last.
    await this.batches.updateOne({ _id: batch._id }, { $set: { done: true, docs: '[]', eventIds: [] } });
    return { events: batch.eventIds.length, rows: docs.length };
  }

  private async newBatch(size: number): Promise<FoldBatch | null> {
    const pending = await this.inbox.find({}).limit(size).lean();
    if (pending.length === 0) return null;
    const docs = new Map<string, BatchDoc>();
    for (const { rollups } of pending) {
      for (const delta of rollups) {
        const id = rollupId(delta.kind, delta.day);
        const doc = docs.get(id) ?? { _id: id, kind: delta.kind, day: delta.day, counts: {} };
        for (const key of delta.keys) addInto((doc.counts[key] ??= {}), delta.counts);
        docs.set(id, doc);
      }
    }
    const batch: FoldBatch = { _id: new Types.ObjectId().toHexString(), eventIds: pending.map((p) => p._id), docs: JSON.stringify([...docs.values()]), done: false };
    await this.batches.create(batch);
    return batch;
  }

  /** One kind's counts per key summed over the given days (`all` for the gauges). */
  async rollupTotals(kind: RollupKind, days: readonly string[]): Promise<Map<string, Record<string, number>>> {
    const docs = await this.rollups.find({ _id: { $in: days.map((day) => rollupId(kind, day)) } }).lean();
    const totals = new Map<string, Record<string, number>>();
    for (const doc of docs) {
      for (const [key, counts] of Object.entries(JSON.parse(doc.counts) as KeyCounts)) {
        const sum = totals.get(key) ?? {};
        addInto(sum, counts);
        totals.set(key, sum);
      }
    }
    return totals;
  }

  /** Sums of each department's counters over days `from`…`to` (China dates, inclusive). */
  async totals(from: string, to: string): Promise<Map<string, Counters>> {
    const totals = new Map<string, Counters>();
    for (const [departmentId, counts] of await this.rollupTotals('departments', daysBetween(from, to))) {
      if (departmentId !== hotline) totals.set(departmentId, { ...emptyCounters(), ...counts });
    }
    return totals;
  }

  /** The hotline's intake of one China day, by channel and China hour. */
  async intakeOf(day: string): Promise<{ channel: string; hour: number; received: number }[]> {
    const byChannel = await this.rollupTotals('intake', [day]);
    return [...byChannel].flatMap(([channel, hours]) => Object.entries(hours).map(([hour, received]) => ({ channel, hour: Number(hour), received })));
  }
}
