import type { Model } from 'mongoose';
import type { AuditLog } from '../audit/audit.js';
import { DomainError } from '../platform/errors.js';
import type { Actor } from './access.js';
import type { AccountModels, LoginAttempt, User } from './account-models.js';
import { verifyPassword } from './passwords.js';
import { hashToken, newSecret } from './secrets.js';

export interface AuthenticationSettings {
  sessionTtlHours: number;
  maxFailures: number;
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

/**
 * Sign-in with throttling per user name and per client address. Offices share addresses, so the
 * address limit is several times the user limit.
 */
export class Authentication {
  constructor(
    private readonly models: AccountModels,
    private readonly audit: AuditLog,
    private readonly settings: AuthenticationSettings,
  ) {}

  async login(input: { username: string; password: string; ip: string; now: Date; requestId?: string | null }): Promise<SignedIn> {
    const { now } = input;
    const username = input.username.trim().toLowerCase();
    const keys = [`user:${username}`, `ip:${input.ip}`];
    await this.assertNotLocked(keys, now);

    const user = await this.models.users.findOne({ username }).lean();
    const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
    if (!user || !ok || !user.active) {
      await this.recordFailure(keys[0]!, this.settings.maxFailures, now);
      await this.recordFailure(keys[1]!, this.settings.maxFailures * 4, now);
      await this.audit.record(
        { actor: { userId: user ? String(user._id) : '', username, roles: [], departmentId: null, via: 'session' }, now, requestId: input.requestId },
        'session.login_failed',
        { type: 'user', id: user ? String(user._id) : null },
        { ip: input.ip },
      );
      throw invalidCredentials();
    }

    await this.models.loginAttempts.deleteOne({ key: keys[0] });
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
    await this.audit.record({ actor, now, requestId }, 'session.logout', { type: 'user', id: actor.userId });
  }

  /** Resolves a browser session; expired sessions are refused here, whatever the purge job has done. */
  async sessionActor(sessionToken: string, now: Date): Promise<{ actor: Actor; csrfToken: string; expiresAt: Date } | null> {
    const session = await this.models.sessions.findOne({ tokenHash: hashToken(sessionToken) }).lean();
    if (!session || session.expiresAt <= now) return null;
    const user = await this.activeUser(session.userId);
    if (!user) return null;
    // Touch at most once a minute: a write per request would double the load of every read.
    if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
      await this.models.sessions.updateOne({ _id: session._id }, { $set: { lastSeenAt: now } });
    }
    return { actor: actorOf(user, 'session'), csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }

  async tokenActor(token: string, now: Date): Promise<Actor | null> {
    if (!token.startsWith(apiTokenPrefix)) return null;
    const record = await this.models.apiTokens.findOne({ tokenHash: hashToken(token) }).lean();
    if (!record || record.revokedAt || (record.expiresAt && record.expiresAt <= now)) return null;
    const user = await this.activeUser(record.userId);
    if (!user) return null;
    if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > 60_000) {
      await this.models.apiTokens.updateOne({ _id: record._id }, { $set: { lastUsedAt: now } });
    }
    return actorOf(user, 'token');
  }

  private async activeUser(id: string) {
    const user = await this.models.users.findById(id).lean();
    return user && user.active ? user : null;
  }

  private async assertNotLocked(keys: string[], now: Date): Promise<void> {
    const locked = await this.models.loginAttempts.find({ key: { $in: keys }, lockedUntil: { $gt: now } }).lean();
    if (locked.length === 0) return;
    const until = Math.max(...locked.map((l) => l.lockedUntil!.getTime()));
    const retryAfterSeconds = Math.ceil((until - now.getTime()) / 1000);
    throw new DomainError('LOGIN_THROTTLED', `Too many failed sign-ins; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`, {
      retryAfterSeconds,
    });
  }

  private async recordFailure(key: string, max: number, now: Date): Promise<void> {
    const windowMs = this.settings.lockMinutes * 60_000;
    const attempts: Model<LoginAttempt> = this.models.loginAttempts;
    const windowOpen = new Date(now.getTime() - windowMs);
    // A failure outside the window starts a new one; the $inc path is atomic for concurrent failures.
    await attempts.updateOne(
      { key, windowStartedAt: { $lte: windowOpen } },
      { $set: { failures: 0, windowStartedAt: now, lockedUntil: null } },
    );
    const updated = await attempts
      .findOneAndUpdate(
        { key },
        { $inc: { failures: 1 }, $setOnInsert: { windowStartedAt: now, lockedUntil: null } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean();
    if (updated && updated.failures >= max) {
      await attempts.updateOne({ key }, { $set: { lockedUntil: new Date(now.getTime() + windowMs) } });
    }
  }
}
