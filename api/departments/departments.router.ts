import { Router } from 'express';
import { z } from 'zod';
import { departmentKinds } from '../../core/departments/department.js';
import type { Departments } from '../../core/departments/departments.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { email, idParams, line, objectId, phone, queryBoolean, version } from '../http/common-schemas.js';

const kind = z.enum(departmentKinds);
const code = z.string().trim().regex(/^[A-Za-z0-9_-]{2,40}$/, 'must be 2–40 letters, digits, _ or -');
const contacts = z.strictObject({ emails: z.array(email).max(20).optional(), phone: phone.nullable().optional() });

export const departmentView = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    nameEn: z.string().nullable(),
    kind,
    parentId: z.string().nullable(),
    ancestors: z.array(z.string()),
    contacts: z.object({ emails: z.array(z.string()), phone: z.string().nullable() }),
    active: z.boolean(),
    version: z.number(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Department' });

const departmentInput = z.strictObject({
  code,
  name: line(80),
  nameEn: line(120).nullable().optional(),
  kind,
  parentId: objectId.nullable().optional(),
  contacts: contacts.optional(),
  active: z.boolean().optional(),
});

const departmentChanges = departmentInput.partial().extend({ version });

const importRow = z.strictObject({
  code,
  name: line(80),
  nameEn: line(120).nullable().optional(),
  kind,
  parentCode: code.nullable().optional(),
  emails: z.array(email).max(20).optional(),
  phone: phone.nullable().optional(),
});

export function departmentsRouter(endpoints: EndpointRegistry, departments: Departments): Router {
  const router = Router();

  endpoints.mount(router, {
    method: 'get', path: '/api/departments', summary: 'Departments, ordered by code (the tree via parentId/ancestors)', tags: ['departments'],
    auth: 'user',
    query: z.strictObject({ kind: kind.optional(), parentId: objectId.optional(), under: objectId.optional(), active: queryBoolean.optional() }),
    response: z.object({ items: z.array(departmentView) }),
    async handle({ actor, query }) {
      return { items: await departments.list(actor, query) };
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/departments', summary: 'Create a department', tags: ['departments'], auth: 'user', status: 201,
    errors: [403, 409], body: departmentInput, response: departmentView,
    handle: ({ ctx, body }) => departments.create(ctx, body),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/departments/import', summary: 'Create or update departments by code, parents first', tags: ['departments'],
    auth: 'user', errors: [403], body: z.strictObject({ departments: z.array(importRow).min(1).max(5000) }),
    response: z.object({ created: z.number(), updated: z.number() }),
    handle: ({ ctx, body }) => departments.import(ctx, body.departments),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/departments/:id', summary: 'One department', tags: ['departments'], auth: 'user', errors: [404],
    params: idParams, response: departmentView,
    handle: ({ actor, params }) => departments.get(actor, params.id),
  });

  endpoints.mount(router, {
    method: 'patch', path: '/api/departments/:id',
    summary: 'Change a department (administrators: anything; department heads: contacts of their own departments)',
    tags: ['departments'], auth: 'user', errors: [403, 404, 409], params: idParams, body: departmentChanges, response: departmentView,
    handle: ({ ctx, params, body }) => departments.update(ctx, params.id, body),
  });

  endpoints.mount(router, {
    method: 'delete', path: '/api/departments/:id', summary: 'Delete an unused department', tags: ['departments'], auth: 'user',
    status: 204, errors: [403, 404, 409], params: idParams,
    handle: ({ ctx, params }) => departments.remove(ctx, params.id),
  });

  return router;
}
