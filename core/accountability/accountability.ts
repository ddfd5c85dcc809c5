import type { Connection, Model } from 'mongoose';
import { authorize, listScope, type Actor } from '../accounts/access.js';
import { asRollup, type DepartmentCounters } from '../analytics/department-counters.js';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import { chinaDateKey } from '../clocks/index.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { isDuplicateKey } from '../platform/documents.js';
import { DomainError } from '../platform/errors.js';
import { owe, relayOwedEffects, settleEffects, type Reaction } from '../platform/owed-effects.js';
import type { TicketDocument, TicketEffect } from '../tickets/ticket.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import {
  accountabilityEntryModel, annulmentTakesBack, draftEntry, entryIdOf, entryStep,
  type AccountabilityEntry, type AnnulmentEffect, type EntryKind, type EntryState, type PersonRef,
} from './accountability-entry.js';

export interface EntryFilter {
  departmentId?: string;
  month?: string;
  state?: EntryState;
  kind?: EntryKind;
  limit: number;
}

export interface Appeal {
  reasons: string;
  evidence: string;
  attachmentIds?: string[];
}

export type EntryView = Omit<AccountabilityEntry, '_id' | 'effects' | 'effectsDueAt' | 'counted'> & { id: string };

const view = ({ _id, effects: _effects, effectsDueAt: _due, counted: _counted, ...entry }: AccountabilityEntry): EntryView => ({ id: _id, ...entry });

const personOf = (actor: Actor): PersonRef => ({ userId: actor.userId || null, username: actor.username });

/**
 * 问责台账: every missed deadline, default decision and dissatisfied reopen, recorded by a ticket
 * reaction against the liable department (and the user who accepted its part); the department may
 * appeal each entry once and a supervisor upholds or annuls it. An annulled entry's counts leave the
 * department's roll-ups, and so its rates.
 */
export class Accountability {
  private readonly entries: Model<AccountabilityEntry>;
  private readonly reactions: readonly Reaction<AccountabilityEntry, AnnulmentEffect>[];

  constructor(
    connection: Connection,
    private readonly ticketRows: TicketRepository,
    counters: DepartmentCounters,
    private readonly audit: AuditLog,
  ) {
    this.entries = accountabilityEntryModel(connection);
    this.reactions = [{ name: 'roll-ups', apply: (_entry, effect) => counters.record(effect.id, effect.takeBack.map(asRollup)) }];
  }

  /** The ticket reaction: records the entry a change calls for. Idempotent per change (the entry's id is the change's). */
  async recordFrom(ticket: TicketDocument, effect: TicketEffect): Promise<void> {
    const draft = draftEntry(effect);
    if (!draft) return;
    const { event } = effect;
    const person = await this.ticketRows.acceptedBy(event.ticketId, [draft.part.departmentId, ...draft.part.departmentAncestors], event.version, draft.acceptedSince);
    try {
      await this.entries.create({
        _id: entryIdOf(effect.id),
        changeId: effect.id,
        ticketId: event.ticketId,
        ticketNumber: ticket.number,
        kind: draft.kind,
        action: event.action,
        stage: draft.stage,
        departmentId: draft.part.departmentId,
        departmentAncestors: draft.part.departmentAncestors,
        person,
        at: event.at,
        month: chinaDateKey(event.at).slice(0, 7),
        reason: event.reason,
        partDispatchedAt: draft.part.dispatchedAt,
        counted: draft.counted,
        state: 'recorded',
        appeal: null,
        decision: null,
        version: 1,
        effects: [],
        effectsDueAt: null,
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async list(actor: Actor, filter: EntryFilter): Promise<EntryView[]> {
    const scope = listScope(actor, 'accountability.read');
    const query: Record<string, unknown> = {};
    if (filter.month) query.month = filter.month;
    if (filter.state) query.state = filter.state;
    if (filter.kind) query.kind = filter.kind;
    const subtree = (id: string) => ({ $or: [{ departmentId: id }, { departmentAncestors: id }] });
    const conditions = [...('departmentId' in scope ? [subtree(scope.departmentId)] : []), ...(filter.departmentId ? [subtree(filter.departmentId)] : [])];
    if (conditions.length) query.$and = conditions;
    const rows = await this.entries.find(query).sort({ at: -1, _id: -1 }).limit(filter.limit).lean();
    return rows.map(view);
  }

  async get(actor: Actor, id: string): Promise<EntryView> {
    const entry = await this.load(id);
    authorize(actor, 'accountability.read', { id: entry.departmentId, ancestors: entry.departmentAncestors });
    return view(entry);
  }

  /** 申诉: the liable department's one appeal, with its reasons and evidence. */
  async appeal(ctx: ActionContext, id: string, expectedVersion: number, appeal: Appeal): Promise<EntryView> {
    const entry = await this.load(id);
    const state = entryStep(entry, 'appeal', ctx.actor);
    const written = { reasons: appeal.reasons, evidence: appeal.evidence, attachmentIds: appeal.attachmentIds ?? [], by: personOf(ctx.actor), at: ctx.now };
    const updated = await compareAndSet(this.entries, id, expectedVersion, { state, appeal: written }, 'accountability entry');
    await this.audit.record(ctx, 'accountability.appeal', { type: 'accountability_entry', id }, { state: { from: entry.state, to: state }, reasons: appeal.reasons });
    return view(updated);
  }

  /**
   * A supervisor's decision on an appealed entry. Annulling owes the roll-up correction with the
   * same write, so a crash between the decision and the correction leaves it owed, never lost.
   */
  async decide(ctx: ActionContext, id: string, expectedVersion: number, outcome: 'upheld' | 'annulled', reason: string): Promise<EntryView> {
    const entry = await this.load(id);
    const state = entryStep(entry, outcome === 'upheld' ? 'uphold' : 'annul', ctx.actor);
    const decision = { outcome, reason, by: personOf(ctx.actor), at: ctx.now };
    let extras = {};
    let due = {};
    if (outcome === 'annulled') {
      const takeBack = annulmentTakesBack(entry, await this.ticketRows.byId(entry.ticketId));
      const owed = owe<AnnulmentEffect>({ id: `annul:${id}`, takeBack }, ctx.now);
      extras = { push: owed.push };
      due = owed.set;
    }
    const updated = await compareAndSet(this.entries, id, expectedVersion, { state, decision, ...due }, 'accountability entry', extras);
    await this.audit.record(ctx, `accountability.${outcome === 'upheld' ? 'uphold' : 'annul'}`, { type: 'accountability_entry', id }, { state: { from: entry.state, to: state }, reason });
    await settleEffects(this.entries, updated as AccountabilityEntry & { _id: string }, this.reactions);
    return view(updated);
  }

  /** Every entry of a China month (`YYYY-MM`), for its bulletin. */
  monthEntries(month: string): Promise<AccountabilityEntry[]> {
    return this.entries.find({ month }).lean();
  }

  /** Finishes annulments whose writer died before correcting the roll-ups; for the workers. */
  relayEffects(now: Date, onFailure: (err: unknown) => void): Promise<number> {
    return relayOwedEffects(this.entries, this.reactions, now, onFailure);
  }

  private async load(id: string): Promise<AccountabilityEntry> {
    const entry = await this.entries.findById(id).lean();
    if (!entry) throw new DomainError('ACCOUNTABILITY_ENTRY_NOT_FOUND', `没有该问责记录 (no accountability entry with id ${id}).`, { id });
    return entry;
  }
}
