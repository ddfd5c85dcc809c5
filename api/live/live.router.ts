import { Router, type Response } from 'express';
import type { Assigned, TicketFeed } from '../../core/tickets/ticket-feed.js';
import type { EndpointRegistry } from '../http/endpoint.js';

export interface LiveOptions {
  /** A comment line this often keeps proxies and the browser from closing an idle stream. */
  heartbeatMs?: number;
  /**
   * A stream ends after this long and the browser reconnects (EventSource does), signing in again
   * with its cookie: a session signed out or expired meanwhile stops receiving.
   */
  maxStreamMs?: number;
}

const event = (res: Response, name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

/** Server-sent events for the consoles: what the ticket feed finds, for this user only. */
export function liveRouter(endpoints: EndpointRegistry, feed: TicketFeed, options: LiveOptions = {}): Router {
  const router = Router();
  const { heartbeatMs = 20_000, maxStreamMs = 10 * 60_000 } = options;

  endpoints.mount(router, {
    method: 'get', path: '/api/live/tickets', tags: ['tickets'], auth: 'user',
    summary:
      'Live updates as `text/event-stream`: `ready` once subscribed (reload your lists then), `assigned` with the ticket row ' +
      'when a ticket is dispatched, re-dispatched or reopened to a department you may read, and comment heartbeats',
    async handle({ actor, res }) {
      // Subscribing first, so a failure still answers as a JSON error.
      const unsubscribe = await feed.subscribe(actor, (assigned: Assigned) => event(res, 'assigned', assigned));
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
      res.write('retry: 3000\n\n');
      event(res, 'ready', {});
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      const lifetime = setTimeout(() => res.end(), maxStreamMs);
      await new Promise<void>((resolve) => {
        res.on('close', () => {
          clearInterval(heartbeat);
          clearTimeout(lifetime);
          unsubscribe();
          resolve();
        });
      });
    },
  });

  return router;
}
