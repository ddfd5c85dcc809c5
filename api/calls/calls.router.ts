import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { CallRecords } from '../../core/calls/call-records.js';
import type { MissedCalls } from '../../core/calls/missed-calls.js';
import type { Telephony } from '../../core/calls/telephony.js';
import type { Clock } from '../../core/platform/clock.js';
import { DomainError } from '../../core/platform/errors.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import {
  agentStateBody, agentStateView, browserReport, callIdParams, callView, figuresQuery, linkTicketBody, missedCallDone, missedCallParams, missedCallsQuery,
  missedCallView, operatorFigures, routeAnswer, routeQuery, sipCredentials, switchEvent, telephonyTokenHeaders,
} from './calls.schemas.js';

export interface CallsDeps {
  telephony: Telephony;
  callRecords: CallRecords;
  missedCalls: MissedCalls;
  clock: Clock;
}

/** The operators' side: SIP credentials, agent state, call records, the callback queue, figures. */
export function callsRouter(endpoints: EndpointRegistry, { telephony, callRecords, missedCalls, clock }: CallsDeps): Router {
  const router = Router();

  endpoints.mount(router, {
    method: 'post', path: '/api/telephony/credentials', summary: 'SIP credentials for the softphone (valid for hours; get new ones before they expire)',
    tags: ['telephony'], auth: 'user', errors: [403, 503], response: sipCredentials,
    async handle({ ctx, res }) {
      res.setHeader('Cache-Control', 'no-store');
      return telephony.credentials(ctx);
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/telephony/agent-state', summary: 'Your agent state', tags: ['telephony'], auth: 'user', errors: [403],
    response: agentStateView,
    handle: ({ actor }) => telephony.agentState(actor, clock.now()),
  });

  endpoints.mount(router, {
    method: 'put', path: '/api/telephony/agent-state',
    summary: 'Set your agent state; calls go to the operator ready longest (who holds valid SIP credentials)', tags: ['telephony'],
    auth: 'user', errors: [403], body: agentStateBody, response: agentStateView,
    handle: ({ ctx, body }) => telephony.setAgentState(ctx, body.state),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/telephony/missed-calls', summary: '漏接回拨: missed calls to call back, oldest first', tags: ['telephony'],
    auth: 'user', errors: [403], query: missedCallsQuery, response: z.object({ items: z.array(missedCallView) }),
    async handle({ actor, query }) {
      return { items: await missedCalls.list(actor, query) };
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/telephony/missed-calls/:id/claim', summary: 'Take a missed call to call back; 409 when someone else took it first',
    tags: ['telephony'], auth: 'user', errors: [403, 404, 409], params: missedCallParams, response: missedCallView,
    handle: ({ ctx, params }) => missedCalls.claim(ctx, params.id),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/telephony/missed-calls/:id/done', summary: 'Finish a missed call you claimed, with how the callback went',
    tags: ['telephony'], auth: 'user', errors: [403, 404, 409], params: missedCallParams, body: missedCallDone, response: missedCallView,
    handle: ({ ctx, params, body }) => missedCalls.done(ctx, params.id, body),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/telephony/missed-calls/:id/release', summary: 'Put a claimed missed call back in the queue (its operator, or a supervisor)',
    tags: ['telephony'], auth: 'user', errors: [403, 404, 409], params: missedCallParams, response: missedCallView,
    handle: ({ ctx, params }) => missedCalls.release(ctx, params.id),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/telephony/operator-figures',
    summary: 'Operator figures over answered calls: answered, answer time, handle time, resolved-on-call rate', tags: ['telephony'],
    auth: 'user', errors: [403], query: figuresQuery, response: operatorFigures,
    async handle({ actor, query }) {
      return { from: query.from, to: query.to, items: await callRecords.operatorFigures(actor, query) };
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/calls/:callId', summary: 'One call record', tags: ['calls'], auth: 'user', errors: [403, 404],
    params: callIdParams, response: callView,
    handle: ({ actor, params }) => callRecords.get(actor, params.callId),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/calls/:callId/report', summary: "The softphone's view of its call, merged into the record (sending it again changes nothing)",
    tags: ['calls'], auth: 'user', errors: [403], params: callIdParams, body: browserReport, response: callView,
    async handle({ ctx, params, body }) {
      const { direction, caller, callee, ...details } = body;
      return callRecords.report(ctx, params.callId, { direction, caller, callee, details });
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/calls/:callId/tickets', summary: 'Link an existing ticket to the call (tickets written with the call id link themselves)',
    tags: ['calls'], auth: 'user', errors: [403, 404], params: callIdParams, body: linkTicketBody, response: callView,
    handle: ({ ctx, params, body }) => callRecords.linkTicket(ctx, params.callId, body.ticketId),
  });

  return router;
}

/** Kamailio's side. Mounted before session authentication: Kamailio authenticates with the shared token. */
export function telephonySwitchRouter(endpoints: EndpointRegistry, { telephony, clock }: Pick<CallsDeps, 'telephony' | 'clock'>): Router {
  const router = Router();
  // The token is checked in the handlers, after the input: a request without it thus learns only
  // which field is wrong, as the OpenAPI document tells anyone, and every documented write route
  // answers invalid input the same way.

  endpoints.mount(router, {
    method: 'get', path: '/internal/telephony/route', summary: 'Kamailio asks which operator takes a call to the hotline number',
    tags: ['telephony (Kamailio)'], auth: 'public', errors: [401, 503], headers: telephonyTokenHeaders, query: routeQuery, response: routeAnswer,
    async handle({ headers, query }) {
      telephony.authenticateSwitch(headers['x-telephony-token']);
      return telephony.route(query, clock.now());
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/internal/telephony/events',
    summary: 'Kamailio reports a call answered, ended or missed (JSON, whatever the Content-Type says)', tags: ['telephony (Kamailio)'],
    auth: 'public', status: 204, errors: [401], headers: telephonyTokenHeaders, body: switchEvent,
    async handle({ headers, body }) {
      telephony.authenticateSwitch(headers['x-telephony-token']);
      await telephony.callEvent(body, clock.now());
    },
  }, express.text({ type: () => true, limit: '16kb' }), jsonFromText);

  return router;
}

/** Kamailio's http_client labels its JSON as a form (kamailio.cfg explains why). */
const jsonFromText: RequestHandler = (req, _res, next) => {
  if (typeof req.body === 'string') {
    try {
      req.body = req.body ? JSON.parse(req.body) : undefined;
    } catch {
      throw new DomainError('INVALID_JSON', 'The request body is not valid JSON.', { field: 'body' });
    }
  }
  next();
};
