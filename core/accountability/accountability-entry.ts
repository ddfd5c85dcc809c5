import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { authorize, type Actor } from '../accounts/access.js';
import type { CounterDelta, Counters } from '../analytics/department-counters.js';
import { chinaDateKey } from '../clocks/index.js';
import { defineModel } from '../platform/database.js';
import { DomainError } from '../platform/errors.js';
import type { OwedEffect } from '../platform/owed-effects.js';
import { statesInHand, type Assignment, type Ticket, type TicketEffect } from '../tickets/ticket.js';

/** 问责 kinds: a deadline the department let run out, a step decided by default, a dissatisfied callback that reopened the ticket. */
export const entryKinds = ['missed_deadline', 'default_decision', 'dissatisfied_reopen'] as const;
export type EntryKind = (typeof entryKinds)[number];

export const entryStates = ['recorded', 'appealed', 'upheld', 'annulled'] as const;
export type EntryState = (typeof entryStates)[number];

export interface PersonRef {
  userId: string | null;
  username: string;
}

/** An annulment's roll-up correction, owed by the entry until applied (`owed-effects.ts`). */
export interface AnnulmentEffect extends OwedEffect {
  takeBack: CounterDelta[];
}

/** One accountability record: who is liable for what on which ticket, and its appeal. */
export interface AccountabilityEntry {
  /** Derived from the ticket change it records (`entryIdOf`): recording it twice keeps one. */
  _id: string;
  /** That change: `<ticketId>:<version>`. */
  changeId: string;
  ticketId: string;
  ticketNumber: string;
  kind: EntryKind;
  /** The ticket action behind it: `warn`, `reopen`, or the default decision's action. */
  action: string;
  /** The stage of the department's part that ran late: accepting it or replying to it. */
  stage: 'accept' | 'reply' | null;
  departmentId: string;
  departmentAncestors: string[];
  /** The user who accepted the part, when someone did. */
  person: PersonRef | null;
  at: Date;
  /** China month `YYYY-MM`, for monthly lists and bulletins. */
  month: string;
  reason: string | null;
  /** When the part this entry is about was dispatched: which part an annulment corrects. */
  partDispatchedAt: Date | null;
  /** What the change behind it counted against the department, taken back if the entry is annulled. */
  counted: CounterDelta[];
  state: EntryState;
  appeal: { reasons: string; evidence: string; attachmentIds: string[]; by: PersonRef; at: Date } | null;
  decision: { outcome: 'upheld' | 'annulled'; reason: string; by: PersonRef; at: Date } | null;
  version: number;
  effects: AnnulmentEffect[];
  effectsDueAt: Date | null;
}

const entrySchema = new Schema<AccountabilityEntry>(
  {
    _id: String,
    changeId: { type: String, required: true },
    ticketId: { type: String, required: true },
    ticketNumber: { type: String, required: true },
    kind: { type: String, enum: entryKinds, required: true },
    action: { type: String, required: true },
    stage: { type: String, default: null },
    departmentId: { type: String, required: true },
    departmentAncestors: [String],
    person: { type: Schema.Types.Mixed, default: null },
    at: { type: Date, required: true },
    month: { type: String, required: true },
    reason: { type: String, default: null },
    partDispatchedAt: { type: Date, default: null },
    counted: { type: Schema.Types.Mixed, default: [] },
    state: { type: String, enum: entryStates, required: true },
    appeal: { type: Schema.Types.Mixed, default: null },
    decision: { type: Schema.Types.Mixed, default: null },
    version: { type: Number, required: true },
    effects: { type: Schema.Types.Mixed, default: [] },
    effectsDueAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'accountability_entries', minimize: false },
);
entrySchema.index({ departmentId: 1, month: 1, at: -1 });
entrySchema.index({ departmentAncestors: 1, month: 1 });
entrySchema.index({ month: 1, state: 1 });
entrySchema.index({ effectsDueAt: 1 }, { partialFilterExpression: { effectsDueAt: { $type: 'date' } } });

export const accountabilityEntryModel = (connection: Connection): Model<AccountabilityEntry> =>
  defineModel(connection, 'AccountabilityEntry', entrySchema);

/** An entry's id: 24 hexadecimal digits like every other id of the API, the same for every retry of its change. */
export const entryIdOf = (changeId: string): string => createHash('sha256').update(`accountability:${changeId}`).digest('hex').slice(0, 24);

const leadOf = (t: Pick<Ticket, 'assignments'>) => t.assignments.find((a) => a.role === 'lead');

/** What the ledger needs to know about a change before asking who accepted the part. */
export interface EntryDraft {
  kind: EntryKind;
  stage: 'accept' | 'reply' | null;
  part: Assignment;
  counted: CounterDelta[];
  /** Look for the accepting user only among accepts after this instant (the part's dispatch), or anywhere before the change. */
  acceptedSince: Date | null;
}

