import { Router } from 'express';
import { z } from 'zod';
import type { Authentication } from '../../core/accounts/authentication.js';
import type { Users } from '../../core/accounts/users.js';
import { roles } from '../../core/accounts/roles.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { csrfHeader, sessionCookie, sessionCookieOptions } from '../http/authenticate.js';
import { email, idParams, line, objectId, phone, queryBoolean, version } from '../http/common-schemas.js';
import type { Clock } from '../../core/platform/clock.js';

const role = z.enum(roles);
const username = z.string().trim().toLowerCase().regex(/^[a-z0-9._-]{3,40}$/, 'must be 3–40 letters, digits, . _ or -');

export const userView = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    roles: z.array(role),
    departmentId: z.string().nullable(),
    active: z.boolean(),
    version: z.number(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'User' });

export const sessionView = z
  .object({ user: userView.pick({ id: true, username: true, roles: true, departmentId: true }).extend({ displayName: z.string().optional() }), csrfToken: z.string().nullable(), expiresAt: z.date().nullable() })
  .meta({ id: 'Session' });

const newUser = z.strictObject({
  username,
  displayName: line(80),
  password: z.string().min(1).max(200),
  roles: z.array(role).min(1).max(roles.length),
  departmentId: objectId.nullable().optional(),
  email: email.nullable().optional(),
  phone: phone.nullable().optional(),
});

const userChanges = z.strictObject({
  version,
  displayName: line(80).optional(),
  roles: z.array(role).min(1).max(roles.length).optional(),
  departmentId: objectId.nullable().optional(),
  email: email.nullable().optional(),
  phone: phone.nullable().optional(),
  active: z.boolean().optional(),
  password: z.string().min(1).max(200).optional(),
});

const tokenView = z
  .object({
    id: z.string(), name: z.string(), prefix: z.string(), expiresAt: z.date().nullable(), token: z.string().optional(),
    partner: z.string().nullable().meta({ description: "The partner an Open311 api_key was issued to; such a key serves only /open311/v2/" }),
  })
  .meta({ id: 'ApiToken' });

export interface AccountsDeps {
  authentication: Authentication;
  users: Users;
  clock: Clock;
  cookieSecure: boolean;
}

export function accountsRouter(endpoints: EndpointRegistry, deps: AccountsDeps): Router {
  const router = Router();
  const { authentication, users } = deps;

  endpoints.mount(router, {
    method: 'post', path: '/api/auth/login', summary: 'Sign in; sets the session cookie and returns the CSRF token', tags: ['accounts'],
    auth: 'public', errors: [401, 429],
    body: z.strictObject({ username: z.string().trim().min(1).max(80), password: z.string().min(1).max(200) }),
    response: sessionView,
    async handle({ body, req, res }) {
      const signedIn = await authentication.login({
        username: body.username, password: body.password, ip: req.ip ?? 'unknown', now: deps.clock.now(), requestId: req.requestId,
      });
      res.cookie(sessionCookie, signedIn.sessionToken, sessionCookieOptions(deps.cookieSecure, signedIn.expiresAt.getTime() - deps.clock.now().getTime()));
      const { _id, username: name, roles: userRoles, departmentId, displayName } = signedIn.user;
      return { user: { id: String(_id), username: name, roles: userRoles, departmentId, displayName }, csrfToken: signedIn.csrfToken, expiresAt: signedIn.expiresAt };
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/auth/logout', summary: 'Sign out and end the session', tags: ['accounts'], auth: 'user', status: 204,
    async handle({ req, res, actor }) {
      const token: unknown = req.cookies?.[sessionCookie];
      if (typeof token === 'string') await authentication.logout(token, actor, deps.clock.now(), req.requestId);
      res.clearCookie(sessionCookie, sessionCookieOptions(deps.cookieSecure));
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/auth/session', summary: `The signed-in user and the CSRF token to send in ${csrfHeader}`, tags: ['accounts'],
    auth: 'user', response: sessionView,
    async handle({ actor, req }) {
      const user = await users.get(actor, actor.userId).catch(() => null);
      return {
        user: { id: actor.userId, username: actor.username, roles: actor.roles, departmentId: actor.departmentId, displayName: user?.displayName },
        csrfToken: req.session?.csrfToken ?? null,
        expiresAt: req.session?.expiresAt ?? null,
      };
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/auth/password', summary: 'Change your own password (ends your other sessions)', tags: ['accounts'],
    auth: 'user', status: 204,
    body: z.strictObject({ currentPassword: z.string().min(1).max(200), newPassword: z.string().min(1).max(200) }),
    async handle({ ctx, body, req }) {
      // A Bearer-token caller has no session to keep: then every session ends.
      const session: unknown = ctx.actor.via === 'session' ? req.cookies?.[sessionCookie] : null;
      await users.changeOwnPassword(ctx, body.currentPassword, body.newPassword, typeof session === 'string' ? session : null);
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/users', summary: 'Users (department heads see their own departments only)', tags: ['accounts'],
    auth: 'user', errors: [403],
    query: z.strictObject({ role: role.optional(), departmentId: objectId.optional(), active: queryBoolean.optional() }),
    response: z.object({ items: z.array(userView) }),
    async handle({ actor, query }) {
      return { items: await users.list(actor, query) };
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/users', summary: 'Create a user', tags: ['accounts'], auth: 'user', status: 201,
    errors: [403, 409], body: newUser, response: userView,
    handle: ({ ctx, body }) => users.create(ctx, body),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/users/:id', summary: 'One user', tags: ['accounts'], auth: 'user', errors: [403, 404],
    params: idParams, response: userView,
    handle: ({ actor, params }) => users.get(actor, params.id),
  });

  endpoints.mount(router, {
    method: 'patch', path: '/api/users/:id', summary: 'Change a user (roles, department, active, password reset)', tags: ['accounts'],
    auth: 'user', errors: [403, 404, 409], params: idParams, body: userChanges, response: userView,
    handle: ({ ctx, params, body }) => users.update(ctx, params.id, body),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/users/:id/tokens', summary: "A user's API tokens (never the secrets)", tags: ['accounts'],
    auth: 'user', errors: [403], params: idParams, response: z.object({ items: z.array(tokenView) }),
    async handle({ actor, params }) {
      return { items: await users.listTokens(actor, params.id) };
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/users/:id/tokens', summary: 'Issue an API token acting as this user; the secret is shown once', tags: ['accounts'],
    auth: 'user', status: 201, errors: [403, 404], params: idParams,
    body: z.strictObject({
      name: z.string().trim().min(1).max(80),
      expiresInDays: z.number().int().min(1).max(3650).optional(),
      partner: line(80).nullable().optional().meta({ description: "Issue an Open311 api_key for this partner organisation (it then serves only /open311/v2/, acting as this user for intake)" }),
    }),
    response: tokenView,
    handle: ({ ctx, params, body }) => users.issueToken(ctx, params.id, body),
  });

  endpoints.mount(router, {
    method: 'delete', path: '/api/tokens/:id', summary: 'Revoke an API token', tags: ['accounts'], auth: 'user', status: 204,
    errors: [403, 404], params: idParams,
    handle: ({ ctx, params }) => users.revokeToken(ctx, params.id),
  });

  return router;
}
