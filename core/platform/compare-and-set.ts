import type { Model } from 'mongoose';
import { versionConflict } from './documents.js';

/** What a version step owes besides its own fields, written in the same atomic update. */
export interface StepExtras {
  /** Appended to array fields (e.g. the effects a change owes, for its reactions to apply). */
  push?: Record<string, unknown>;
  /** Fields set to the database's own clock (for TTL indexes, which follow that clock). */
  currentDate?: string[];
  /** Fields removed (e.g. a TTL stamp that no longer applies). */
  unset?: string[];
}

/**
 * Compare-and-set on `version`: one atomic `findOneAndUpdate({_id, version})`, so of writers that
 * read the same version exactly one wins (MongoDB and FerretDB 2 on DocumentDB alike); the others
 * get VERSION_CONFLICT with the version now stored.
 */
export async function compareAndSet<T extends { version: number }>(
  model: Model<T>,
  id: string,
  expectedVersion: number,
  set: Partial<T>,
  entity: string,
  extras: StepExtras = {},
): Promise<T & { _id: unknown }> {
  const update: Record<string, unknown> = { $set: { ...set, version: expectedVersion + 1 } };
  if (extras.push) update.$push = extras.push;
  if (extras.currentDate) update.$currentDate = Object.fromEntries(extras.currentDate.map((field) => [field, true]));
  if (extras.unset) update.$unset = Object.fromEntries(extras.unset.map((field) => [field, '']));
  const updated = await model.findOneAndUpdate({ _id: id, version: expectedVersion } as never, update as never, { returnDocument: 'after' }).lean();
  if (!updated) {
    const current = await model.findById(id, { version: 1 }).lean();
    throw versionConflict(entity, id, (current as { version?: number } | null)?.version ?? expectedVersion);
  }
  return updated as T & { _id: unknown };
}
