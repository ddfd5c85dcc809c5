import { Router } from 'express';
import { z } from 'zod';
import type { Categories } from '../../core/categories/categories.js';
import { parseCsv } from '../../core/platform/csv.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { idParams, line, objectId, queryBoolean, version } from '../http/common-schemas.js';
import { LIMIT_UNITS, REQUEST_TYPES } from '../../core/clocks/index.js';
import type { Clock } from '../../core/platform/clock.js';
import { rateLimit } from '../http/rate-limit.js';

export const categoryView = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    nameEn: z.string().nullable(),
    level: z.number(),
    parentId: z.string().nullable(),
    ancestors: z.array(z.string()),
    path: z.string(),
    defaultDepartmentId: z.string().nullable(),
    complex: z.boolean(),
    limits: z.record(z.string(), z.unknown()).nullable(),
    active: z.boolean(),
    version: z.number(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Category' });

const name = line(60).refine((v) => !v.includes('›'), 'must not contain ›');

const categoryInput = z.strictObject({
  name,
  nameEn: line(120).nullable().optional(),
  parentId: objectId.nullable().optional(),
  defaultDepartmentId: objectId.nullable().optional(),
  complex: z.boolean().optional(),
  active: z.boolean().optional(),
});

const limit = z.strictObject({ amount: z.number().positive().max(100_000), unit: z.enum(LIMIT_UNITS) });
const perType = z.strictObject(Object.fromEntries(REQUEST_TYPES.map((t) => [t, limit.optional()])) as Record<(typeof REQUEST_TYPES)[number], z.ZodOptional<typeof limit>>);
const limitOverrides = z.strictObject({
  dispatch: limit.optional(),
  accept: z.strictObject({ normal: limit.optional(), urgent: limit.optional() }).optional(),
  reply: z.strictObject({ urgent: limit.optional(), normal: perType.optional() }).optional(),
  callback: limit.optional(),
});

const categoryChanges = z.strictObject({
  version,
  limits: limitOverrides.nullable().optional().meta({ description: 'This category\'s own time limits (and its sub-categories\'), each replacing the default' }),
  name: name.optional(),
  nameEn: line(120).nullable().optional(),
  defaultDepartmentId: objectId.nullable().optional(),
  complex: z.boolean().optional(),
  active: z.boolean().optional(),
});

const taxonomyImport = z
  .strictObject({
    csv: z.string().min(1).max(2_000_000).optional().meta({ description: 'CSV with a header line; columns: level 1, level 2, level 3 names' }),
    rows: z.array(z.array(line(60)).min(1).max(3)).min(1).max(20000).optional(),
  })
  .refine((body) => (body.csv === undefined) !== (body.rows === undefined), { message: 'send either csv or rows', path: ['csv'] });

export function categoriesRouter(endpoints: EndpointRegistry, categories: Categories): Router {
  const router = Router();

  endpoints.mount(router, {
    method: 'get', path: '/api/categories', summary: 'The category tree, ordered by code', tags: ['categories'], auth: 'user',
    query: z.strictObject({ level: z.enum(['1', '2', '3']).transform(Number).optional(), parentId: objectId.optional(), under: objectId.optional(), active: queryBoolean.optional() }),
    response: z.object({ items: z.array(categoryView) }),
    async handle({ actor, query }) {
      return { items: await categories.list(actor, query) };
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/categories', summary: 'Create a category', tags: ['categories'], auth: 'user', status: 201,
    errors: [403, 409], body: categoryInput, response: categoryView,
    handle: ({ ctx, body }) => categories.create(ctx, body),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/categories/import', summary: 'Add the missing nodes of a three-level taxonomy (CSV or rows)', tags: ['categories'],
    auth: 'user', errors: [403], body: taxonomyImport, response: z.object({ created: z.number(), existing: z.number() }),
    handle: ({ ctx, body }) => categories.importTaxonomy(ctx, body.csv !== undefined ? parseCsv(body.csv).slice(1) : (body.rows ?? [])),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/categories/:id', summary: 'One category', tags: ['categories'], auth: 'user', errors: [404],
    params: idParams, response: categoryView,
    handle: ({ actor, params }) => categories.get(actor, params.id),
  });

  endpoints.mount(router, {
    method: 'patch', path: '/api/categories/:id', summary: 'Change a category (name, default department, complexity, active)',
    tags: ['categories'], auth: 'user', errors: [403, 404, 409], params: idParams, body: categoryChanges, response: categoryView,
    handle: ({ ctx, params, body }) => categories.update(ctx, params.id, body),
  });

  endpoints.mount(router, {
    method: 'delete', path: '/api/categories/:id', summary: 'Delete a leaf category', tags: ['categories'], auth: 'user', status: 204,
    errors: [403, 404, 409], params: idParams,
    handle: ({ ctx, params }) => categories.remove(ctx, params.id),
  });

  return router;
}

const publicCategory = z
  .object({ id: z.string(), name: z.string(), nameEn: z.string().nullable(), level: z.number(), parentId: z.string().nullable() })
  .meta({ id: 'PublicCategory' });

/** The category tree for the citizen portal's picker: no sign-in, names only. */
export function publicCategoriesRouter(endpoints: EndpointRegistry, deps: { categories: Categories; clock: Clock }): Router {
  const router = Router();
  // A page load asks once (and the browser caches it): a client asking more often is a flood.
  const limit = rateLimit({ windowMs: 60_000, max: 60, clock: deps.clock, name: 'the category tree' });
  endpoints.mount(router, {
    method: 'get', path: '/api/public/categories', summary: '诉求分类：the active category tree for the web form (no sign-in; cacheable; rate-limited)', tags: ['public'],
    auth: 'public', errors: [429], response: z.object({ items: z.array(publicCategory) }),
    async handle({ res }) {
      // The tree changes a few times a year; five minutes of staleness costs nothing and spares the database every page load.
      res.setHeader('Cache-Control', 'public, max-age=300');
      return { items: await deps.categories.publicTree() };
    },
  }, limit);
  return router;
}
