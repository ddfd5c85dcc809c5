import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from './database.js';

/** A data migration that completed on this database. */
interface MigrationRun {
  _id: string;
  completedAt: Date;
}

const migrationSchema = new Schema<MigrationRun>(
  { _id: { type: String, required: true }, completedAt: { type: Date, required: true } },
  { versionKey: false, collection: 'migrations' },
);

/**
 * Runs a data migration of existing records until it completes once on this database; every
 * start after that skips it without reading the records again. The migration itself must be
 * idempotent: processes starting together may both run it, and a crash midway runs it again.
 * Returns its result, or null when it had completed before.
 */
export async function runOnce<T>(connection: Connection, name: string, now: Date, migrate: () => Promise<T>): Promise<T | null> {
  const runs = defineModel(connection, 'MigrationRun', migrationSchema);
  if (await runs.exists({ _id: name })) return null;
  const result = await migrate();
  await runs.updateOne({ _id: name }, { $setOnInsert: { completedAt: now } }, { upsert: true });
  return result;
}

/** A document's rewrite: what it must still hold (as read) for the write to apply, and what to set. */
export interface Rewrite {
  onlyWhile?: Record<string, unknown>;
  set: Record<string, unknown>;
}

/**
 * Reads the documents `filter` selects (the `projection` only) and writes what `rewrite` makes of
 * each in unordered batches, each only while its document still holds what was read (`onlyWhile`
 * names it): a write of the document meanwhile has set its own. Returns how many changed.
 */
export async function rewriteEach<T, D extends { _id: unknown }>(
  model: Model<T>,
  filter: Record<string, unknown>,
  projection: Record<string, 1>,
  rewrite: (doc: D) => Rewrite | null,
  batchSize = 500,
): Promise<number> {
  let changed = 0;
  let batch: object[] = [];
  const flush = async () => {
    if (batch.length) changed += (await model.bulkWrite(batch as never, { ordered: false })).modifiedCount;
    batch = [];
  };
  for await (const doc of model.find(filter as never, projection).lean().cursor({ batchSize })) {
    const row = doc as unknown as D;
    const change = rewrite(row);
    if (!change) continue;
    batch.push({ updateOne: { filter: { ...change.onlyWhile, _id: row._id }, update: { $set: change.set } } });
    if (batch.length === batchSize) await flush();
  }
  await flush();
  return changed;
}
