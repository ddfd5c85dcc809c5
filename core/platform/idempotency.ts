import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from './database.js';
import { DomainError } from './errors.js';

interface IdempotencyRecord {
  /** `<scope>:<key>`: the unique `_id` makes the first request the only one that creates. */
  _id: string;
  fingerprint: string;
  resultId: string | null;
  createdAt: Date;
}

const schema = new Schema<IdempotencyRecord>(
  { _id: String, fingerprint: String, resultId: { type: String, default: null }, createdAt: Date },
  { versionKey: false, collection: 'idempotency_keys' },
);
schema.index({ createdAt: 1 });

export const idempotencyModel = (connection: Connection): Model<IdempotencyRecord> => defineModel(connection, 'IdempotencyKey', schema);

/**
 * Runs `create` once per key: a retry (even 20 at once) gets the first result's id. A retry with
 * a different request under the same key is refused. A winner that died without a result frees
 * its key after `abandonAfterMs`.
 */
export async function once(
  connection: Connection,
  scope: string,
  key: string,
  fingerprint: string,
  now: Date,
  create: () => Promise<string>,
  abandonAfterMs = 60_000,
): Promise<{ id: string; replayed: boolean }> {
  const records = idempotencyModel(connection);
  const _id = `${scope}:${key}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await records.create({ _id, fingerprint, resultId: null, createdAt: now });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      const existing = await records.findById(_id).lean();
      if (!existing) continue;
      if (existing.fingerprint !== fingerprint) {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request.', { field: 'Idempotency-Key' });
      }
      if (existing.resultId) return { id: existing.resultId, replayed: true };
      if (now.getTime() - existing.createdAt.getTime() > abandonAfterMs) {
        await records.deleteOne({ _id, resultId: null, createdAt: existing.createdAt });
        continue;
      }
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    try {
      const id = await create();
      await records.updateOne({ _id }, { $set: { resultId: id } });
      return { id, replayed: false };
    } catch (err) {
      await records.deleteOne({ _id });
      throw err;
    }
  }
  throw new DomainError('IDEMPOTENCY_IN_PROGRESS', 'The first request with this Idempotency-Key is still running; retry shortly.');
}

export async function purgeIdempotencyKeys(connection: Connection, olderThan: Date): Promise<number> {
  return (await idempotencyModel(connection).deleteMany({ createdAt: { $lt: olderThan } })).deletedCount;
}
