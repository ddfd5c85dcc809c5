import type { Model } from 'mongoose';
import type { AuditLog } from '../audit/audit.js';
import { DomainError } from '../platform/errors.js';
import type { Actor } from './access.js';
import type { ActorCache } from './actor-cache.js';
import type { AccountModels, LoginAttempt, User } from './account-models.js';
import { verifyPassword } from './passwords.js';
import { hashToken, newSecret } from './secrets.js';

export interface AuthenticationSettings {
  sessionTtlHours: number;
  /** Failed sign-ins for one user name from one address before each further attempt must wait. */
  maxFailures: number;
  /** The longest wait the back-off reaches. */
  lockMinutes: number;
}

export interface SignedIn {
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
  user: User & { _id: unknown };
}

export const apiTokenPrefix = 'h12345_';

export function actorOf(user: User & { _id: unknown }, via: Actor['via']): Actor {
  return { userId: String(user._id), username: user.username, roles: user.roles, departmentId: user.departmentId, via };
}

const invalidCredentials = () => new DomainError('INVALID_CREDENTIALS', 'The user name or password is wrong.');

/** A user name is guessed from many addresses only at this many times the failures of one address. */
const userNameFactor = 4;
const forgetFailuresMs = 86_400_000;
const knownAddressMs = 30 * 86_400_000;

const throttleKey = (kind: 'user' | 'pair' | 'known', ...parts: string[]) => `${kind}:${JSON.stringify(parts)}`;

/**
 * Sign-in with a back-off instead of a lock: after `maxFailures` failures for one user name from
 * one address, each further attempt there must wait 1 s, then 2, 4 … up to `lockMinutes`; attempts
 * before then are refused without looking at the password. Nothing counts per address alone: an
 * office shares one, and one person's guesses must not shut out their colleagues. A user name
 * guessed from many addresses backs off too (at `userNameFactor` × the failures), but not from an
 * address the user signed in from before, so a guesser cannot keep the user out of their own desk.
 */
export class Authentication {
  constructor(
    private readonly models: AccountModels,
    private readonly audit: AuditLog,
    private readonly settings: AuthenticationSettings,
    private readonly actors: ActorCache,
  ) {}

  async login(input: { username: string; password: string; ip: string; now: Date; requestId?: string | null }): Promise<SignedIn> {
    const { now } = input;
    const username = input.username.trim().toLowerCase();
    const userKey = throttleKey('user', username);
    const pairKey = throttleKey('pair', username, input.ip);
    const knownKey = throttleKey('known', username, input.ip);
    await this.assertMayTry(userKey, pairKey, knownKey, now);

    const user = await this.models.users.findOne({ username }).lean();
    const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
    if (!user || !ok || !user.active) {
      await this.recordFailure(pairKey, this.settings.maxFailures, now);
      await this.recordFailure(userKey, this.settings.maxFailures * userNameFactor, now);
      await this.audit.record(
        { actor: { userId: user ? String(user._id) : '', username, roles: [], departmentId: null, via: 'session' }, now, requestId: input.requestId },
        'session.login_failed',
        { type: 'user', id: user ? String(user._id) : null },
        { ip: input.ip },
      );
      throw invalidCredentials();
    }

    // The user-name count stays: the user signing in says nothing about who guesses elsewhere.
    await this.models.loginAttempts.deleteOne({ key: pairKey });
    await this.models.loginAttempts.updateOne(
      { key: knownKey },
      {
        $set: { knownUntil: new Date(now.getTime() + knownAddressMs) },
        $setOnInsert: { failures: 0, lastFailureAt: null, waitUntil: null },
        $currentDate: { storedAt: true },
      },
      { upsert: true },
    );
    const sessionToken = newSecret();
    const csrfToken = newSecret(24);
    const expiresAt = new Date(now.getTime() + this.settings.sessionTtlHours * 3_600_000);
    const tokenHash = hashToken(sessionToken);
    await this.models.sessions.updateOne(
      { tokenHash },
      { $setOnInsert: { tokenHash, userId: String(user._id), csrfToken, createdAt: now, lastSeenAt: now, expiresAt }, $currentDate: { storedAt: true } },
      { upsert: true },
    );
    await this.audit.record({ actor: actorOf(user, 'session'), now, requestId: input.requestId }, 'session.login', {
      type: 'user', id: String(user._id),
    }, { ip: input.ip });
    return { sessionToken, csrfToken, expiresAt, user };
  }

