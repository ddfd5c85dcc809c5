import type { RequestHandler } from 'express';
import type { Clock } from '../../core/platform/clock.js';
import { DomainError } from '../../core/platform/errors.js';

/**
 * A fixed-window limit per client address, in this process's memory. Behind several API
 * processes each keeps its own count, so the effective limit is `max` × processes; the public
 * form needs a brake against floods, not an exact quota.
 */
export function rateLimit(options: { windowMs: number; max: number; clock: Clock; name: string }): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return (req, res, next) => {
    const now = options.clock.now().getTime();
    const key = req.ip ?? 'unknown';
    let window = windows.get(key);
    if (!window || now - window.start >= options.windowMs) {
      if (windows.size > 100_000) windows.clear();
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    res.setHeader('RateLimit-Limit', String(options.max));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, options.max - window.count)));
    if (window.count > options.max) {
      const retryAfterSeconds = Math.ceil((window.start + options.windowMs - now) / 1000);
      throw new DomainError('RATE_LIMITED', `Too many requests to ${options.name}; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
    }
    next();
  };
}
