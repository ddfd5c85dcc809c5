import type { Connection, Model } from 'mongoose';
import { authorize, can, type Actor } from '../accounts/access.js';
import type { ActionContext } from '../audit/audit.js';
import type { DepartmentCounters } from '../analytics/department-counters.js';
import { noOperatorCounts, operatorCounterNames, operatorDayDeltas, operatorDayOf, type OperatorCounts } from '../analytics/operator-days.js';
import { assertId, isDuplicateKey } from '../platform/documents.js';
import { DomainError } from '../platform/errors.js';
import type { TicketEvent } from '../tickets/ticket-events.js';
import type { TicketDocument } from '../tickets/ticket.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import { callKey, callParty, callRecordModel, durations, presentCall, type CallDirection, type CallEffect, type CallRecord, type CallSide, type CallView } from './call-record.js';
import { mergeUpdate, type MergeEffects } from '../platform/merge-update.js';
import { rewriteEach } from '../platform/migrations.js';
import { relayOwedEffects } from '../platform/owed-effects.js';
import { sipUserFor } from './sip-credentials.js';

/** Who was on a call for the centre; `userId` is null for an `op-` user no account is known for. */
export interface CallOperator {
  userId: string | null;
  username: string | null;
  sipUser: string;
}

export interface CallFacts {
  callId: string;
  direction: CallDirection;
  caller: string;
  callee: string;
  /** Kamailio's word that the trunk sent `Privacy: id`; left out by those who cannot know. */
  callerWithheld?: boolean;
}

/** A call event as Kamailio reports it (kamailio.cfg, "Contract with the API" 2). */
export interface CallEvent extends CallFacts {
  event: 'answered' | 'ended' | 'missed';
  reason?: string;
  /** On "ended": the side that sent BYE or lost its connection. */
  endedBy?: CallSide;
  at: Date;
}

export interface BrowserReport {
  /** Used only when Kamailio never reported the call (an outgoing call refused before it rang, say). */
  direction?: CallDirection;
  caller?: string;
  callee?: string;
  details: Record<string, unknown>;
}

export interface OperatorFigures {
  operatorId: string;
  username: string | null;
  answered: number;
  /** Citizen's wait from arrival to answer (queue + ring), in seconds. */
  averageAnswerSeconds: number;
  /** Talk time plus after-call work, in seconds. */
  averageHandleSeconds: number;
  /** Answered calls with a ticket resolved on the call (直办) ÷ answered calls. */
  resolvedOnCallRate: number;
}

/** Where a write's operator-day deltas go: the roll-ups (`DepartmentCounters.record`). */
export type OperatorDayRecorder = Pick<DepartmentCounters, 'record'>;

/** An operator's row of figures from the sums over their answered calls (the records' or the roll-up's). */
export function operatorFiguresRow(operatorId: string, username: string | null, sums: OperatorCounts): OperatorFigures {
  return {
    operatorId,
    username,
    answered: sums.answered,
    averageAnswerSeconds: round(sums.answerSeconds / sums.answered),
    averageHandleSeconds: round(sums.handleSeconds / sums.answered),
    resolvedOnCallRate: round(sums.resolvedOnCall / sums.answered, 3),
  };
}

export const byAnswered = (a: OperatorFigures, b: OperatorFigures) => b.answered - a.answered || a.operatorId.localeCompare(b.operatorId);

const callNotFound = (callId: string) => new DomainError('CALL_NOT_FOUND', `No call with id ${callId}.`, { callId });

/**
 * Call records: written from Kamailio's events, completed by the operator's browser and by tickets.
 * Every write records what it changes in the operators' days (`operatorDayDeltas`) for the fold job,
 * so the dashboard reads the operator figures from the roll-ups, never the records.
 */
export class CallRecords {
  readonly model: Model<CallRecord>;

  constructor(
    connection: Connection,
    private readonly tickets: TicketRepository,
    private readonly operatorDays: OperatorDayRecorder,
  ) {
    this.model = callRecordModel(connection);
  }

