import type { Actor } from '../../core/accounts/access.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      requestId: string;
      actor?: Actor;
      /** Set when the actor came from a browser session: writes must echo its CSRF token. */
      session?: { csrfToken: string; expiresAt: Date };
    }
  }
}

export {};
