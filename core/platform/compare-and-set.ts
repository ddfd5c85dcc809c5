import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from './database.js';
import { versionConflict } from './documents.js';

/**
 * A claim on one version step of one document. Its `_id` is `<collection>:<id>:<version>`, so the
 * database's unique `_id` lets exactly one writer claim each step.
 */
interface Revision {
  _id: string;
  at: Date;
  set: Record<string, unknown>;
}

const revisionSchema = new Schema<Revision>(
  { _id: { type: String, required: true }, at: { type: Date, required: true }, set: { type: Schema.Types.Mixed, required: true } },
  { versionKey: false, collection: 'revisions', minimize: false },
);
revisionSchema.index({ at: 1 });

export const revisionModel = (connection: Connection): Model<Revision> => defineModel(connection, 'Revision', revisionSchema);

/** A writer that claimed a step but never applied it (a crash) blocks the document this long at most. */
export const abandonedAfterMs = 30_000;

/**
 * Compare-and-set on `version`. FerretDB 1.x evaluates an update's filter and writes the document
 * in separate steps (UPDATE … WHERE _id = ?), so `findOneAndUpdate({_id, version})` alone lets two
 * concurrent writers both win. An insert into a unique `_id` is atomic on FerretDB and on MongoDB
 * alike, so the winner is decided by claiming the step first; only the winner writes.
 */
export async function compareAndSet<T extends { version: number }>(
  model: Model<T>,
  id: string,
  expectedVersion: number,
  set: Partial<T>,
  now: Date,
  entity: string,
  /** Runs once this writer has won the step, before the document is written (e.g. append its event). */
  afterClaim?: () => Promise<void>,
): Promise<T & { _id: unknown }> {
  const revisions = revisionModel(model.db);
  const claimId = `${model.collection.name}:${id}:${expectedVersion + 1}`;
  const next = { ...set, version: expectedVersion + 1 } as Record<string, unknown>;
  try {
    await revisions.create({ _id: claimId, at: now, set: next });
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
    await finishAbandonedClaim(model, revisions, id, expectedVersion, claimId, now);
    const current = await model.findById(id, { version: 1 }).lean();
    throw versionConflict(entity, id, (current as { version?: number } | null)?.version ?? expectedVersion);
  }
  await afterClaim?.();
  // Filtered by `_id` alone: the claim already makes this writer the only one for this step, and a
  // version in the filter would not make FerretDB's write atomic anyway.
  const updated = await model.findOneAndUpdate({ _id: id } as never, { $set: next } as never, { returnDocument: 'after' }).lean();
  if (!updated) {
    const current = await model.findById(id, { version: 1 }).lean();
    throw versionConflict(entity, id, (current as { version?: number } | null)?.version ?? expectedVersion);
  }
  return updated as T & { _id: unknown };
}

/** Applies the recorded change of a winner that died between claiming and writing. */
async function finishAbandonedClaim<T>(model: Model<T>, revisions: Model<Revision>, id: string, expectedVersion: number, claimId: string, now: Date) {
  const claim = await revisions.findById(claimId).lean();
  if (!claim || now.getTime() - claim.at.getTime() < abandonedAfterMs) return;
  await model.updateOne({ _id: id, version: expectedVersion } as never, { $set: claim.set } as never);
}

/** Claims are only needed while a step can still be contended; old ones are purged periodically. */
export async function purgeRevisions(connection: Connection, olderThan: Date): Promise<number> {
  const result = await revisionModel(connection).deleteMany({ at: { $lt: olderThan } });
  return result.deletedCount;
}
