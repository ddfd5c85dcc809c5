import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../core/platform/logger.js';
import type { HttpMetrics } from './metrics.js';

const acceptableId = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Request id (accepted from a trusted proxy's header when well-formed), access log and metrics.
 * Logs name the route pattern, never the URL: query strings can carry phone numbers.
 */
export function requestContext(logger: Logger, metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && acceptableId.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      metrics.observe(req.method, route, res.statusCode, seconds);
      logger.info(
        { requestId: req.requestId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000), userId: req.actor?.userId },
        'request',
      );
    });
    next();
  };
}
