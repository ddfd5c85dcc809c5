import { Router } from 'express';
import { z } from 'zod';
import { articleStatuses } from '../../core/knowledge/knowledge-article.js';
import type { KnowledgeBase } from '../../core/knowledge/knowledge-base.js';
import type { Clock } from '../../core/platform/clock.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { idParams, instant, line, objectId, queryBoolean, version } from '../http/common-schemas.js';

const status = z.enum(articleStatuses);

export const articleView = z
  .object({
    id: z.string(),
    question: z.string(),
    answer: z.string(),
    categoryId: z.string().nullable(),
    departmentId: z.string(),
    reviewDueAt: z.date(),
    reviewedAt: z.date().nullable(),
    status,
    version: z.number(),
    createdAt: z.date(),
    updatedAt: z.date(),
    createdBy: z.string().nullable(),
  })
  .meta({ id: 'KnowledgeArticle' });

const articleInput = z.strictObject({
  question: line(300),
  answer: z.string().trim().min(1).max(20_000),
  categoryId: objectId.nullable().optional(),
  departmentId: objectId.meta({ description: 'The department that owns the answer' }),
  status: z.enum(['draft', 'published']).optional().meta({ description: 'draft by default; archive with POST …/archive' }),
  reviewDueAt: instant.optional().meta({ description: 'When the department must check the answer again; 180 days by default' }),
});

const items = z.object({ items: z.array(articleView) });

export function knowledgeRouter(endpoints: EndpointRegistry, knowledge: KnowledgeBase, clock: Clock): Router {
  const router = Router();

  endpoints.mount(router, {
    method: 'get', path: '/api/knowledge',
    summary: 'Knowledge articles, most recently changed first (operators see published ones only)', tags: ['knowledge'], auth: 'user',
    query: z.strictObject({
      categoryId: objectId.optional(),
      departmentId: objectId.optional(),
      status: status.optional(),
      reviewOverdue: queryBoolean.optional().meta({ description: 'true: the review date has passed (archived articles excluded)' }),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    response: items,
    handle: async ({ ctx, query }) => ({ items: await knowledge.list(ctx, query) }),
  });

  // Before /:id, which would otherwise take "search" for an id.
  endpoints.mount(router, {
    method: 'get', path: '/api/knowledge/search',
    summary: 'Articles whose question or answer contain the words of q (Chinese is segmented), best match first', tags: ['knowledge'],
    auth: 'user',
    query: z.strictObject({ q: z.string().trim().min(1).max(200), limit: z.coerce.number().int().min(1).max(50).default(10) }),
    response: items,
    handle: async ({ actor, query }) => ({ items: await knowledge.search(actor, query.q, query.limit, clock.now()) }),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/knowledge/:id', summary: 'One article', tags: ['knowledge'], auth: 'user', errors: [403, 404],
    params: idParams, response: articleView,
    handle: ({ actor, params }) => knowledge.get(actor, params.id),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/knowledge', summary: 'Write an article for a department you manage', tags: ['knowledge'], auth: 'user',
    status: 201, errors: [403], body: articleInput, response: articleView,
    handle: ({ ctx, body }) => knowledge.create(ctx, body),
  });

  endpoints.mount(router, {
    method: 'patch', path: '/api/knowledge/:id', summary: 'Change an article (publish it with status: published)', tags: ['knowledge'],
    auth: 'user', errors: [403, 404, 409], params: idParams, body: articleInput.partial().extend({ version }), response: articleView,
    handle: ({ ctx, params, body }) => knowledge.update(ctx, params.id, body),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/knowledge/:id/review', summary: 'Confirm the answer still holds; the next review is due in `days`',
    tags: ['knowledge'], auth: 'user', errors: [403, 404, 409], params: idParams,
    body: z.strictObject({ version, days: z.number().int().min(1).max(730).optional().meta({ description: '180 by default' }) }),
    response: articleView,
    handle: ({ ctx, params, body }) => knowledge.markReviewed(ctx, params.id, body),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/knowledge/:id/archive', summary: 'Withdraw an article from the operators', tags: ['knowledge'],
    auth: 'user', errors: [403, 404, 409], params: idParams, body: z.strictObject({ version }), response: articleView,
    handle: ({ ctx, params, body }) => knowledge.archive(ctx, params.id, body),
  });

  return router;
}
