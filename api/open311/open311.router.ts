import express, { Router, type Request, type Response } from 'express';
import { z, type ZodType } from 'zod';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Authentication } from '../../core/accounts/authentication.js';
import type { Open311 } from '../../core/open311/open311.js';
import type { ServiceRequestInput } from '../../core/open311/georeport.js';
import type { Clock } from '../../core/platform/clock.js';
import { DomainError } from '../../core/platform/errors.js';
import type { Logger } from '../../core/platform/logger.js';
import { check, type EndpointRegistry } from '../http/endpoint.js';
import { assertUtf8Body } from '../http/text.js';
import { idempotencyHeaders } from '../tickets/tickets.schemas.js';
import { formats, open311Errors, sendGeoReport, type Format } from './georeport-format.js';
import {
  discovery, formatParams, jurisdictionQuery, open311ErrorList, postFields, postRequestBody, postRequestForm, postResponse, presentArguments,
  requestParams, requestsQuery, serviceDefinition, serviceList, serviceParams, serviceRequests, tokenParams, tokenRequests,
} from './open311.schemas.js';

export interface Open311Deps {
  open311: Open311;
  authentication: Authentication;
  clock: Clock;
  logger: Logger;
}

const errorText: Record<number, string> = {
  400: 'The request cannot be fulfilled (the descriptions name each field)',
  403: 'Missing or invalid api_key',
  404: 'No such service, request, token, jurisdiction or format',
  500: 'Internal error (request id in the description)',
  503: 'The database does not answer; retry after Retry-After seconds',
};

/** Both formats of one answer: the JSON schema, and the same document as XML. */
/** `check` for a schema that is there: its output, never undefined. */
const parse = <S extends ZodType>(schema: S, value: unknown, where: 'headers' | 'params' | 'query' | 'body') => check(schema, value, where) as z.output<S>;

const bothFormats = (schema: ZodType) => ({ 'application/json': { schema }, 'text/xml': { schema: z.string() } });

interface Route {
  method: 'get' | 'post';
  /** Express syntax; the format is the path's extension (`.:format`). */
  path: string;
  summary: string;
  params: z.ZodObject;
  query?: z.ZodType;
  form?: z.ZodType;
  headers?: z.ZodObject;
  status?: 200 | 201;
  response: ZodType;
  errors: number[];
  handle(req: Request, res: Response, format: Format): Promise<void>;
}

/**
 * Open311 GeoReport v2 under /open311/v2/ (and its service discovery under /open311/): the
 * specification's paths, formats and error lists. Not the JSON conventions of /api/: its clients
 * are other cities' and vendors' programs written against the specification.
 */
