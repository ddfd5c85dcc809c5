import type { Connection } from 'mongoose';
import { runOnce } from '../platform/migrations.js';

/** The owners of stored phone numbers, each rewriting its own records (repositories, not models). */
export interface PhoneOwners {
  tickets: { canonicalizePhones(): Promise<number> };
  calls: { canonicalizeNumbers(): Promise<number> };
  missedCalls: { canonicalizeNumbers(now: Date): Promise<number> };
}

/**
 * Brings a database written before phone numbers were kept canonical up to date: requester
 * phones, the call records' callers and callees, the callback queue (whose items of one citizen
 * under several forms become one). Idempotent; once complete on a database, later starts skip it.
 * Returns how many records each owner changed, or null when it had completed before.
 */
export function canonicalizePhones(connection: Connection, owners: PhoneOwners, now: Date) {
  return runOnce(connection, 'canonical-phones', now, async () => ({
    tickets: await owners.tickets.canonicalizePhones(),
    calls: await owners.calls.canonicalizeNumbers(),
    missedCalls: await owners.missedCalls.canonicalizeNumbers(now),
  }));
}
