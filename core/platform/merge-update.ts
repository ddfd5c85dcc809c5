import type { Model } from 'mongoose';
import { compareAndSet } from './compare-and-set.js';
import { versionConflict } from './documents.js';
import { isDomainError } from './errors.js';
import { owe, settleEffects, type OwedEffect, type Owing, type Reaction } from './owed-effects.js';

/** What a merging write owes besides its fields (see `owed-effects.ts`), and the reactions that apply it. */
export interface MergeEffects<T, E extends OwedEffect> {
  /** The effect of the step from `current` by `set`, or null when it owes nothing; `stepId` is unique per step. */
  owed(current: T, set: Partial<T>, stepId: string): E | null;
  reactions: readonly Reaction<T & Owing<E> & { _id: unknown }, E>[];
}

const maxAttempts = 25;

/**
 * For changes that merge rather than decide (call events, browser reports, ticket links): a lost
 * compare-and-set is not the caller's conflict, so the change is recomputed on the newer record
 * and tried again. `change` returns null when the record already says what it would write, which
 * makes repeated events and reports no-ops. Resolves to null when the record does not exist.
 * With `effects`, what each step owes is written atomically with it and applied after.
 */
export async function mergeUpdate<T extends { version: number }, E extends OwedEffect = OwedEffect>(
  model: Model<T>,
  id: string,
  entity: string,
  now: Date,
  change: (current: T) => Partial<T> | null,
  effects?: MergeEffects<T, E>,
): Promise<(T & { _id: unknown }) | null> {
  for (let attempt = 1; ; attempt++) {
    const current = (await model.findById(id).lean()) as (T & { _id: unknown }) | null;
    if (!current) return null;
    const set = change(current);
    if (!set) return current;
    try {
      const effect = effects?.owed(current, set, `${model.collection.name}:${id}:${current.version + 1}`) ?? null;
      if (!effect || !effects) return await compareAndSet(model, id, current.version, set, entity);
      const owed = owe(effect, now);
      const written = await compareAndSet(model, id, current.version, { ...set, ...owed.set } as Partial<T>, entity, { push: owed.push });
      await settleEffects(model as unknown as Model<T & Owing<E>>, written as T & Owing<E> & { _id: unknown }, effects.reactions);
      return written;
    } catch (err) {
      if (!isDomainError(err) || err.code !== 'VERSION_CONFLICT') throw err;
      if (attempt >= maxAttempts) throw versionConflict(entity, id, current.version);
      // Writers that collided would collide again at once; a little jitter lets one through.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
