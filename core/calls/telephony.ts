import { timingSafeEqual } from 'node:crypto';
import type { Connection, Model } from 'mongoose';
import { authorize, type Actor } from '../accounts/access.js';
import { hashToken } from '../accounts/secrets.js';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { DomainError, isDomainError } from '../platform/errors.js';
import { agentStateModel, presentAgentState, type AgentState, type AgentStateView, type ChosenAgentState } from './agent-state.js';
import type { CallSide } from './call-record.js';
import type { CallEvent, CallOperator, CallRecords } from './call-records.js';
import { mergeUpdate } from '../platform/merge-update.js';
import type { MissedCalls } from './missed-calls.js';
import { issueSipCredentials, sipUserFor } from './sip-credentials.js';
import { HOTLINE_NUMBER, type TelephonySettings } from './telephony-settings.js';
import { canonicalPhone } from '../requesters/phone-number.js';

/** A call event with the SIP user of the staff member on the call, as Kamailio names them. */
export interface SwitchEvent extends CallEvent {
  operator?: string;
}

export interface RouteAnswer {
  targets: string[];
  ringSeconds: number;
}

/**
 * Missed for these reasons, the operator did not take a call offered to them (away from the desk,
 * declined, softphone gone): they become not ready instead of being offered the next call.
 */
const offerRefusals = new Set(['no-answer', 'rejected', 'operator-not-registered']);
const entity = 'agent state';

/**
 * The hotline's side of telephony: SIP credentials, agent states, which operator takes a call
 * (Kamailio asks), and what Kamailio reports about calls.
 */
export class Telephony {
  readonly agents: Model<AgentState>;

  constructor(
    connection: Connection,
    private readonly settings: TelephonySettings | null,
    private readonly calls: CallRecords,
    private readonly missedCalls: MissedCalls,
    private readonly audit: AuditLog,
  ) {
    this.agents = agentStateModel(connection);
  }

  /** Short-lived credentials for the softphone; issuing them also makes the operator known to the router. */
  async credentials(ctx: ActionContext) {
    authorize(ctx.actor, 'calls.take');
    const settings = this.enabled();
    const user = sipUserFor(ctx.actor.username);
    const issued = issueSipCredentials({ user, secret: settings.sipSecret, now: ctx.now, ttlSeconds: settings.credentialTtlSeconds });
    await this.ensureAgent(ctx.actor, ctx.now);
    await mergeUpdate(this.agents, ctx.actor.userId, entity, ctx.now, () => ({ credentialsExpireAt: issued.expiresAt, updatedAt: ctx.now }));
    await this.audit.record(ctx, 'telephony.credentials_issued', { type: 'user', id: ctx.actor.userId }, { sipUser: user, expiresAt: issued.expiresAt });
    return {
      ...issued,
      sipUri: `sip:${user}@${settings.sipDomain}`,
      wsUrl: settings.wsUrl,
      domain: settings.sipDomain,
      hotlineNumber: HOTLINE_NUMBER,
    };
  }

  async agentState(actor: Actor, now: Date): Promise<AgentStateView> {
    authorize(actor, 'calls.take');
    return presentAgentState(await this.ensureAgent(actor, now));
  }

  /**
   * The operator's choice. It always wins, even mid-call (a lost "ended" event must not lock
   * anyone out); Kamailio's next event about their call sets them again. Leaving after-call work
   * records its length on the call it followed.
   */
  async setAgentState(ctx: ActionContext, state: ChosenAgentState): Promise<AgentStateView> {
    authorize(ctx.actor, 'calls.take');
    await this.ensureAgent(ctx.actor, ctx.now);
    let left: AgentState | undefined;
    const updated = await mergeUpdate(this.agents, ctx.actor.userId, entity, ctx.now, (current) => {
      left = undefined;
      if (current.state === state) return null;
      left = current;
      return { state, stateSince: ctx.now, readySince: state === 'ready' ? ctx.now : null, callId: null, updatedAt: ctx.now };
    });
    if (left?.state === 'after_call_work' && left.callId) {
      const seconds = Math.max(0, (ctx.now.getTime() - left.stateSince.getTime()) / 1000);
      await this.calls.recordAfterCallWork(left.callId, ctx.actor.userId, seconds, ctx.now);
    }
    return presentAgentState(updated!);
  }

  /** Kamailio's requests carry the shared token; compared in constant time. */
  authenticateSwitch(token: string | undefined): void {
    const expected = this.settings?.telephonyToken;
    const matches = !!expected && !!token && timingSafeEqual(Buffer.from(hashToken(token)), Buffer.from(hashToken(expected)));
    if (!matches) throw new DomainError('UNAUTHENTICATED', 'The X-Telephony-Token header is missing or wrong.');
  }

  /**
   * Which operator takes a call to the hotline: the one ready longest, claimed by compare-and-set
   * so that two calls arriving together never ring the same operator. No target: nobody is ready.
   */
  async route(call: { callId: string; caller: string; callerWithheld?: boolean }, now: Date): Promise<RouteAnswer> {
    const settings = this.enabled();
    const { callId } = call;
    // Asked again for the same call, the answer stays the same.
    const agent = (await this.agents.findOne({ callId, state: 'ringing' }).lean()) ?? (await this.claimLongestReady(callId, now));
    const facts = { ...call, direction: 'inbound' as const, callee: HOTLINE_NUMBER };
    await this.calls.open(facts, now, agent ? operatorOf(agent) : undefined, agent ? now : undefined);
    return { targets: agent ? [`sip:${agent.sipUser}@${settings.sipDomain}`] : [], ringSeconds: settings.ringSeconds };
  }

