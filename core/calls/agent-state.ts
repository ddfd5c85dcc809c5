import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';

/** What an operator chooses on the softphone (示闲 / 示忙 / 话后处理). */
export const chosenAgentStates = ['ready', 'not_ready', 'after_call_work'] as const;
/** Plus what calls do to them: the router makes them ring, Kamailio's events put them on and off calls. */
export const agentStates = [...chosenAgentStates, 'ringing', 'on_call'] as const;
export type ChosenAgentState = (typeof chosenAgentStates)[number];
export type AgentStateName = (typeof agentStates)[number];

/** One per staff member who ever took SIP credentials; `_id` is the user id. */
export interface AgentState {
  _id: string;
  username: string;
  sipUser: string;
  state: AgentStateName;
  /** Since when the operator has waited for a call, kept while ringing: calls go to the longest waiting. */
  readySince: Date | null;
  stateSince: Date;
  /** The call they ring for or are on; in after-call work, the call that work belongs to. */
  callId: string | null;
  /** Until when their SIP credentials are valid: past it they cannot be registered, so they get no calls. */
  credentialsExpireAt: Date | null;
  version: number;
  updatedAt: Date;
}

const agentStateSchema = new Schema<AgentState>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
    sipUser: { type: String, required: true },
    state: { type: String, enum: agentStates, required: true },
    readySince: { type: Date, default: null },
    stateSince: { type: Date, required: true },
    callId: { type: String, default: null },
    credentialsExpireAt: { type: Date, default: null },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'agent_states', minimize: false },
);
agentStateSchema.index({ sipUser: 1 }, { unique: true });
agentStateSchema.index({ state: 1, readySince: 1 });
agentStateSchema.index({ callId: 1 });

export const agentStateModel = (connection: Connection): Model<AgentState> => defineModel(connection, 'AgentState', agentStateSchema);

export function presentAgentState(agent: AgentState) {
  const { _id, username, sipUser, state, readySince, stateSince, callId, credentialsExpireAt, version } = agent;
  return { userId: _id, username, sipUser, state, readySince, stateSince, callId, credentialsExpireAt, version };
}
export type AgentStateView = ReturnType<typeof presentAgentState>;
