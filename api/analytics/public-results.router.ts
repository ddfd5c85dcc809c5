import { Router } from 'express';
import { z } from 'zod';
import type { PublicResults } from '../../core/analytics/public-results.js';
import { REQUEST_TYPES } from '../../core/clocks/index.js';
import type { Clock } from '../../core/platform/clock.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { rateLimit } from '../http/rate-limit.js';

const fraction = z.number().meta({ description: '0 … 1' });
const publicResultsView = z
  .object({
    enabled: z.boolean().meta({ description: 'false: the administrator publishes nothing; the lists are null' }),
    month: z.string().meta({ description: 'The month ranked, YYYY-MM: the one before the current China month' }),
    named: z.number().int().meta({ description: 'How many departments are praised and named at most' }),
    departments: z
      .array(z.object({
        rank: z.number().int(), department: z.string(), responseRate: fraction, resolutionRate: fraction, satisfactionRate: fraction, score: z.number(),
        praised: z.boolean(), named: z.boolean(),
      }))
      .nullable()
      .meta({ description: 'Null when the ranking is not published' }),
    tickets: z
      .array(z.object({
        closedOn: z.string(), requestType: z.enum(REQUEST_TYPES), category: z.string().nullable(), department: z.string().nullable(),
        summary: z.string().meta({ description: 'Subject and text with names, phone numbers, addresses and e-mail addresses masked' }),
        reply: z.string().nullable().meta({ description: "The department's reply, masked the same way; null when replies are not published" }),
      }))
      .nullable()
      .meta({ description: 'The latest archived tickets, never confidential ones nor reports; null when not published' }),
  })
  .meta({ id: 'PublicResults' });

/** 结果公示: the hotline's published results for the portal. */
export function publicResultsRouter(endpoints: EndpointRegistry, deps: { publicResults: PublicResults; clock: Clock }): Router {
  const router = Router();
  // A page load asks once: a client asking more often is a flood.
  const limit = rateLimit({ windowMs: 60_000, max: 60, clock: deps.clock, name: 'the published results' });
  endpoints.mount(router, {
    method: 'get', path: '/api/public/results', summary: '结果公示：last month\'s rates per department and the latest closed tickets, anonymised (no sign-in; cacheable; rate-limited)',
    tags: ['public'], auth: 'public', errors: [429], response: publicResultsView,
    async handle({ res }) {
      // The ranking changes once a month and the closed tickets by the minute: five minutes of staleness spares the database every page load.
      res.setHeader('Cache-Control', 'public, max-age=300');
      return deps.publicResults.read(deps.clock.now());
    },
  }, limit);
  return router;
}