/**
 * Whether a ticket change is one the ledger records, and against which part. Pure: a red warning
 * while the departments hold the ticket (the lead answers for it, as for the urge it counts); a
 * default decision naming its department; a reopen after a dissatisfied callback.
 */
export function draftEntry(effect: Pick<TicketEffect, 'event' | 'ticket'>): EntryDraft | null {
  const { event, ticket } = effect;
  const day = chinaDateKey(event.at);
  if (event.action === 'warn' && event.data.level === 'red' && statesInHand.includes(ticket.state)) {
    const lead = leadOf(ticket);
    if (!lead) return null;
    const stage = lead.state === 'dispatched' ? 'accept' : 'reply';
    return { kind: 'missed_deadline', stage, part: lead, counted: [{ departmentId: lead.departmentId, day, counts: { urged: 1 } }], acceptedSince: lead.dispatchedAt };
  }
  if (event.action === 'deem_accept') {
    const part = ticket.assignments.find((a) => a.departmentId === event.data.departmentId);
    if (!part) return null;
    return { kind: 'default_decision', stage: 'accept', part, counted: [], acceptedSince: part.dispatchedAt };
  }
  if (event.action === 'reopen' && ticket.callback?.satisfaction === 'dissatisfied') {
    const lead = leadOf(ticket);
    if (!lead) return null;
    // The callback counted the answer against the lead on its own day; the reopen counted itself.
    const counted: CounterDelta[] = [
      { departmentId: lead.departmentId, day: chinaDateKey(ticket.callback.at), counts: { satisfactionAnswered: 1, dissatisfied: 1 } },
      { departmentId: lead.departmentId, day, counts: { reopened: 1 } },
    ];
    return { kind: 'dissatisfied_reopen', stage: null, part: lead, counted, acceptedSince: null };
  }
  return null;
}

/**
 * What an annulment takes off the department's roll-ups (pure): what the entry's change counted,
 * and for a missed deadline or a default decision the lateness of the part as it stands (a late or
 * deemed accept becomes an on-time one, a late reply an on-time one), each on the day it was counted.
 */
export function annulmentTakesBack(entry: Pick<AccountabilityEntry, 'kind' | 'counted' | 'departmentId' | 'partDispatchedAt'>, ticket: Pick<Ticket, 'assignments'> | null): CounterDelta[] {
  const negated = entry.counted.map((delta) => ({ ...delta, counts: Object.fromEntries(Object.entries(delta.counts).map(([k, n]) => [k, -n!])) as Partial<Counters> }));
  if (entry.kind === 'dissatisfied_reopen' || !ticket || !entry.partDispatchedAt) return negated;
  const part = ticket.assignments.find((a) => a.departmentId === entry.departmentId && a.dispatchedAt.getTime() === entry.partDispatchedAt!.getTime());
  if (!part) return negated;
  const corrections: CounterDelta[] = [];
  if (part.acceptedAt && part.acceptedLate) corrections.push({ departmentId: part.departmentId, day: chinaDateKey(part.acceptedAt), counts: { acceptedLate: -1, acceptedOnTime: 1 } });
  if (part.repliedAt && part.repliedLate) corrections.push({ departmentId: part.departmentId, day: chinaDateKey(part.repliedAt), counts: { repliedOnTime: 1 } });
  return [...negated, ...corrections];
}

export type EntryAction = 'appeal' | 'uphold' | 'annul';

/**
 * The ledger's transition table: the department appeals once, a supervisor upholds or annuls the
 * appealed entry. A decided entry stays as decided.
 */
const entryTransitions: Record<EntryAction, { from: readonly EntryState[]; to: EntryState; permission: 'accountability.appeal' | 'accountability.decide' }> = {
  appeal: { from: ['recorded'], to: 'appealed', permission: 'accountability.appeal' },
  uphold: { from: ['appealed'], to: 'upheld', permission: 'accountability.decide' },
  annul: { from: ['appealed'], to: 'annulled', permission: 'accountability.decide' },
};

const refusals: Record<EntryState, string> = {
  recorded: '该记录尚未申诉 (the entry has not been appealed)',
  appealed: '该记录已申诉，等待督办人员裁决 (the entry was appealed already and awaits a decision)',
  upheld: '该记录已裁决维持 (the entry was already upheld)',
  annulled: '该记录已撤销 (the entry was already annulled)',
};

/** Refuses an action the entry's state or the actor's role and department do not allow; returns the state it leads to. */
export function entryStep(entry: Pick<AccountabilityEntry, 'state' | 'departmentId' | 'departmentAncestors'>, action: EntryAction, actor: Actor): EntryState {
  const rule = entryTransitions[action];
  authorize(actor, rule.permission, { id: entry.departmentId, ancestors: entry.departmentAncestors });
  if (!rule.from.includes(entry.state)) {
    throw new DomainError('INVALID_TRANSITION', `Cannot ${action} this accountability entry: ${refusals[entry.state]}.`, { action, state: entry.state });
  }
  return rule.to;
}
