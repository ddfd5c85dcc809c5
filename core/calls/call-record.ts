import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';
import type { OwedEffect } from '../platform/owed-effects.js';
import type { RollupDelta } from '../analytics/department-counters.js';
import { canonicalPhone } from '../requesters/phone-number.js';

export const callDirections = ['inbound', 'outbound', 'internal'] as const;
export type CallDirection = (typeof callDirections)[number];
export const callOutcomes = ['answered', 'missed'] as const;
export type CallOutcome = (typeof callOutcomes)[number];
/** The side whose hang-up (BYE) or lost connection ended an answered call. */
export const callSides = ['caller', 'callee'] as const;
export type CallSide = (typeof callSides)[number];

/** What we store about one SIP call. Server facts come from Kamailio; the browser's own view sits apart in `browser`. */
export interface CallRecord {
  /** `callKey(callId)`: the unique `_id` lets only the first of two writers create a call's record. */
  _id: string;
  /** The SIP Call-ID. */
  callId: string;
  direction: CallDirection;
  /**
   * `callParty`: the citizen's number in its canonical form (from P-Asserted-Identity when a trunk
   * sent one), an operator's `op-…` user, the hotline number, or what a withheld caller sent.
   */
  caller: string;
  callee: string;
  /** The trunk asked to withhold the caller's number (`Privacy: id`); staff still see it. */
  callerWithheld: boolean;
  operatorId: string | null;
  operatorUsername: string | null;
  operatorSipUser: string | null;
  /** When we first heard of the call: the routing question, or the first event of a call we did not route. */
  arrivedAt: Date;
  /** When an operator's phone started ringing. */
  offeredAt: Date | null;
  answeredAt: Date | null;
  /** When the call was over: hung up, or given up as missed. */
  endedAt: Date | null;
  /** null while the call rings or lasts. */
  outcome: CallOutcome | null;
  /** Why it was missed (no-operator-ready, no-answer, …) or how it ended (bye, connection-lost, timeout). */
  reason: string | null;
  /** Who ended an answered call: the side that hung up or whose connection was lost; null for a timeout. */
  endedBy: CallSide | null;
  queueSeconds: number | null;
  ringSeconds: number | null;
  talkSeconds: number | null;
  afterCallWorkSeconds: number | null;
  /** Tickets written from this call, and whether one of them was resolved on the call (直办). */
  ticketIds: string[];
  resolvedOnCall: boolean;
  /** The operator's browser's merged reports (timings it saw, audio statistics, errors). */
  browser: Record<string, unknown> | null;
  version: number;
  updatedAt: Date;
  /** What the writes not yet settled add to the operators' days (`owed-effects.ts`). */
  effects: CallEffect[];
  effectsDueAt: Date | null;
}

/** One write's change to its operator's day figures (the `operators` roll-up). */
export interface CallEffect extends OwedEffect {
  rollups: RollupDelta[];
}

/** Longer than any SIP user we name: a caller id past it is kept cut, never refused. */
const maxPartyLength = 128;

/**
 * A caller or callee as recorded: a number in its canonical form, whatever form the trunk or the
 * softphone gave; anything else (`op-…`, `anonymous`) as given, cut to 128 characters.
 */
export const callParty = (user: string): string => canonicalPhone(user) ?? user.slice(0, maxPartyLength);

/**
 * The record's `_id` for a Call-ID. Not the Call-ID itself: it may contain the `:` that separates
 * the parts of a compare-and-set claim id, and it is the caller's to choose.
 */
export const callKey = (callId: string): string => createHash('sha256').update(callId).digest('base64url');

const callSchema = new Schema<CallRecord>(
  {
    _id: { type: String, required: true },
    callId: { type: String, required: true },
    direction: { type: String, enum: callDirections, required: true },
    caller: { type: String, default: '' },
    callee: { type: String, default: '' },
    callerWithheld: { type: Boolean, default: false },
    operatorId: { type: String, default: null },
    operatorUsername: { type: String, default: null },
    operatorSipUser: { type: String, default: null },
    arrivedAt: { type: Date, required: true },
    offeredAt: { type: Date, default: null },
    answeredAt: { type: Date, default: null },
    endedAt: { type: Date, default: null },
    outcome: { type: String, enum: callOutcomes, default: null },
    reason: { type: String, default: null },
    endedBy: { type: String, enum: callSides, default: null },
    queueSeconds: { type: Number, default: null },
    ringSeconds: { type: Number, default: null },
    talkSeconds: { type: Number, default: null },
    afterCallWorkSeconds: { type: Number, default: null },
    ticketIds: { type: [String], default: [] },
    resolvedOnCall: { type: Boolean, default: false },
    browser: { type: Schema.Types.Mixed, default: null },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    effects: { type: Schema.Types.Mixed, default: [] },
    effectsDueAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'calls', minimize: false },
);
callSchema.index({ operatorId: 1, answeredAt: 1 });
callSchema.index({ answeredAt: 1 });
callSchema.index({ effectsDueAt: 1 });

export const callRecordModel = (connection: Connection): Model<CallRecord> => defineModel(connection, 'CallRecord', callSchema);

const seconds = (from: Date | null, to: Date | null): number | null =>
  // Kamailio stamps events to the second, the routing time has milliseconds: never below zero.
  from && to ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null;

/** The durations follow from the instants; stored so that figures are sums over records. */
export function durations(record: Pick<CallRecord, 'arrivedAt' | 'offeredAt' | 'answeredAt' | 'endedAt' | 'outcome'>) {
  const { arrivedAt, offeredAt, answeredAt, endedAt, outcome } = record;
  const rangUntil = answeredAt ?? (outcome === 'missed' ? endedAt : null);
  return {
    queueSeconds: seconds(arrivedAt, offeredAt ?? (outcome === 'missed' ? endedAt : null)),
    ringSeconds: seconds(offeredAt, rangUntil),
    talkSeconds: seconds(answeredAt, outcome === 'answered' ? endedAt : null),
  };
}

export function presentCall(record: CallRecord) {
  const { _id, updatedAt: _updatedAt, ...fields } = record;
  // Records written before `endedBy` and `callerWithheld` existed lack them (lean reads skip schema defaults).
  return { ...fields, endedBy: fields.endedBy ?? null, callerWithheld: fields.callerWithheld ?? false };
}
export type CallView = ReturnType<typeof presentCall>;