export function open311Router(endpoints: EndpointRegistry, deps: Open311Deps): Router {
  const router = Router();
  const { open311, clock } = deps;
  const form = express.urlencoded({ extended: false, limit: '100kb', verify: assertUtf8Body });

  const mount = (route: Route) => {
    const responses: RouteConfig['responses'] = {
      [route.status ?? 200]: { description: 'Success', content: bothFormats(route.response) },
    };
    for (const code of [...route.errors, 400, 404, 500, 503]) {
      responses[code] = { description: errorText[code] ?? 'Error', content: bothFormats(open311ErrorList) };
    }
    endpoints.openapi.registerPath({
      method: route.method,
      path: route.path.replace(/:([A-Za-z_]+)/g, '{$1}'),
      summary: route.summary,
      tags: ['open311'],
      security: [],
      request: {
        params: route.params,
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
        ...(route.headers ? { headers: route.headers } : {}),
        ...(route.form ? { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: route.form } } } } : {}),
      },
      responses,
    });
    const handlers = route.form ? [form] : [];
    router[route.method](route.path, ...handlers, async (req: Request, res: Response) => {
      const format = String(req.params.format) as Format;
      // Whatever else is wrong, another format is a resource that does not exist.
      if (!formats.includes(format)) throw new DomainError('NOT_FOUND', `No format ${format}: ask for .xml or .json.`);
      await route.handle(req, res, format);
    });
  };

  const jurisdictionOf = (req: Request) => {
    const { jurisdiction_id } = parse(jurisdictionQuery, presentArguments(req.query), 'query');
    open311.assertJurisdiction(jurisdiction_id);
  };

  mount({
    method: 'get', path: '/open311/discovery.:format', summary: 'Open311 service discovery: where the GeoReport v2 endpoint is and what it speaks',
    params: formatParams, response: discovery, errors: [],
    async handle(_req, res, format) {
      sendGeoReport(res, format, 'discovery', await open311.discovery());
    },
  });

  /** A GET of resources named by the path, in our jurisdiction, answered under the XML element `root`. */
  const read = <P extends z.ZodObject>(path: string, summary: string, params: P, root: string, response: ZodType, load: (args: z.output<P>) => Promise<unknown>) =>
    mount({
      method: 'get', path, summary, params, query: jurisdictionQuery, response, errors: [],
      async handle(req, res, format) {
        const args = parse(params, req.params, 'params');
        jurisdictionOf(req);
        sendGeoReport(res, format, root, await load(args));
      },
    });

  read('/open311/v2/services.:format', 'GeoReport v2 service list: the categories in use (service_code = category code, group = first level)',
    formatParams, 'services', serviceList, () => open311.services());
  read('/open311/v2/services/:service_code.:format', 'GeoReport v2 service definition: the attributes a request of this service takes',
    serviceParams, 'service_definition', serviceDefinition, ({ service_code }) => open311.serviceDefinition(service_code));

  mount({
    method: 'post', path: '/open311/v2/requests.:format',
    summary: 'GeoReport v2: submit a service request (受理 through the open311 channel, as the api_key\'s partner)',
    params: formatParams, form: postRequestForm, headers: idempotencyHeaders, status: 201, response: postResponse, errors: [403],
    async handle(req, res, format) {
      const { fields, apiKey } = postFields(req.query, req.body);
      const now = clock.now();
      const partner = apiKey ? await deps.authentication.partnerActor(apiKey, now) : null;
      if (!partner) throw new DomainError('API_KEY_INVALID', apiKey ? 'Invalid api_key: it is unknown, revoked, expired or not a partner key.' : 'api_key is required to submit a request.');
      const headers = parse(idempotencyHeaders, req.headers, 'headers');
      const body = parse(postRequestBody, fields, 'body');
      open311.assertJurisdiction(body.jurisdiction_id);
      const input: ServiceRequestInput = {
        serviceCode: body.service_code, lat: body.lat, long: body.long, addressString: body.address_string, addressId: body.address_id,
        email: body.email, deviceId: body.device_id, accountId: body.account_id, firstName: body.first_name, lastName: body.last_name,
        phone: body.phone, description: body.description, mediaUrl: body.media_url, attributes: body.attributes,
      };
      const ctx = { actor: partner.actor, now, requestId: req.requestId };
      const { request, replayed } = await open311.submit(ctx, partner.partner, input, headers['idempotency-key']);
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      sendGeoReport(res, format, 'service_requests', [request], replayed ? 200 : 201);
    },
  });

  mount({
    method: 'get', path: '/open311/v2/requests.:format',
    summary: 'GeoReport v2 service requests that came in through Open311, newest first (at most 1000, over at most 90 days)',
    params: formatParams, query: requestsQuery, response: serviceRequests, errors: [],
    async handle(req, res, format) {
      const query = parse(requestsQuery, presentArguments(req.query), 'query');
      open311.assertJurisdiction(query.jurisdiction_id);
      const records = await open311.requests({
        serviceRequestIds: query.service_request_id, serviceCodes: query.service_code, startDate: query.start_date, endDate: query.end_date, statuses: query.status,
      }, clock.now());
      sendGeoReport(res, format, 'service_requests', records);
    },
  });

  read('/open311/v2/requests/:service_request_id.:format', 'GeoReport v2: one service request (service_request_id = the ticket number)',
    requestParams, 'service_requests', serviceRequests, ({ service_request_id }) => open311.request(service_request_id));
  read('/open311/v2/tokens/:token.:format', 'GeoReport v2: the service request sent with this token (the Idempotency-Key of its POST)',
    tokenParams, 'service_requests', tokenRequests, ({ token }) => open311.token(token));

  router.use('/open311', (req) => {
    throw new DomainError('NOT_FOUND', `No Open311 resource ${req.method} ${req.path}.`);
  });
  router.use('/open311', open311Errors(deps.logger));
  return router;
}
