import type { Model } from 'mongoose';

/**
 * A change's consequences in other collections (its history entry, notices, roll-up deltas), owed
 * by the document that changed. With no transactions, they are written into the document by the
 * same atomic update as the change itself, then applied by named reactions, each idempotent per
 * effect, and only then removed: a crash anywhere leaves them owed, never lost, and the relay
 * finishes them. An owning document has `effects` (oldest first) and `effectsDueAt`.
 */
export interface OwedEffect {
  /** Unique per change, e.g. `<ticketId>:<version>`: what reactions key their idempotency on. */
  id: string;
}

export interface Owing<E extends OwedEffect> {
  effects: E[];
  /** When the relay may take over effects their writer has not settled: null once none are owed. */
  effectsDueAt: Date | null;
}

/** A writer normally settles its effects within milliseconds; after this the relay assumes it died. */
export const effectsGraceMs = 10_000;

export interface Reaction<D, E extends OwedEffect> {
  /** Stable, for logs: which consequence failed. */
  name: string;
  /** Must be idempotent per effect: a crash or the relay may apply the same effect again. */
  apply(document: D, effect: E): Promise<void>;
}

/** The fields a write adds so that its effects are owed atomically with it. */
export function owe<E extends OwedEffect>(effect: E, now: Date): { set: { effectsDueAt: Date }; push: { effects: E } } {
  return { set: { effectsDueAt: new Date(now.getTime() + effectsGraceMs) }, push: { effects: effect } };
}

export class ReactionFailed extends Error {
  constructor(readonly reaction: string, readonly effectId: string, override readonly cause: unknown) {
    super(`reaction ${reaction} failed on ${effectId}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'ReactionFailed';
  }
}

/**
 * Applies every effect the document owes, oldest first, then removes the applied ones. An effect's
 * reactions run side by side (each is idempotent and none reads another's writes), so a change
 * waits for its slowest consequence, not their sum. Stops at the first effect with a failed
 * reaction and leaves it and the rest owed for the relay, which applies them again.
 */
export async function settleEffects<D extends Owing<E>, E extends OwedEffect>(
  model: Model<D>,
  document: D & { _id: unknown },
  reactions: readonly Reaction<D & { _id: unknown }, E>[],
): Promise<void> {
  if (document.effects.length === 0) {
    if (document.effectsDueAt) await model.updateOne({ _id: document._id, effects: { $size: 0 } } as never, { $set: { effectsDueAt: null } } as never);
    return;
  }
  const applied: string[] = [];
  try {
    for (const effect of document.effects) {
      const outcomes = await Promise.allSettled(reactions.map((reaction) => reaction.apply(document, effect)));
      const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
      if (failed >= 0) throw new ReactionFailed(reactions[failed]!.name, effect.id, (outcomes[failed] as PromiseRejectedResult).reason);
      applied.push(effect.id);
    }
  } finally {
    if (applied.length) await forget(model, document, applied);
  }
}

/** Removes applied effects; a change written meanwhile keeps its own effects and due time. */
async function forget<D extends Owing<E>, E extends OwedEffect>(model: Model<D>, document: D & { _id: unknown }, applied: string[]): Promise<void> {
  const version = (document as { version?: number }).version;
  // The usual case, one write: the document is still as read, so what it owed is all applied.
  if (version !== undefined && applied.length === document.effects.length) {
    const cleared = await model.updateOne({ _id: document._id, version } as never, { $set: { effects: [], effectsDueAt: null } } as never);
    if (cleared.modifiedCount === 1) return;
  }
  await model.updateOne({ _id: document._id } as never, { $pull: { effects: { id: { $in: applied } } } } as never);
  await model.updateOne({ _id: document._id, effects: { $size: 0 } } as never, { $set: { effectsDueAt: null } } as never);
}

/**
 * The relay: documents whose effects are past their grace, each claimed (by moving its due time on,
 * a compare-and-set on the time read) so that two relays do not work on one document at once, then
 * settled. Returns how many documents it settled; failures are reported and retried after the grace.
 */
export async function relayOwedEffects<D extends Owing<E>, E extends OwedEffect>(
  model: Model<D>,
  reactions: readonly Reaction<D & { _id: unknown }, E>[],
  now: Date,
  onFailure: (err: unknown) => void,
  limit = 200,
): Promise<number> {
  const due = await model.find({ effectsDueAt: { $lte: now } } as never, { _id: 1, effectsDueAt: 1 }).sort({ effectsDueAt: 1 }).limit(limit).lean();
  let settled = 0;
  for (const candidate of due as unknown as { _id: unknown; effectsDueAt: Date }[]) {
    const claimed = (await model
      .findOneAndUpdate(
        { _id: candidate._id, effectsDueAt: candidate.effectsDueAt } as never,
        { $set: { effectsDueAt: new Date(now.getTime() + effectsGraceMs) } } as never,
        { returnDocument: 'after' },
      )
      .lean()) as (D & { _id: unknown }) | null;
    if (!claimed) continue;
    try {
      await settleEffects(model, claimed, reactions);
      settled++;
    } catch (err) {
      onFailure(err);
    }
  }
  return settled;
}
