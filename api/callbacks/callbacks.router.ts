import { Router } from 'express';
import { z } from 'zod';
import type { Callbacks } from '../../core/callbacks/callbacks.js';
import type { Outbox } from '../../core/notifications/outbox.js';
import type { Clock } from '../../core/platform/clock.js';
import { satisfactions } from '../../core/tickets/ticket.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { rateLimit } from '../http/rate-limit.js';

const token = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'must be the token from the survey link') });

export function callbacksRouter(endpoints: EndpointRegistry, deps: { callbacks: Callbacks; outbox: Outbox; clock: Clock }): Router {
  const router = Router();
  endpoints.mount(router, {
    method: 'get', path: '/api/notifications/failures', summary: 'Notices given up on after their retries, newest first', tags: ['notifications'],
    auth: 'user', errors: [403],
    response: z.object({ items: z.array(z.object({ id: z.string(), template: z.string(), channel: z.string(), to: z.string(), attempts: z.number(), lastError: z.string().nullable() }).catchall(z.unknown())) }),
    async handle({ actor }) {
      return { items: await deps.outbox.failures(actor) };
    },
  });
  endpoints.mount(router, {
    method: 'get', path: '/api/callbacks/queue', summary: '回访队列：callbacks operators make by phone (no contact, or survey unanswered past the limit)',
    tags: ['callbacks'], auth: 'user', errors: [403],
    response: z.object({ items: z.array(z.object({ id: z.string(), number: z.string(), reason: z.enum(['no_contact', 'survey_unanswered']), callbackDueAt: z.date().nullable() }).catchall(z.unknown())) }),
    async handle({ actor }) {
      return { items: await deps.callbacks.queue(actor, deps.clock.now()) };
    },
  });
  return router;
}

/** The satisfaction survey behind the single-use link sent to the requester. */
export function publicSurveyRouter(endpoints: EndpointRegistry, deps: { callbacks: Callbacks; clock: Clock }): Router {
  const router = Router();
  const limit = rateLimit({ windowMs: 60_000, max: 30, clock: deps.clock, name: 'surveys' });
  endpoints.mount(router, {
    method: 'get', path: '/api/public/surveys/:token', summary: 'The ticket a survey link is about (number, subject, the reply)', tags: ['public'],
    auth: 'public', errors: [404, 429], params: token,
    response: z.object({ number: z.string(), subject: z.string(), reply: z.string().nullable(), expiresAt: z.date() }),
    handle: ({ params }) => deps.callbacks.survey(params.token, deps.clock.now()),
  }, limit);
  endpoints.mount(router, {
    method: 'post', path: '/api/public/surveys/:token', summary: '回访评价：resolved? satisfied / basically satisfied / dissatisfied; the link works once', tags: ['public'],
    auth: 'public', errors: [404, 429], params: token,
    body: z.strictObject({ resolved: z.boolean().nullable(), satisfaction: z.enum(satisfactions).nullable(), comment: z.string().trim().max(2000).nullable().optional() }),
    response: z.object({ number: z.string(), outcome: z.enum(['archived', 'reopened']) }),
    handle: ({ params, body }) => deps.callbacks.answerSurvey(params.token, body, deps.clock.now()),
  }, limit);
  return router;
}
