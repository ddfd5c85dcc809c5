import type { Connection } from 'mongoose';
import type { Authentication } from '../accounts/authentication.js';
import { purgeRevisions } from '../platform/compare-and-set.js';
import { purgeIdempotencyKeys } from '../platform/idempotency.js';

const day = 86_400_000;

/**
 * The periodic clean-up that stands in for TTL indexes (FerretDB 1.x has none): expired sessions,
 * stale throttle windows, compare-and-set claims nobody can contend any more, and idempotency
 * keys older than a client would retry.
 */
export async function purgeExpired(connection: Connection, authentication: Authentication, now: Date) {
  const accounts = await authentication.purgeExpired(now);
  const revisions = await purgeRevisions(connection, new Date(now.getTime() - day));
  const idempotencyKeys = await purgeIdempotencyKeys(connection, new Date(now.getTime() - day));
  return { ...accounts, revisions, idempotencyKeys };
}
