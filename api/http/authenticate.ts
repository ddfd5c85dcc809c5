import type { CookieOptions, RequestHandler } from 'express';
import type { Authentication } from '../../core/accounts/authentication.js';
import type { Clock } from '../../core/platform/clock.js';
import { DomainError } from '../../core/platform/errors.js';

export const sessionCookie = 'h12345_session';
export const csrfHeader = 'x-csrf-token';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** maxAge, not an absolute expiry: the browser's clock need not agree with ours. */
export function sessionCookieOptions(secure: boolean, maxAgeMs?: number): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/', ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) };
}

/**
 * Resolves the actor from a Bearer token (integrations) or the session cookie (browsers).
 * Cookie-authenticated writes must echo the session's CSRF token in a header: another site can
 * make the browser send the cookie, but cannot read the token.
 */
export function authenticate(authentication: Authentication, clock: Clock): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header?.startsWith('Bearer ')) {
      const actor = await authentication.tokenActor(header.slice(7).trim(), clock.now());
      if (!actor) throw new DomainError('UNAUTHENTICATED', 'The API token is unknown, revoked or expired.');
      req.actor = actor;
      return next();
    }
    const token: unknown = req.cookies?.[sessionCookie];
    if (typeof token === 'string' && token) {
      const session = await authentication.sessionActor(token, clock.now());
      if (session) {
        req.actor = session.actor;
        req.session = { csrfToken: session.csrfToken, expiresAt: session.expiresAt };
        if (!safeMethods.has(req.method) && req.get(csrfHeader) !== session.csrfToken) {
          throw new DomainError('CSRF_FAILED', `Send the session's CSRF token in the ${csrfHeader} header.`);
        }
      }
    }
    next();
  };
}
