import { Router } from 'express';
import { z } from 'zod';
import { day } from '../http/common-schemas.js';
import { authorize, listScope } from '../../core/accounts/access.js';
import type { Dashboard } from '../../core/analytics/dashboard.js';
import { longestPeriodDays } from '../../core/analytics/dashboard.js';
import type { MonthlyRanking } from '../../core/analytics/monthly-ranking.js';
import type { DepartmentRepository } from '../../core/departments/department.repository.js';
import type { EndpointRegistry } from '../http/endpoint.js';

const rate = z.number().nullable();
const rates = z.object({ response: rate, resolution: rate, satisfaction: rate, onTimeReply: rate, closure: rate, composite: rate });
const period = z.object({ from: day, to: day });
const hotspot = z.object({
  key: z.string().meta({ description: 'Category id, street (department) id, or the word itself' }),
  label: z.string(),
  labelEn: z.string().nullable(),
  count: z.number().int().meta({ description: 'Tickets received in the period' }),
  previous: z.number().int().meta({ description: 'Tickets received in the previous period of equal length' }),
  rise: z.number().int(),
});

const dashboardResponse = z
  .object({
    period,
    previous: period.meta({ description: 'The period of equal length just before, which the hotspots compare with' }),
    today: day,
    intake: z
      .object({ day, total: z.number().int(), cells: z.array(z.object({ channel: z.string(), hour: z.number().int(), received: z.number().int() })) })
      .nullable()
      .meta({ description: "Today's intake by channel and China hour; null for a department head" }),
    dispatchQueue: z.object({ open: z.number().int(), overdue: z.number().int() }).nullable().meta({ description: 'Tickets waiting for dispatch now, and those of them with a red warning' }),
    departments: z.array(z.object({
      departmentId: z.string(),
      name: z.string(),
      nameEn: z.string().nullable(),
      open: z.number().int().meta({ description: 'Tickets in which the department has a part to accept or reply, now' }),
      overdue: z.number().int().meta({ description: 'Of those, the ones with a red warning' }),
      rank: z.number().int().meta({ description: 'By composite score over the period; 0: nothing to score' }),
      top: z.boolean(),
      bottom: z.boolean(),
      rates,
      counters: z.record(z.string(), z.number()),
    })),
    ranking: z.object({ top: z.array(z.string()), bottom: z.array(z.string()) }),
    hotspots: z.object({ categories: z.array(hotspot), streets: z.array(hotspot), words: z.array(hotspot) }).nullable(),
    operators: z
      .array(z.object({
        operatorId: z.string(), username: z.string().nullable(), answered: z.number().int(),
        averageAnswerSeconds: z.number(), averageHandleSeconds: z.number(), resolvedOnCallRate: z.number(),
      }))
      .nullable()
      .meta({ description: 'Operator figures over the period (an operator or dispatcher sees their own); null without telephony permissions' }),
  })
  .meta({ id: 'Dashboard' });

export function analyticsRouter(endpoints: EndpointRegistry, deps: { ranking: MonthlyRanking; dashboard: Dashboard; departments: DepartmentRepository }): Router {
  const router = Router();
  endpoints.mount(router, {
    method: 'get', path: '/api/analytics/dashboard',
    summary: '督办看板：today\'s intake by channel and hour, open and overdue per department, the three rates and the ranking for a period, rising hotspots, operator figures. Read from the roll-ups; the Server-Timing header gives the server time',
    tags: ['analytics'], auth: 'user', errors: [403],
    query: z
      .strictObject({ from: day, to: day })
      .refine((q) => q.from <= q.to, { message: 'must not be after to', path: ['from'] })
      .refine((q) => Date.parse(q.to) - Date.parse(q.from) < longestPeriodDays * 86_400_000, { message: `the period spans at most ${longestPeriodDays} days`, path: ['from'] }),
    response: dashboardResponse,
    async handle({ actor, query, ctx, res }) {
      const started = performance.now();
      const view = await deps.dashboard.read(actor, query, ctx.now);
      res.setHeader('Server-Timing', `dashboard;dur=${(performance.now() - started).toFixed(1)}`);
      return view;
    },
  });
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
      // Ranked city-wide, shown within the reader's scope: a department head learns their own
      // departments' places, not which others are best or worst.
      const visible = 'departmentId' in scope ? new Set([scope.departmentId, ...(await deps.departments.idsBelow(scope.departmentId))]) : null;
      const shown = (rows: { departmentId: string }[]) => rows.map((r) => r.departmentId).filter((id) => !visible || visible.has(id));
      return { rows: ranking.rows.filter((r) => !visible || visible.has(r.departmentId)), top: shown(ranking.top), bottom: shown(ranking.bottom) };
    },
  });
  return router;
}