  /** Kamailio's report of a call: the call record first, then the operators' states, then the callback queue. */
  async callEvent(event: SwitchEvent, now: Date): Promise<void> {
    const { operator: sipUser, ...callEvent } = event;
    const operator = sipUser ? await this.operatorBySipUser(sipUser) : null;
    await this.calls.record(callEvent, operator, now);
    const { callId, at } = event;
    if (event.event === 'answered') {
      if (operator?.userId) {
        await mergeUpdate(this.agents, operator.userId, entity, now, (agent) =>
          agent.state === 'on_call' && agent.callId === callId ? null : { state: 'on_call' as const, callId, stateSince: at, readySince: null, updatedAt: now },
        );
      }
      // Someone else answered (the ring-all fallback): whoever the router had claimed waits again.
      await this.releaseRinging(callId, now, () => ({ state: 'ready' }));
    } else if (event.event === 'ended') {
      // An operator whose softphone vanished mid-call (tab killed, network lost) is no longer at a
      // phone: not ready until they come back, rather than in after-call work they cannot be doing.
      const lostUser = event.reason === 'connection-lost' && event.endedBy ? sideUser(event, event.endedBy) : null;
      await this.forAgentsOfCall(callId, 'on_call', now, (agent) =>
        agent.sipUser === lostUser ? { state: 'not_ready', readySince: null, stateSince: at, callId: null } : { state: 'after_call_work', stateSince: at },
      );
      // Still ringing for a call that is over: its "answered" event was lost, or another operator took it.
      await this.releaseRinging(callId, now, () => ({ state: 'ready' }));
    } else {
      const refused = offerRefusals.has(event.reason ?? '');
      await this.releaseRinging(callId, now, () => (refused ? { state: 'not_ready', readySince: null, stateSince: at } : { state: 'ready' }));
      // Only a number can be called back, in whatever form the trunk gave it; a withheld caller cannot.
      const number = canonicalPhone(event.caller);
      if (event.direction === 'inbound' && event.callee === HOTLINE_NUMBER && number) {
        await this.missedCalls.add(number, callId, at, now);
      }
    }
  }

  private releaseRinging(callId: string, now: Date, next: () => Partial<AgentState>): Promise<void> {
    // The ringing state kept readySince, so an operator released unanswered keeps their place.
    return this.forAgentsOfCall(callId, 'ringing', now, () => ({ ...next(), callId: null }));
  }

  private async forAgentsOfCall(callId: string, state: AgentState['state'], now: Date, next: (agent: AgentState) => Partial<AgentState>): Promise<void> {
    const agents = await this.agents.find({ callId, state }, { _id: 1 }).lean();
    for (const { _id } of agents) {
      await mergeUpdate(this.agents, _id, entity, now, (agent) =>
        agent.callId === callId && agent.state === state ? { ...next(agent), updatedAt: now } : null,
      );
    }
  }

  private async claimLongestReady(callId: string, now: Date): Promise<AgentState | null> {
    // A few rounds: operators who lost a claim to a parallel call are skipped, new ones may be ready.
    for (let round = 0; round < 3; round++) {
      const candidates = await this.agents
        .find({ state: 'ready', credentialsExpireAt: { $gt: now } })
        .sort({ readySince: 1, _id: 1 })
        .limit(20)
        .lean();
      if (candidates.length === 0) return null;
      for (const candidate of candidates) {
        try {
          return await compareAndSet(this.agents, candidate._id, candidate.version, { state: 'ringing', callId, stateSince: now, updatedAt: now }, entity);
        } catch (err) {
          if (!isDomainError(err) || err.code !== 'VERSION_CONFLICT') throw err;
        }
      }
    }
    return null;
  }

  private async ensureAgent(actor: Actor, now: Date): Promise<AgentState> {
    const existing = await this.agents.findById(actor.userId).lean();
    if (existing) return existing;
    try {
      return (await this.agents.create({
        _id: actor.userId, username: actor.username, sipUser: sipUserFor(actor.username), state: 'not_ready', stateSince: now, version: 1, updatedAt: now,
      })).toObject();
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      return (await this.agents.findById(actor.userId).lean())!;
    }
  }

  private async operatorBySipUser(sipUser: string): Promise<CallOperator> {
    const agent = await this.agents.findOne({ sipUser }, { username: 1, sipUser: 1 }).lean();
    return agent ? operatorOf(agent) : { userId: null, username: null, sipUser };
  }

  private enabled(): TelephonySettings {
    if (!this.settings) {
      throw new DomainError('NOT_READY', 'Telephony is not configured on this server (SIP_SECRET and TELEPHONY_TOKEN).', { dependency: 'telephony' });
    }
    return this.settings;
  }
}

/** The SIP user on one side of a call; on a call to the hotline number the callee is the operator who answered. */
function sideUser(event: SwitchEvent, side: CallSide): string | null {
  if (side === 'caller') return event.caller;
  return event.callee === HOTLINE_NUMBER ? (event.operator ?? null) : event.callee;
}

const operatorOf = (agent: Pick<AgentState, '_id' | 'username' | 'sipUser'>): CallOperator => ({ userId: agent._id, username: agent.username, sipUser: agent.sipUser });