  async logout(sessionToken: string, actor: Actor, now: Date, requestId?: string | null): Promise<void> {
    await this.models.sessions.deleteOne({ tokenHash: hashToken(sessionToken) });
    this.actors.clear();
    await this.audit.record({ actor, now, requestId }, 'session.logout', { type: 'user', id: actor.userId });
  }

  /** Resolves a browser session; expired sessions are refused here, whatever the purge job has done. */
  async sessionActor(sessionToken: string, now: Date): Promise<{ actor: Actor; csrfToken: string; expiresAt: Date } | null> {
    const tokenHash = hashToken(sessionToken);
    return this.actors.get(tokenHash, now, async () => {
      const session = await this.models.sessions.findOne({ tokenHash }).lean();
      if (!session || session.expiresAt <= now) return null;
      const user = await this.activeUser(session.userId);
      if (!user) return null;
      // Touch at most once a minute: a write per request would double the load of every read.
      if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
        await this.models.sessions.updateOne({ _id: session._id }, { $set: { lastSeenAt: now } });
      }
      return { actor: actorOf(user, 'session'), csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    });
  }

  /** A Bearer token of the API; a partner's Open311 key is not one. */
  async tokenActor(token: string, now: Date): Promise<Actor | null> {
    const found = await this.liveToken(token, now);
    return found && found.partner === null ? found.actor : null;
  }

  /** An Open311 `api_key`: a live token issued to a partner, and the user it acts as. */
  async partnerActor(apiKey: string, now: Date): Promise<{ actor: Actor; partner: string } | null> {
    const found = await this.liveToken(apiKey, now);
    return found && found.partner !== null ? { actor: found.actor, partner: found.partner } : null;
  }

  private async liveToken(token: string, now: Date): Promise<{ actor: Actor; partner: string | null } | null> {
    if (!token.startsWith(apiTokenPrefix)) return null;
    const tokenHash = hashToken(token);
    const found = await this.actors.get(tokenHash, now, async () => {
      const record = await this.models.apiTokens.findOne({ tokenHash }).lean();
      if (!record || record.revokedAt || (record.expiresAt && record.expiresAt <= now)) return null;
      const user = await this.activeUser(record.userId);
      if (!user) return null;
      if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > 60_000) {
        await this.models.apiTokens.updateOne({ _id: record._id }, { $set: { lastUsedAt: now } });
      }
      return { actor: actorOf(user, 'token'), partner: record.partner ?? null, expiresAt: record.expiresAt ?? null };
    });
    return found ? { actor: found.actor, partner: found.partner } : null;
  }

  private async activeUser(id: string) {
    const user = await this.models.users.findById(id).lean();
    return user && user.active ? user : null;
  }

  private async assertMayTry(userKey: string, pairKey: string, knownKey: string, now: Date): Promise<void> {
    const records = await this.models.loginAttempts.find({ key: { $in: [userKey, pairKey, knownKey] } }).lean();
    const known = records.some((r) => r.key === knownKey && r.knownUntil && r.knownUntil > now);
    const waits = records
      .filter((r) => r.key === pairKey || (r.key === userKey && !known))
      .map((r) => r.waitUntil?.getTime() ?? 0)
      .filter((until) => until > now.getTime());
    if (waits.length === 0) return;
    const retryAfterSeconds = Math.ceil((Math.max(...waits) - now.getTime()) / 1000);
    throw new DomainError('LOGIN_THROTTLED', `Too many failed sign-ins; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }

  private async recordFailure(key: string, threshold: number, now: Date): Promise<void> {
    const attempts: Model<LoginAttempt> = this.models.loginAttempts;
    // Forgotten by the application's clock; the TTL index only clears old records away.
    await attempts.updateOne(
      { key, lastFailureAt: { $lte: new Date(now.getTime() - forgetFailuresMs) } },
      { $set: { failures: 0, waitUntil: null } },
    );
    // $inc is atomic, so concurrent failures each count.
    const updated = await attempts
      .findOneAndUpdate(
        { key },
        { $inc: { failures: 1 }, $set: { lastFailureAt: now }, $setOnInsert: { waitUntil: null, knownUntil: null }, $currentDate: { storedAt: true } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean();
    if (!updated || updated.failures < threshold) return;
    const waitMs = Math.min(2 ** Math.min(updated.failures - threshold, 30) * 1000, this.settings.lockMinutes * 60_000);
    await attempts.updateOne({ key }, { $max: { waitUntil: new Date(now.getTime() + waitMs) } });
  }
}
