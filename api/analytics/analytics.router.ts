import { Router } from 'express';
import { z } from 'zod';
import { authorize, listScope } from '../../core/accounts/access.js';
import type { MonthlyRanking } from '../../core/analytics/monthly-ranking.js';
import type { Department } from '../../core/departments/department.js';
import type { Model } from 'mongoose';
import type { EndpointRegistry } from '../http/endpoint.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const rate = z.number().nullable();

export function analyticsRouter(endpoints: EndpointRegistry, deps: { ranking: MonthlyRanking; departments: Model<Department> }): Router {
  const router = Router();
  endpoints.mount(router, {
    method: 'get', path: '/api/analytics/ranking', summary: '三率与综合得分：response, resolution and satisfaction rates per department for a period, ranked',
    tags: ['analytics'], auth: 'user', errors: [403],
    query: z.strictObject({ from: day, to: day }).refine((q) => q.from <= q.to, { message: 'must not be after to', path: ['from'] }),
    response: z.object({
      rows: z.array(z.object({ departmentId: z.string(), rank: z.number(), rates: z.object({ response: rate, resolution: rate, satisfaction: rate, onTimeReply: rate, closure: rate, composite: rate }), counters: z.record(z.string(), z.number()) })),
      top: z.array(z.string()),
      bottom: z.array(z.string()),
    }),
    async handle({ actor, query }) {
      authorize(actor, 'analytics.read');
      const { ranking } = await deps.ranking.compute(query.from, query.to);
      const scope = listScope(actor, 'analytics.read');
      let rows = ranking.rows;
      if ('departmentId' in scope) {
        const below = await deps.departments.find({ ancestors: scope.departmentId }, { _id: 1 }).lean();
        const visible = new Set([scope.departmentId, ...below.map((d) => String(d._id))]);
        rows = rows.filter((r) => visible.has(r.departmentId));
      }
      return { rows, top: ranking.top.map((r) => r.departmentId), bottom: ranking.bottom.map((r) => r.departmentId) };
    },
  });
  return router;
}
