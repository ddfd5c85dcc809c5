import type { Actor } from './access.js';

interface Cached<T> {
  at: number;
  /** A session or token never outlives its own expiry, whatever the cache holds. */
  expiresAt: Date | null;
  value: T;
}

/**
 * Who a session or API token is, kept for a few seconds: every request would otherwise read its
 * session (or token) and its user first, two of a ticket action's handful of database round trips.
 * This process forgets everything at once when an account changes here (sign-out, deactivation, a
 * role or password change, a revoked token); other processes within `keepMs`.
 */
export class ActorCache {
  private readonly entries = new Map<string, Cached<unknown>>();

  constructor(
    private readonly keepMs = 5_000,
    /** Bounds memory under a flood of distinct tokens; a full cache simply starts again. */
    private readonly maxEntries = 10_000,
  ) {}

  async get<T extends { actor: Actor }>(tokenHash: string, now: Date, load: () => Promise<(T & { expiresAt: Date | null }) | null>): Promise<T | null> {
    const hit = this.entries.get(tokenHash) as Cached<T> | undefined;
    if (hit && Date.now() - hit.at < this.keepMs && (!hit.expiresAt || hit.expiresAt > now)) return hit.value;
    const loaded = await load();
    if (!loaded) {
      this.entries.delete(tokenHash);
      return null;
    }
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(tokenHash, { at: Date.now(), expiresAt: loaded.expiresAt, value: loaded });
    return loaded;
  }

  /** After any change to accounts, sessions or tokens in this process. */
  clear(): void {
    this.entries.clear();
  }
}
