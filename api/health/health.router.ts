import { Router } from 'express';
import { z } from 'zod';
import type { EndpointRegistry } from '../http/endpoint.js';
import { DomainError } from '../../core/platform/errors.js';

const health = z.object({ status: z.literal('ok'), database: z.enum(['up', 'down']).optional() }).meta({ id: 'Health' });

export function healthRouter(endpoints: EndpointRegistry, databaseAnswers: () => Promise<boolean>): Router {
  const router = Router();
  endpoints.mount(router, {
    method: 'get', path: '/healthz', summary: 'Liveness: the process serves HTTP', tags: ['operations'], auth: 'public', response: health,
    handle: async () => ({ status: 'ok' }),
  });
  endpoints.mount(router, {
    method: 'get', path: '/readyz', summary: 'Readiness: the database answers', tags: ['operations'], auth: 'public', errors: [503],
    response: health,
    async handle() {
      if (await databaseAnswers()) return { status: 'ok', database: 'up' };
      throw new DomainError('NOT_READY', 'The database does not answer.', { database: 'down' });
    },
  });
  return router;
}

