import { Router } from 'express';
import { z } from 'zod';
import { authorize } from '../../core/accounts/access.js';
import type { AuditLog } from '../../core/audit/audit.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { instant } from '../http/common-schemas.js';

const auditEventView = z
  .object({
    id: z.string(),
    at: z.date(),
    actor: z.object({ userId: z.string().nullable(), username: z.string(), roles: z.array(z.string()), via: z.string().optional() }),
    action: z.string(),
    entity: z.object({ type: z.string(), id: z.string().nullable() }),
    changes: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string().nullable().optional(),
  })
  .meta({ id: 'AuditEvent' });

export function auditRouter(endpoints: EndpointRegistry, audit: AuditLog): Router {
  const router = Router();
  endpoints.mount(router, {
    method: 'get', path: '/api/audit', summary: 'The audit trail, newest first (page with `before`)', tags: ['audit'], auth: 'user',
    errors: [403],
    query: z.strictObject({
      entityType: z.string().max(40).optional(),
      entityId: z.string().max(40).optional(),
      action: z.string().max(60).optional(),
      before: instant.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    response: z.object({ items: z.array(auditEventView) }),
    async handle({ actor, query }) {
      authorize(actor, 'audit.read');
      return { items: await audit.list(query) };
    },
  });
  return router;
}
