import { Router } from 'express';
import { z } from 'zod';
import type { EndpointRegistry } from '../http/endpoint.js';
import { DomainError } from '../../core/platform/errors.js';
import { checkDependencies, type DependencyCheck } from '../../core/platform/readiness.js';

const alive = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const ready = z
  .object({
    status: z.literal('ok'),
    /** database always; telephony when configured; mail and sms (the SMTP server, the SMS gateway). */
    dependencies: z.record(z.string(), z.enum(['up', 'down'])),
  })
  .meta({ id: 'Readiness' });

/** How long a client or balancer should wait before asking again while a dependency is down. */
export const readinessRetryAfterSeconds = 5;

export function healthRouter(endpoints: EndpointRegistry, dependencies: DependencyCheck[]): Router {
  const router = Router();
  endpoints.mount(router, {
    method: 'get', path: '/healthz', summary: 'Liveness: the process serves HTTP', tags: ['operations'], auth: 'public', response: alive,
    handle: async () => ({ status: 'ok' }),
  });
  endpoints.mount(router, {
    method: 'get', path: '/readyz', summary: 'Readiness: each dependency (database, telephony, mail, SMS) answers; 503 names those that do not', tags: ['operations'], auth: 'public', errors: [503],
    response: ready,
    async handle() {
      const states = await checkDependencies(dependencies);
      const down = Object.keys(states).filter((name) => states[name] === 'down');
      if (down.length === 0) return { status: 'ok', dependencies: states };
      throw new DomainError('NOT_READY', `Not ready: ${down.join(', ')} ${down.length === 1 ? 'does' : 'do'} not answer.`, {
        down,
        dependencies: states,
        retryAfterSeconds: readinessRetryAfterSeconds,
      });
    },
  });
  return router;
}
