import { createHmac } from 'node:crypto';

/**
 * Short-lived SIP credentials that Kamailio's `auth_ephemeral` module checks without a database:
 * username `<expiry-unix-seconds>:<sip user>` (the module's default `username_format` 1) and
 * password base64(HMAC-SHA1(secret, username)) (its default `sha_algorithm` 0). Kamailio accepts
 * them while its clock is at or before the expiry second, and only for the SIP user named in them
 * (it compares the part after the colon with the From/To user).
 */
export interface SipCredentials {
  username: string;
  password: string;
  expiresAt: Date;
}

export interface IssueSipCredentialsInput {
  /** The SIP user part the holder may register and call as, e.g. from `sipUserFor`. */
  user: string;
  secret: string;
  now: Date;
  ttlSeconds: number;
}

/** Characters Kamailio and sip.js both carry unescaped in a SIP URI's user part and a digest username. */
const SIP_USER = /^[A-Za-z0-9._~+-]{1,64}$/;

export function issueSipCredentials({ user, secret, now, ttlSeconds }: IssueSipCredentialsInput): SipCredentials {
  if (!SIP_USER.test(user)) throw new RangeError(`not a usable SIP user: ${JSON.stringify(user)}`);
  if (!secret) throw new RangeError('the shared secret is empty');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  const expiry = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const username = `${expiry}:${user}`;
  const password = createHmac('sha1', secret).update(username).digest('base64');
  return { username, password, expiresAt: new Date(expiry * 1000) };
}

/**
 * Staff SIP users start with this prefix; Kamailio's configuration only puts users with it into the
 * ring-all fallback group, so credentials issued for anyone else (a citizen's web call, say) can
 * never receive hotline calls.
 */
export const STAFF_SIP_PREFIX = 'op-';

/**
 * The SIP user for a staff account. Names that are already SIP-safe stay readable (`op-zhang.wei`);
 * any other name (Chinese characters, spaces, …) becomes `op-~` and its UTF-8 bytes in hex — `~`
 * never occurs in a readable name, so the two forms cannot collide.
 */
export function sipUserFor(staffUsername: string): string {
  if (!staffUsername) throw new RangeError('staff username is empty');
  const readable = `${STAFF_SIP_PREFIX}${staffUsername}`;
  if (/^[A-Za-z0-9._-]+$/.test(staffUsername) && SIP_USER.test(readable)) return readable;
  const encoded = `${STAFF_SIP_PREFIX}~${Buffer.from(staffUsername, 'utf8').toString('hex')}`;
  if (!SIP_USER.test(encoded)) throw new RangeError('staff username is too long for a SIP user');
  return encoded;
}
