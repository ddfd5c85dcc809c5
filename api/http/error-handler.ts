import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../../core/platform/logger.js';
import { DomainError, isDomainError } from '../../core/platform/errors.js';
import { isDatabaseUnavailable } from '../../core/platform/database.js';
import { ValidationError } from './validation-error.js';

/** The only place that knows HTTP statuses for domain error codes. */
const statusByCode: Record<string, number> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  SIGNATURE_MISSING: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_EXPIRED: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  NOT_FOUND: 404,
  INBOUND_SMS_NOT_CONFIGURED: 404,
  VERSION_CONFLICT: 409,
  INVALID_TRANSITION: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  USERNAME_TAKEN: 409,
  DUPLICATE_CODE: 409,
  DUPLICATE_NAME: 409,
  DEPARTMENT_IN_USE: 409,
  CATEGORY_IN_USE: 409,
  TICKET_NOT_OPEN: 409,
  ATTACHMENTS_CLOSED: 409,
  ATTACHMENT_LIMIT_REACHED: 409,
  DELIVERY_NOT_DELIVERED: 409,
  API_KEY_INVALID: 403,
  PAYLOAD_TOO_LARGE: 413,
  ATTACHMENT_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ATTACHMENT_TYPE_REFUSED: 415,
  LOGIN_THROTTLED: 429,
  RATE_LIMITED: 429,
  NOT_READY: 503,
  DATABASE_UNAVAILABLE: 503,
};

/** While the database is away: clients wait this long, then retry (the driver reconnects by itself). */
const databaseRetryAfterSeconds = 5;

export function statusFor(error: DomainError): number {
  const mapped = statusByCode[error.code];
  if (mapped) return mapped;
  // A reference inside the request that points nowhere is bad input; in the path it is a 404.
  if (error.details?.field) return 400;
  if (error.code.endsWith('_NOT_FOUND')) return 404;
  return 400;
}

export const unknownRoute: RequestHandler = (req) => {
  throw new DomainError('NOT_FOUND', `No route ${req.method} ${req.path}.`);
};

/** Errors Express and its body parser raise for the client's bytes, before any handler runs. */
function fromExpress(err: { type?: string; status?: number }): DomainError | null {
  // The router decodes path parameters with decodeURIComponent; bytes that are not UTF-8 (or
  // encode a lone surrogate) are the client's mistake, not ours.
  if (err instanceof URIError) {
    return new ValidationError([{ field: 'path', in: 'path', message: 'is not valid percent-encoded UTF-8' }]);
  }
  if (err.type === 'entity.parse.failed') return new DomainError('INVALID_JSON', 'The request body is not valid JSON.', { field: 'body' });
  if (err.type === 'entity.too.large') return new DomainError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
    return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON in UTF-8.');
  }
  return null;
}

/** No database to talk to is an outage to wait out, not a bug: 503 with Retry-After, not 500. */
function fromDatabase(err: unknown): DomainError | null {
  if (!isDatabaseUnavailable(err)) return null;
  return new DomainError('DATABASE_UNAVAILABLE', 'The database does not answer; try again shortly.', { retryAfterSeconds: databaseRetryAfterSeconds });
}

/** The domain error an error stands for, or null for an untrusted one (a bug). */
export function knownError(err: unknown): DomainError | null {
  return isDomainError(err) ? err : fromExpress(err as { type?: string }) ?? fromDatabase(err);
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = knownError(err);
    if (!known) {
      // Untrusted error: full detail in the log, none to the client.
      logger.error({ err, requestId: req.requestId }, 'unhandled error');
      res.status(500).json({ error: { code: 'INTERNAL', message: 'Internal error; quote the request id when reporting it.', requestId: req.requestId } });
      return;
    }
    const status = statusFor(known);
    const retry = known.details?.retryAfterSeconds;
    if ((status === 429 || status === 503) && typeof retry === 'number') res.setHeader('Retry-After', String(retry));
    res.status(status).json({ error: { code: known.code, message: known.message, details: known.details, requestId: req.requestId } });
  };
}
