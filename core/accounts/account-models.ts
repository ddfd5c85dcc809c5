import { Schema, type Connection } from 'mongoose';
import { defineModel } from '../platform/database.js';
import { roles, type Role } from './roles.js';

export interface User {
  username: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  passwordHash: string;
  roles: Role[];
  departmentId: string | null;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Session {
  tokenHash: string;
  userId: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Enforced by the application on every request. */
  expiresAt: Date;
  /**
   * When the database stored the session, by its own clock: the TTL index removes the record a
   * while after any session can have expired. Not `expiresAt`, which follows the application's
   * clock (a test's fixed clock, or a server whose clock is off).
   */
  storedAt?: Date;
}

/** Longer than the longest session (`SESSION_TTL_HOURS` is at most 30 days). */
export const sessionRetentionSeconds = 31 * 86_400;

export interface ApiToken {
  name: string;
  tokenHash: string;
  /** The first characters, so an administrator can tell tokens apart without seeing them. */
  prefix: string;
  userId: string;
  /**
   * The partner organisation an Open311 `api_key` is issued to (a city app, a district's own
   * system). Such a token serves only the Open311 API, never as a Bearer token for the rest.
   */
  partner: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface LoginAttempt {
  /**
   * `user:["<name>"]` counts failures for a user name from anywhere, `pair:["<name>","<address>"]`
   * from one address; `known:["<name>","<address>"]` marks an address the user signed in from.
   */
  key: string;
  failures: number;
  /** A day without a failure forgets them. */
  lastFailureAt: Date | null;
  /** Attempts before this are refused without looking at the password. */
  waitUntil: Date | null;
  /** How long a `known:` address stays known. */
  knownUntil: Date | null;
  /** The last write, by the database's clock: the TTL index removes the record a retention after it. */
  storedAt?: Date;
}

/** Longer than anything a record decides: failures count for a day, addresses stay known 30 days. */
export const loginAttemptRetentionSeconds = 31 * 86_400;

const userSchema = new Schema<User>(
  {
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    email: { type: String, default: null },
    phone: { type: String, default: null },
    passwordHash: { type: String, required: true },
    roles: { type: [String], enum: roles, required: true },
    departmentId: { type: String, default: null },
    active: { type: Boolean, default: true },
    version: { type: Number, default: 1 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'users' },
);
userSchema.index({ username: 1 }, { unique: true });
userSchema.index({ departmentId: 1 });

const sessionSchema = new Schema<Session>(
  {
    tokenHash: { type: String, required: true },
    userId: { type: String, required: true },
    csrfToken: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    storedAt: { type: Date },
  },
  { versionKey: false, collection: 'sessions' },
);
sessionSchema.index({ tokenHash: 1 }, { unique: true });
sessionSchema.index({ storedAt: 1 }, { expireAfterSeconds: sessionRetentionSeconds });
sessionSchema.index({ userId: 1 });

const apiTokenSchema = new Schema<ApiToken>(
  {
    name: { type: String, required: true },
    tokenHash: { type: String, required: true },
    prefix: { type: String, required: true },
    userId: { type: String, required: true },
    partner: { type: String, default: null },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null },
    lastUsedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'api_tokens' },
);
apiTokenSchema.index({ tokenHash: 1 }, { unique: true });
apiTokenSchema.index({ userId: 1 });

const loginAttemptSchema = new Schema<LoginAttempt>(
  {
    key: { type: String, required: true },
    failures: { type: Number, default: 0 },
    lastFailureAt: { type: Date, default: null },
    waitUntil: { type: Date, default: null },
    knownUntil: { type: Date, default: null },
    storedAt: { type: Date },
  },
  { versionKey: false, collection: 'login_attempts' },
);
loginAttemptSchema.index({ key: 1 }, { unique: true });
loginAttemptSchema.index({ storedAt: 1 }, { expireAfterSeconds: loginAttemptRetentionSeconds });

export function accountModels(connection: Connection) {
  return {
    users: defineModel(connection, 'User', userSchema),
    sessions: defineModel(connection, 'Session', sessionSchema),
    apiTokens: defineModel(connection, 'ApiToken', apiTokenSchema),
    loginAttempts: defineModel(connection, 'LoginAttempt', loginAttemptSchema),
  };
}
export type AccountModels = ReturnType<typeof accountModels>;
