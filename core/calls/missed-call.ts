import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';

export const missedCallStates = ['open', 'claimed', 'done'] as const;
export type MissedCallState = (typeof missedCallStates)[number];
/** How the callback (回拨) went. */
export const missedCallOutcomes = ['reached', 'unreachable', 'not_needed'] as const;
export type MissedCallOutcome = (typeof missedCallOutcomes)[number];

/** One number to call back (漏接回拨): every missed call from it until someone is done with it. */
export interface MissedCall {
  /**
   * `<number>-<round>`: a number's first item is round 1, the next one after it is done round 2.
   * Two missed calls creating a round at once collide on `_id`, so there is at most one
   * unfinished item per number.
   */
  _id: string;
  caller: string;
  round: number;
  callIds: string[];
  firstMissedAt: Date;
  lastMissedAt: Date;
  state: MissedCallState;
  claimedBy: { userId: string; username: string } | null;
  claimedAt: Date | null;
  outcome: MissedCallOutcome | null;
  note: string | null;
  /** The operator's call back, when it went through the softphone. */
  callbackCallId: string | null;
  doneAt: Date | null;
  version: number;
  updatedAt: Date;
}

const missedCallSchema = new Schema<MissedCall>(
  {
    _id: { type: String, required: true },
    caller: { type: String, required: true },
    round: { type: Number, required: true },
    callIds: { type: [String], default: [] },
    firstMissedAt: { type: Date, required: true },
    lastMissedAt: { type: Date, required: true },
    state: { type: String, enum: missedCallStates, required: true },
    claimedBy: { type: { userId: String, username: String }, default: null, _id: false },
    claimedAt: { type: Date, default: null },
    outcome: { type: String, enum: missedCallOutcomes, default: null },
    note: { type: String, default: null },
    callbackCallId: { type: String, default: null },
    doneAt: { type: Date, default: null },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'missed_calls', minimize: false },
);
missedCallSchema.index({ state: 1, firstMissedAt: 1 });

export const missedCallModel = (connection: Connection): Model<MissedCall> => defineModel(connection, 'MissedCall', missedCallSchema);

/**
 * A number's current round, so that a missed call finds its item by `_id` alone (the only filter
 * FerretDB does not evaluate over every document) however long the queue's history grows.
 */
export interface CallbackNumber {
  _id: string;
  round: number;
  version: number;
}

const callbackNumberSchema = new Schema<CallbackNumber>(
  { _id: { type: String, required: true }, round: { type: Number, required: true }, version: { type: Number, required: true } },
  { versionKey: false, collection: 'missed_call_numbers' },
);

export const callbackNumberModel = (connection: Connection): Model<CallbackNumber> => defineModel(connection, 'CallbackNumber', callbackNumberSchema);

export function presentMissedCall(item: MissedCall) {
  const { _id, round: _round, updatedAt: _updatedAt, ...fields } = item;
  return { id: _id, ...fields };
}
export type MissedCallView = ReturnType<typeof presentMissedCall>;
