import type { Connection, Model } from 'mongoose';
import { authorize, can, type Actor } from '../accounts/access.js';
import type { ActionContext } from '../audit/audit.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { notFound } from '../platform/documents.js';
import { DomainError, isDomainError } from '../platform/errors.js';
import { mergeUpdate } from '../platform/merge-update.js';
import { canonicalPhone } from '../requesters/phone-number.js';
import {
  callbackNumberModel, missedCallModel, presentMissedCall,
  type CallbackNumber, type MissedCall, type MissedCallOutcome, type MissedCallState, type MissedCallView,
} from './missed-call.js';

const entity = 'missed call';

/** The callback queue (漏接回拨): operators claim a number, call it back and say how it went. */
export class MissedCalls {
  readonly model: Model<MissedCall>;
  private readonly numbers: Model<CallbackNumber>;

  constructor(connection: Connection) {
    this.model = missedCallModel(connection);
    this.numbers = callbackNumberModel(connection);
  }

  /**
   * A missed call joins its number's unfinished item, so a citizen who tried five times is called
   * back once. `number` is canonical (`canonicalPhone`): every form of it is one citizen.
   */
  add(number: string, callId: string, at: Date, now: Date): Promise<void> {
    return this.join(number, { callIds: [callId], firstMissedAt: at, lastMissedAt: at }, now);
  }

  /**
   * Brings items stored before numbers were canonical under their canonical number: a finished
   * item only has its `caller` rewritten; an unfinished one joins its number's unfinished item (or
   * opens it, back in the queue if it was claimed) and goes, so a citizen queued under two forms of
   * their number is called back once.
   * Idempotent; returns how many items it moved or rewrote.
   */
  async canonicalizeNumbers(now: Date): Promise<number> {
    let changed = 0;
    for await (const { _id, caller, state } of this.model.find({}, { caller: 1, state: 1 }).lean().cursor()) {
      const number = canonicalPhone(caller);
      if (!number || number === caller) continue;
      if (state === 'done') {
        changed += (await this.model.updateOne({ _id, caller }, { $set: { caller: number } })).modifiedCount;
        continue;
      }
      const item = await this.model.findById(_id).lean();
      if (!item || item.state === 'done') continue;
      await this.join(number, { callIds: item.callIds, firstMissedAt: item.firstMissedAt, lastMissedAt: item.lastMissedAt }, now);
      // Only as read: a call that joined it meanwhile is in no canonical item yet; the next run moves it.
      changed += (await this.model.deleteOne({ _id, version: item.version })).deletedCount;
    }
    // Rounds counted under another form of a number serve nothing any more.
    for await (const { _id } of this.numbers.find({}, { _id: 1 }).lean().cursor()) {
      if (canonicalPhone(_id) !== _id) await this.numbers.deleteOne({ _id });
    }
    return changed;
  }

