import type { Request, RequestHandler, Response, Router } from 'express';
import type { z} from 'zod';
import { type ZodType } from 'zod';
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Actor } from '../../core/accounts/access.js';
import type { ActionContext } from '../../core/audit/audit.js';
import { DomainError } from '../../core/platform/errors.js';
import type { Clock } from '../../core/platform/clock.js';
import { errorResponse } from './error-body.js';
import { cleanText } from './text.js';
import { ValidationError } from './validation-error.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodObject<z.ZodRawShape>;
type Out<S> = S extends ZodType ? z.output<S> : undefined;

export interface HandlerInput<P, Q, B, A, H = undefined> {
  headers: Out<H>;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  actor: A;
  /** Actor, time and request id for state-changing use cases. */
  ctx: A extends Actor ? ActionContext : undefined;
  req: Request;
  res: Response;
}

export interface Endpoint<
  P extends AnyObject | undefined,
  Q extends AnyObject | undefined,
  B extends ZodType | undefined,
  Auth extends 'public' | 'user',
  H extends AnyObject | undefined = undefined,
> {
  method: Method;
  /** Express syntax (`/api/users/:id`); converted for the OpenAPI document. */
  path: string;
  summary: string;
  tags: string[];
  auth: Auth;
  /** Only the headers the endpoint reads; others pass through unchecked. */
  headers?: H;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status: 200 by default, 201 for creations, 204 for no content. */
  status?: 200 | 201 | 202 | 204;
  response?: ZodType;
  /** The body is a file's bytes as they are (a middleware reads them into `req.body`), documented as binary. */
  fileBody?: boolean;
  /** The success answer is a file of one of these types instead of JSON. */
  fileResponse?: readonly string[];
  /** Error statuses this endpoint can answer besides 400/401/500. */
  errors?: number[];
  handle(input: HandlerInput<P, Q, B, Auth extends 'user' ? Actor : Actor | null, H>): Promise<unknown>;
}

const errorStatusText: Record<number, string> = {
  400: 'Invalid input: the message names each field',
  401: 'Not signed in',
  403: 'Not allowed for this role or department, or CSRF token missing',
  404: 'Not found',
  409: 'Conflict with the current state or version',
  413: 'Request body too large',
  415: 'Unsupported type of content',
  429: 'Too many requests',
  500: 'Internal error (request id in the body)',
  503: 'A dependency does not answer (NOT_READY, DATABASE_UNAVAILABLE); retry after Retry-After seconds',
};

/** Validates one part of a request against its schema; VALIDATION_FAILED names each field. */
export function check<S extends ZodType>(schema: S | undefined, value: unknown, where: 'headers' | 'params' | 'query' | 'body') {
  if (!schema) return undefined;
  const given = value ?? (where === 'body' ? undefined : {});
  const result = schema.safeParse(where === 'headers' ? given : cleanText(given, where));
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => {
      const path = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: [...path, key].join('.'), in: where, message: 'is not a known field' }));
      }
      const message = issue.code === 'invalid_type' && / received undefined$/.test(issue.message) ? 'is required' : issue.message;
      return [{ field: path.length ? path.join('.') : where, in: where, message }];
    }),
  );
}

/**
 * Mounts an endpoint and documents it from the same zod schemas, so the OpenAPI document can
 * never list a route that does not exist or miss one that does.
 */
export class EndpointRegistry {
  constructor(
    readonly openapi: OpenAPIRegistry,
    private readonly clock: Clock,
  ) {}

  mount<
    P extends AnyObject | undefined,
    Q extends AnyObject | undefined,
    B extends ZodType | undefined,
    Auth extends 'public' | 'user',
    H extends AnyObject | undefined = undefined,
  >(
    router: Router,
    endpoint: Endpoint<P, Q, B, Auth, H>,
    ...middleware: RequestHandler[]
  ): void {
    this.document(endpoint);
    const status = endpoint.status ?? 200;
    // Signed in first: a middleware (a file body, say) does its work only for someone who may call the endpoint.
    const signedIn: RequestHandler = (req, _res, next) => {
      if (endpoint.auth === 'user' && !req.actor) throw new DomainError('UNAUTHENTICATED', 'Sign in first (session cookie or Bearer token).');
      next();
    };
    router[endpoint.method](endpoint.path, signedIn, ...middleware, async (req: Request, res: Response) => {
      const actor = req.actor ?? null;
      const headers = check(endpoint.headers, req.headers, 'headers');
      const params = check(endpoint.params, req.params, 'params');
      const query = check(endpoint.query, req.query, 'query');
      const body = check(endpoint.body, req.body, 'body');
      const ctx = actor ? { actor, now: this.clock.now(), requestId: req.requestId } : undefined;
      const result = await endpoint.handle({ headers, params, query, body, actor, ctx, req, res } as never);
      if (res.headersSent) return;
      // A handler may answer another documented success status (e.g. 200 for an idempotent replay of a 201).
      const answered = (res.locals.status as number | undefined) ?? status;
      if (answered === 204 || result === undefined) res.status(answered === 200 ? 204 : answered).end();
      else res.status(answered).json(result);
    });
  }

  private document(endpoint: Endpoint<AnyObject | undefined, AnyObject | undefined, ZodType | undefined, 'public' | 'user', AnyObject | undefined>): void {
    const status = endpoint.status ?? 200;
    const binary = { type: 'string' as const, format: 'binary' };
    const responses: RouteConfig['responses'] = {
      [status]: endpoint.fileResponse
        ? { description: 'The file', content: Object.fromEntries(endpoint.fileResponse.map((type) => [type, { schema: binary }])) }
        : endpoint.response
          ? { description: 'Success', content: { 'application/json': { schema: endpoint.response } } }
          : { description: 'Success' },
    };
    // 503: any route while the database is away (DATABASE_UNAVAILABLE, with Retry-After).
    const errors = new Set([400, 500, 503, ...(endpoint.auth === 'user' ? [401] : []), ...(endpoint.errors ?? [])]);
    for (const code of errors) {
      responses[code] = { description: errorStatusText[code] ?? 'Error', content: { 'application/json': { schema: errorResponse } } };
    }
    this.openapi.registerPath({
      method: endpoint.method,
      path: endpoint.path.replace(/:([A-Za-z_]+)/g, '{$1}'),
      summary: endpoint.summary,
      tags: endpoint.tags,
      security: endpoint.auth === 'user' ? [{ session: [] }, { bearer: [] }] : [],
      request: {
        ...(endpoint.headers ? { headers: endpoint.headers } : {}),
        ...(endpoint.params ? { params: endpoint.params } : {}),
        ...(endpoint.query ? { query: endpoint.query } : {}),
        ...(endpoint.fileBody
          ? { body: { required: true, description: "The file's bytes as they are; its type is told from its content", content: { 'application/octet-stream': { schema: binary } } } }
          : endpoint.body ? { body: { required: true, content: { 'application/json': { schema: endpoint.body } } } } : {}),
      },
      responses,
    });
  }
}
