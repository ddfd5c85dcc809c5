import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
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
    case 'accept':
    case 'deem_accept': {
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

/**
 * A ticket counts at most this many words as hotspots, the first of its text (the subject's, then
 * the content's opening): every intake rewrites its hotspot document, whose size grows with the new
 * words between two trims, and a text's topic is in its first words.
 */
export const hotspotWordsPerTicket = 8;

/** The words of a ticket worth counting as hotspots: the index's terms, minus numbers and filler, the first `hotspotWordsPerTicket`. */
export function hotspotWords(terms: readonly string[]): string[] {
  return [...new Set(terms.filter((w) => w.length >= 2 && !/^\p{N}+$/u.test(w) && !weakWords.has(w)))].slice(0, hotspotWordsPerTicket);
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

/**
 * A return the centre approved says the ticket was misrouted: the returning department never owed a
 * response, so its dispatch and its acceptance leave the response rate. Each is taken back on the day it
 * was counted, so a period's rates read as if the ticket had never been sent there. Pure.
 */
export function approvedReturnTakesBack(event: Pick<TicketEvent, 'action'>, previous: Ticket | null): CounterDelta[] {
  if (event.action !== 'approve_return' || !previous) return [];
  return previous.assignments.filter((a) => a.role === 'lead' && a.state === 'returned').flatMap((part) => [
    { departmentId: part.departmentId, day: chinaDateKey(part.dispatchedAt), counts: { dispatched: -1 } },
    ...(part.acceptedAt
      ? [{ departmentId: part.departmentId, day: chinaDateKey(part.acceptedAt), counts: { accepted: -1, ...(part.acceptedLate ? { acceptedLate: -1 } : { acceptedOnTime: -1 }) } }]
      : []),
  ]);
}

/** Everything one ticket change adds to the roll-ups: its departments' counters, the gauges and hotspots. Pure. */
export function ticketRollups(event: Pick<TicketEvent, 'action' | 'at' | 'actor' | 'data'>, ticket: Ticket, previous: Ticket | null, words: readonly string[]): RollupDelta[] {
  return [...[...countersFor(event, ticket), ...approvedReturnTakesBack(event, previous)].map(asRollup), ...rollupsFor(event, ticket, previous, words)];
}

/** A department's (or the hotline's) daily counters as a roll-up: intake by channel goes to its hour. */
export function asRollup(delta: CounterDelta): RollupDelta {
  if (delta.channel !== undefined && delta.hour !== undefined) {
    return { kind: 'intake', day: delta.day, keys: [delta.channel], counts: { [hourKey(delta.hour)]: delta.counts.received ?? 0 } };
  }
  return { kind: 'departments', day: delta.day, keys: [delta.departmentId], counts: delta.counts as Record<string, number> };
}

const hourKey = (hour: number) => String(hour).padStart(2, '0');

type KeyCounts = Record<string, Record<string, number>>;

/**
 * Roll-ups are stored by family: one `$inc` per family a change touches, so an intake writes three
 * documents (its counters, its hotspots, the gauges), not one per kind. Hotspot words make their
 * family's documents the largest; keeping them apart spares every other change from rewriting them.
 */
const families = { departments: 'counters', intake: 'counters', operators: 'counters', categories: 'hotspots', streets: 'hotspots', words: 'hotspots', gauges: 'gauges' } as const satisfies Record<RollupKind, string>;
type Family = (typeof families)[RollupKind];

/**
 * Each family's day is spread over this many documents, a change going to one chosen by its id:
 * every change of the hotline touches the same day, and concurrent writers of one document wait
 * for each other's commit. Readers add the shards up.
 */
export const rollupShards = 4;

/**
 * A change applied to a roll-up document is still recognised when applied again while it is among
 * the document's latest this many: the relay finishes a crashed writer's effects 10–15 s after the
 * write, and one shard of Beijing's busiest family sees a few changes a second. Every `$inc`
 * rewrites the list (about 4 KB at 200; incompressible, so it is most of a roll-up's WAL).
 */
export const appliedKeep = 200;

/**
 * What a roll-up remembers of a change: 72 bits of a hash of its id, a third of the id's length,
 * since every read and every `$inc` carries the whole list (a collision among the latest
 * `appliedKeep` changes of one document is a chance of about 2⁻⁵⁴).
 */
const changeMark = (changeId: string) => createHash('sha256').update(changeId).digest('base64url').slice(0, 12);

/** The shard a change goes to: from its mark, so that a change applied again meets its own ring. */
const shardOf = (mark: string) => mark.charCodeAt(0) % rollupShards;

/** One family of roll-ups for one China day, one shard of it: counts per kind and key, each added with `$inc`. */
interface RollupDoc {
  /** `<family>:<day>:<shard>`: a period is read by `_id`, a handful of documents whatever the number of tickets. */
  _id: string;
  family: Family;
  day: string;
  /** Per kind, per key (escaped: a field name holds no `.` and starts with no `$`), per counter. */
  counts: Partial<Record<RollupKind, KeyCounts>>;
  /** Marks of the latest changes added in (`changeMark`), so that a change applied twice is counted once. */
  applied: string[];
}

const rollupSchema = new Schema<RollupDoc>(
  { _id: String, family: String, day: String, counts: { type: Schema.Types.Mixed, default: {} }, applied: { type: [String], default: [] } },
  { versionKey: false, collection: 'analytics_rollups', minimize: false },
);

export const rollupModel = (connection: Connection): Model<RollupDoc> => defineModel(connection, 'AnalyticsRollup', rollupSchema);

const rollupId = (family: Family, day: string, shard: number) => `${family}:${day}:${shard}`;
const shardIds = (family: Family, day: string) => Array.from({ length: rollupShards }, (_, shard) => rollupId(family, day, shard));

const escapes: Record<string, string> = { '%': '%25', '.': '%2E', $: '%24' };
const escapeKey = (key: string) => key.replace(/[%.]|^\$/g, (c) => escapes[c]!);
const unescapeKey = (key: string) => key.replace(/%(25|2E|24)/g, (c) => decodeURIComponent(c));

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

/** The `$inc` of each roll-up document a change touches (in its shard), deltas to the same counter summed. */
function incrementsByDocument(rollups: readonly RollupDelta[], shard: number): Map<string, { family: Family; day: string; inc: Record<string, number> }> {
  const documents = new Map<string, { family: Family; day: string; inc: Record<string, number> }>();
  for (const delta of rollups) {
    const family = families[delta.kind];
    const id = rollupId(family, delta.day, shard);
    const doc = documents.get(id) ?? { family, day: delta.day, inc: {} };
    for (const key of delta.keys) {
      for (const [name, value] of Object.entries(delta.counts)) {
        if (value === 0) continue;
        const path = `counts.${delta.kind}.${escapeKey(key)}.${name}`;
        doc.inc[path] = (doc.inc[path] ?? 0) + value;
        documents.set(id, doc);
      }
    }
  }
  return documents;
}

/**
 * Per-department daily counters and the dashboard's other roll-ups, maintained from the changes
 * as they are written, so the rates and the dashboard never read tickets.
 */
export class DepartmentCounters {
  readonly rollups: Model<RollupDoc>;

  constructor(connection: Connection) {
    this.rollups = rollupModel(connection);
  }

  /**
   * Adds one change's deltas to the roll-ups, exactly once per change id: each document's `$inc`
   * is conditional on the id not being among those it recently took, and records it atomically.
   */
  async record(changeId: string, rollups: readonly RollupDelta[]): Promise<void> {
    const mark = changeMark(changeId);
    await Promise.all([...incrementsByDocument(rollups, shardOf(mark))].map(async ([_id, doc]) => {
      const update = { $inc: doc.inc, $push: { applied: { $each: [mark], $slice: -appliedKeep } }, $setOnInsert: { family: doc.family, day: doc.day } };
      const notYet = { _id, applied: { $ne: mark } };
      try {
        await this.rollups.updateOne(notYet, update, { upsert: true });
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        // Either the document took this change already (so the filter missed and the upsert's
        // insert collided), or another writer created it a moment ago: then it is still owed.
        await this.rollups.updateOne(notYet, update);
      }
    }));
  }

  /**
   * A hotspot day keeps its busiest keys: words run to thousands a day, and every `$inc` rewrites
   * the document. In each shard, keys outside the top `hotspotKeep` are dropped once it holds twice
   * as many (a dropped key loses that shard's count; it was among the least named there).
   */
  async trimHotspots(days: readonly string[]): Promise<number> {
    let dropped = 0;
    const total = (c: Record<string, number>) => Object.values(c).reduce((sum, v) => sum + v, 0);
    for (const day of days) {
      for (const doc of await this.rollups.find({ _id: { $in: shardIds('hotspots', day) } }, { counts: 1 }).lean()) {
        const drop = hotspotKinds.flatMap((kind) => {
          const entries = Object.entries(doc.counts?.[kind] ?? {});
          if (entries.length <= 2 * hotspotKeep) return [];
          return entries.sort(([ka, a], [kb, b]) => total(b) - total(a) || ka.localeCompare(kb)).slice(hotspotKeep).map(([key]) => `counts.${kind}.${key}`);
        });
        if (!drop.length) continue;
        await this.rollups.updateOne({ _id: doc._id }, { $unset: Object.fromEntries(drop.map((path) => [path, ''])) });
        dropped += drop.length;
      }
    }
    return dropped;
  }

  /** One kind's counts per key summed over the given days (`all` for the gauges). */
  async rollupTotals(kind: RollupKind, days: readonly string[]): Promise<Map<string, Record<string, number>>> {
    return (await this.totalsByKind([kind], days)).get(kind)!;
  }

  /** Several kinds' counts per key summed over the same days, in one read of their documents. */
  async totalsByKind<K extends RollupKind>(kinds: readonly K[], days: readonly string[]): Promise<Map<K, Map<string, Record<string, number>>>> {
    const ids = [...new Set(kinds.flatMap((kind) => days.flatMap((day) => shardIds(families[kind], day))))];
    const docs = await this.rollups.find({ _id: { $in: ids } }, Object.fromEntries(kinds.map((kind) => [`counts.${kind}`, 1]))).lean<Pick<RollupDoc, 'counts'>[]>();
    return new Map(kinds.map((kind) => {
      const totals = new Map<string, Record<string, number>>();
      for (const doc of docs) {
        for (const [escaped, counts] of Object.entries(doc.counts?.[kind] ?? {})) {
          const key = unescapeKey(escaped);
          const sum = totals.get(key) ?? {};
          addInto(sum, counts as Record<string, number>);
          totals.set(key, sum);
        }
      }
      // A gauge back at zero (say, a department with nothing open) is no key at all, as before any change.
      for (const [key, counts] of totals) if (Object.values(counts).every((v) => v === 0)) totals.delete(key);
      return [kind, totals] as const;
    }));
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
