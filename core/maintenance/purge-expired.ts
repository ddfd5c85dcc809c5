import type { Connection } from 'mongoose';
import type { Authentication } from '../accounts/authentication.js';
import { purgeRevisions } from '../platform/compare-and-set.js';
import { purgeIdempotencyKeys } from '../platform/idempotency.js';
import { counterModels } from '../analytics/department-counters.js';
import { outboxModel } from '../notifications/outbox.js';

const day = 86_400_000;

/**
 * The periodic clean-up that stands in for TTL indexes (FerretDB 1.x has none): expired sessions,
 * stale throttle windows, compare-and-set claims nobody can contend any more, idempotency keys
 * older than a client would retry, folded counter batches and sent notices past a month.
 */
export async function purgeExpired(connection: Connection, authentication: Authentication, now: Date) {
  const accounts = await authentication.purgeExpired(now);
  const revisions = await purgeRevisions(connection, new Date(now.getTime() - day));
  const idempotencyKeys = await purgeIdempotencyKeys(connection, new Date(now.getTime() - day));
  const foldedBatches = (await counterModels(connection).batches.deleteMany({ done: true })).deletedCount;
  // Sent notices carry requesters' addresses and texts; a month is enough to answer "did it go out?".
  const sentNotices = (await outboxModel(connection).deleteMany({ state: 'sent', sentAt: { $lt: new Date(now.getTime() - 30 * day) } })).deletedCount;
  return { ...accounts, revisions, idempotencyKeys, foldedBatches, sentNotices };
}