  /**
   * The record of a call, created by whoever hears of the call first (the routing question, an
   * event, a browser report); the others find it. Given an operator and `offeredAt`, the call
   * rings that operator, unless it already rang someone.
   */
  async open(facts: CallFacts, arrivedAt: Date, operator?: CallOperator, offeredAt?: Date): Promise<void> {
    try {
      await this.model.create({
        _id: callKey(facts.callId),
        ...recorded(facts),
        ...operatorFields(operator ?? null),
        arrivedAt,
        offeredAt: offeredAt ?? null,
        version: 1,
        updatedAt: arrivedAt,
        effects: [],
        effectsDueAt: null,
      });
      return;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    if (operator && offeredAt) {
      await this.merge(facts.callId, offeredAt, (current) => (current.offeredAt ? null : { offeredAt, ...operatorFields(operator), updatedAt: offeredAt }));
    }
  }

  /** Applies one of Kamailio's events. Repeated events change nothing. */
  async record(event: CallEvent, operator: CallOperator | null, now: Date): Promise<CallRecord> {
    const { event: kind, reason, endedBy, at, ...facts } = event;
    await this.open(facts, at);
    const updated = await this.merge(facts.callId, now, (current) => {
      let next: Partial<CallRecord>;
      if (kind === 'answered') {
        if (current.answeredAt) return null;
        // A call we did not route (ring-all fallback, operator to operator) rang from the start.
        next = { answeredAt: at, outcome: 'answered', offeredAt: current.offeredAt ?? current.arrivedAt };
      } else if (kind === 'ended') {
        if (current.endedAt) return null;
        next = { endedAt: at, outcome: 'answered', reason: reason ?? null, endedBy: endedBy ?? null };
      } else {
        if (current.outcome) return null;
        const rang = reason !== 'no-operator-ready';
        next = { endedAt: at, outcome: 'missed', reason: reason ?? null, offeredAt: current.offeredAt ?? (rang ? current.arrivedAt : null) };
      }
      // Kamailio's facts win over a browser's guesses; an event without operator keeps the offered one.
      Object.assign(next, recorded(facts), operator ? operatorFields(operator) : {});
      return { ...next, ...durations({ ...current, ...next }), updatedAt: now };
    });
    return updated!;
  }

  /** The operator's after-call work for a call, once: the time they spent in that state after it. */
  async recordAfterCallWork(callId: string, operatorId: string, seconds: number, now: Date): Promise<void> {
    await this.merge(callId, now, (current) =>
      current.operatorId === operatorId && current.afterCallWorkSeconds === null ? { afterCallWorkSeconds: seconds, updatedAt: now } : null,
    );
  }

  async get(actor: Actor, callId: string): Promise<CallView> {
    authorize(actor, 'calls.read');
    const record = await this.model.findById(callKey(callId)).lean();
    if (!record) throw callNotFound(callId);
    return presentCall(record);
  }

  /**
   * What the operator's browser saw, merged over its earlier reports: sending the same report
   * again changes nothing. Only the operator on the call reports on it.
   */
  async report(ctx: ActionContext, callId: string, report: BrowserReport): Promise<CallView> {
    authorize(ctx.actor, 'calls.take');
    const me: CallOperator = { userId: ctx.actor.userId, username: ctx.actor.username, sipUser: sipUserFor(ctx.actor.username) };
    const facts = { callId, direction: report.direction ?? 'outbound', caller: report.caller ?? '', callee: report.callee ?? '' };
    await this.open(facts, ctx.now, me);
    const updated = await this.merge(callId, ctx.now, (current) => {
      if (current.operatorId && current.operatorId !== ctx.actor.userId) {
        throw new DomainError('FORBIDDEN', 'Another operator took this call; only they report on it.', { callId });
      }
      const browser = { ...(current.browser ?? {}), ...report.details };
      if (JSON.stringify(browser) === JSON.stringify(current.browser)) return null;
      return { browser, updatedAt: ctx.now };
    });
    return presentCall(updated!);
  }

  /** Links a ticket that was not written with this call's id, e.g. the earlier ticket a caller rang about. */
  async linkTicket(ctx: ActionContext, callId: string, ticketId: string): Promise<CallView> {
    authorize(ctx.actor, 'calls.take');
    assertId(ticketId, 'ticket');
    if (!(await this.tickets.exists(ticketId))) {
      throw new DomainError('TICKET_NOT_FOUND', `No ticket with id ${ticketId}.`, { field: 'ticketId' });
    }
    const updated = await this.merge(callId, ctx.now, (current) =>
      current.ticketIds.includes(ticketId) ? null : { ticketIds: [...current.ticketIds, ticketId], updatedAt: ctx.now },
    );
    if (!updated) throw callNotFound(callId);
    return presentCall(updated);
  }

  /**
   * For `TicketHooks.onEvent`: a ticket written with a call id joins that call, and resolving it
   * on the call marks the call. Idempotent per event, as the hook must be; a call id we never
   * heard of (a call outside Kamailio) links nothing.
   */
  async ticketEvent(ticket: TicketDocument, event: TicketEvent): Promise<void> {
    if (!ticket.callId || (event.action !== 'intake' && event.action !== 'resolve_on_call')) return;
    const ticketId = String(ticket._id);
    await this.merge(ticket.callId, event.at, (current) => {
      const resolvedOnCall = current.resolvedOnCall || event.action === 'resolve_on_call';
      if (current.ticketIds.includes(ticketId) && resolvedOnCall === current.resolvedOnCall) return null;
      return { ticketIds: [...new Set([...current.ticketIds, ticketId])], resolvedOnCall, updatedAt: event.at };
    });
  }

  /**
   * Per operator, over the inbound calls they answered in [from, to): supervisors see everyone,
   * an operator their own figures only. Reads the period's records (by the `answeredAt` index),
   * for any instants; the dashboard reads whole China days from the `operators` roll-up instead.
   */
  async operatorFigures(actor: Actor, period: { from: Date; to: Date; operatorId?: string }): Promise<OperatorFigures[]> {
    let operatorId = period.operatorId;
    if (!can(actor, 'calls.oversee')) {
      authorize(actor, 'calls.take');
      if (operatorId && operatorId !== actor.userId) throw new DomainError('FORBIDDEN', 'You may read your own figures only.', { field: 'operatorId' });
      operatorId = actor.userId;
    }
    if (period.from >= period.to) throw new DomainError('INVALID_PERIOD', 'from must be before to.', { field: 'from' });
    const match = {
      direction: 'inbound' as const,
      outcome: 'answered' as const,
      answeredAt: { $gte: period.from, $lt: period.to },
      operatorId: operatorId ?? { $ne: null },
    };
    // Folded here rather than in $group so that the records and the roll-up count by one rule
    // (`operatorDayOf`). One pass over the period's records, projected to what the figures need.
    const sums = new Map<string, { username: string | null; counts: OperatorCounts }>();
    const records = this.model
      .find(match, {
        direction: 1, outcome: 1, answeredAt: 1, operatorId: 1, operatorUsername: 1, queueSeconds: 1, ringSeconds: 1, talkSeconds: 1, afterCallWorkSeconds: 1, resolvedOnCall: 1,
      })
      .lean()
      .cursor();
    for await (const record of records) {
      // What the record adds to its operator, as the roll-up counts it.
      const figures = operatorDayOf(record);
      if (!figures) continue;
      const sum = sums.get(figures.operatorId) ?? { username: record.operatorUsername, counts: noOperatorCounts() };
      for (const name of operatorCounterNames) sum.counts[name] += figures.counts[name];
      sums.set(figures.operatorId, sum);
    }
    return [...sums].map(([id, sum]) => operatorFiguresRow(id, sum.username, sum.counts)).sort(byAnswered);
  }

  /**
   * A merging write (`mergeUpdate`) that owes the step's operator-day deltas in the same atomic
   * write, applied right after: a crash cannot keep the change and lose its figures, and each step
   * is counted once (the relay finishes what a crash left owed).
   */
  private merge(callId: string, now: Date, change: (current: CallRecord) => Partial<CallRecord> | null): Promise<CallRecord | null> {
    return mergeUpdate<CallRecord, CallEffect>(this.model, callKey(callId), 'call', now, change, this.effects);
  }

  private readonly effects: MergeEffects<CallRecord, CallEffect> = {
    owed: (current, set, stepId) => {
      const rollups = operatorDayDeltas(current, { ...current, ...set });
      return rollups.length ? { id: stepId, rollups } : null;
    },
    reactions: [{ name: 'operator-days', apply: (_record, effect) => this.operatorDays.record(effect.id, effect.rollups) }],
  };

  /**
   * Rewrites callers and callees stored before numbers were canonical into their recorded form
   * (`callParty`); returns how many records. Not a step of the call: only the spelling changes.
   */
  canonicalizeNumbers(): Promise<number> {
    return rewriteEach<CallRecord, Pick<CallRecord, '_id' | 'caller' | 'callee'>>(this.model, {}, { caller: 1, callee: 1 }, ({ caller, callee }) => {
      const set = { caller: callParty(caller), callee: callParty(callee) };
      return set.caller === caller && set.callee === callee ? null : { onlyWhile: { caller, callee }, set };
    });
  }

  /** Finishes the operator-day deltas of writes whose writer died before applying them; for the workers. */
  relayEffects(now: Date, onFailure: (err: unknown) => void): Promise<number> {
    return relayOwedEffects(this.model, this.effects.reactions, now, onFailure);
  }
}

/** The facts as stored: both parties in their recorded form (`callParty`). */
function recorded(facts: CallFacts): CallFacts {
  return { ...facts, caller: callParty(facts.caller), callee: callParty(facts.callee) };
}

function operatorFields(operator: CallOperator | null) {
  return { operatorId: operator?.userId ?? null, operatorUsername: operator?.username ?? null, operatorSipUser: operator?.sipUser ?? null };
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));