  private async join(caller: string, missed: Pick<MissedCall, 'callIds' | 'firstMissedAt' | 'lastMissedAt'>, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const number = await this.numbers.findById(caller).lean();
      if (!number) {
        await this.numbers.create({ _id: caller, round: 1, version: 1 }).catch(ignoreDuplicate);
        continue;
      }
      const id = `${caller}-${number.round}`;
      const joined = await mergeUpdate(this.model, id, entity, now, (current) => {
        const callIds = [...new Set([...current.callIds, ...missed.callIds])];
        if (current.state === 'done' || callIds.length === current.callIds.length) return null;
        return {
          callIds,
          firstMissedAt: missed.firstMissedAt < current.firstMissedAt ? missed.firstMissedAt : current.firstMissedAt,
          lastMissedAt: missed.lastMissedAt > current.lastMissedAt ? missed.lastMissedAt : current.lastMissedAt,
          updatedAt: now,
        };
      });
      if (!joined) {
        try {
          const { callIds, firstMissedAt, lastMissedAt } = missed;
          await this.model.create({ _id: id, caller, round: number.round, callIds, firstMissedAt, lastMissedAt, state: 'open', version: 1, updatedAt: now });
          return;
        } catch (err) {
          // Another missed call from the number opened this round first: join it.
          ignoreDuplicate(err);
          continue;
        }
      }
      if (joined.state !== 'done' || missed.callIds.every((callId) => joined.callIds.includes(callId))) return;
      // Called back already: the number starts its next round (whoever advances it first).
      await compareAndSet(this.numbers, caller, number.version, { round: number.round + 1 }, 'callback number').catch(ignoreConflict);
    }
    throw new DomainError('VERSION_CONFLICT', `The callback queue for ${caller} kept changing; the missed calls ${missed.callIds.join(', ')} were not queued.`, { callIds: missed.callIds });
  }

  /** Oldest first: the citizen who has waited longest is called back first. */
  async list(actor: Actor, filter: { state: MissedCallState; limit: number }): Promise<MissedCallView[]> {
    authorize(actor, 'calls.take');
    const rows = await this.model.find({ state: filter.state }).sort({ firstMissedAt: 1, _id: 1 }).limit(filter.limit).lean();
    return rows.map(presentMissedCall);
  }

  /** Compare-and-set on the item: of two operators claiming at once, one gets it and the other 409. */
  async claim(ctx: ActionContext, id: string): Promise<MissedCallView> {
    authorize(ctx.actor, 'calls.take');
    const item = await this.load(id);
    if (item.state !== 'open') throw taken(item);
    const claimed = await compareAndSet(this.model, id, item.version, {
      state: 'claimed', claimedBy: { userId: ctx.actor.userId, username: ctx.actor.username }, claimedAt: ctx.now, updatedAt: ctx.now,
    }, entity);
    return presentMissedCall(claimed);
  }

  async done(ctx: ActionContext, id: string, result: { outcome: MissedCallOutcome; note?: string | null; callbackCallId?: string | null }): Promise<MissedCallView> {
    const item = await this.claimedByActor(ctx.actor, id);
    const finished = await compareAndSet(this.model, id, item.version, {
      state: 'done',
      outcome: result.outcome,
      note: result.note ?? null,
      callbackCallId: result.callbackCallId ?? null,
      doneAt: ctx.now,
      updatedAt: ctx.now,
    }, entity);
    return presentMissedCall(finished);
  }

  /** Back to the queue: by the operator who claimed it, or by a supervisor when that operator has gone. */
  async release(ctx: ActionContext, id: string): Promise<MissedCallView> {
    const item = can(ctx.actor, 'calls.oversee') ? await this.load(id) : await this.claimedByActor(ctx.actor, id);
    if (item.state !== 'claimed') throw taken(item);
    const released = await compareAndSet(this.model, id, item.version, { state: 'open', claimedBy: null, claimedAt: null, updatedAt: ctx.now }, entity);
    return presentMissedCall(released);
  }

  private async claimedByActor(actor: Actor, id: string): Promise<MissedCall> {
    authorize(actor, 'calls.take');
    const item = await this.load(id);
    if (item.state !== 'claimed') throw taken(item);
    if (item.claimedBy?.userId !== actor.userId) {
      throw new DomainError('FORBIDDEN', `${item.claimedBy?.username} is calling this number back.`, { claimedBy: item.claimedBy });
    }
    return item;
  }

  private async load(id: string): Promise<MissedCall> {
    const item = await this.model.findById(id).lean();
    if (!item) throw notFound('missed_call', id);
    return item;
  }
}

/** The state moved on since the caller looked: a conflict, like a ticket's (409 with what it is now). */
function taken(item: MissedCall): DomainError {
  const now = item.state === 'claimed' ? `claimed by ${item.claimedBy?.username}` : item.state;
  return new DomainError('VERSION_CONFLICT', `This missed call is ${now}; reload the queue.`, {
    state: item.state, claimedBy: item.claimedBy, currentVersion: item.version,
  });
}

function ignoreDuplicate(err: unknown): void {
  if ((err as { code?: number }).code !== 11000) throw err;
}

function ignoreConflict(err: unknown): void {
  if (!isDomainError(err) || err.code !== 'VERSION_CONFLICT') throw err;
}
