import type { Model } from 'mongoose';
import { compareAndSet } from './compare-and-set.js';
import { versionConflict } from './documents.js';
import { isDomainError } from './errors.js';

const maxAttempts = 25;

/**
 * For changes that merge rather than decide (call events, browser reports, ticket links): a lost
 * compare-and-set is not the caller's conflict, so the change is recomputed on the newer record
 * and tried again. `change` returns null when the record already says what it would write, which
 * makes repeated events and reports no-ops. Resolves to null when the record does not exist.
 * `onWin` runs once this writer has won the step, before the record is written, with the record as
 * it was, the change, and the step's claim id (unique per step: a key for what the step records).
 */
export async function mergeUpdate<T extends { version: number }>(
  model: Model<T>,
  id: string,
  entity: string,
  now: Date,
  change: (current: T) => Partial<T> | null,
  onWin?: (current: T, set: Partial<T>, stepId: string) => Promise<void>,
): Promise<(T & { _id: unknown }) | null> {
  for (let attempt = 1; ; attempt++) {
    const current = (await model.findById(id).lean()) as (T & { _id: unknown }) | null;
    if (!current) return null;
    const set = change(current);
    if (!set) return current;
    try {
      const stepId = `${model.collection.name}:${id}:${current.version + 1}`;
      return await compareAndSet(model, id, current.version, set, now, entity, onWin && (() => onWin(current, set, stepId)));
    } catch (err) {
      if (!isDomainError(err) || err.code !== 'VERSION_CONFLICT') throw err;
      if (attempt >= maxAttempts) throw versionConflict(entity, id, current.version);
      // Writers that collided would collide again at once; a little jitter lets one through.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
