import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../core/platform/clock.js';
import { publicActor } from '../../core/accounts/access.js';
import type { HotlineSettings } from '../../core/settings/hotline-settings.js';
import { ticketActions, type TicketAction } from '../../core/tickets/ticket-lifecycle.js';
import type { ActionRequest, Tickets } from '../../core/tickets/tickets.js';
import { channels, ticketStates } from '../../core/tickets/ticket.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { idParams, objectId, phone } from '../http/common-schemas.js';
import { duplicateCandidates } from '../../core/tickets/duplicates.js';
import { withWorkingTimeLeft } from '../../core/tickets/ticket-view.js';
import { rateLimit } from '../http/rate-limit.js';
import { actionBodies, actionSummaries, type HttpAction, idempotencyHeaders, intakeBody, listQuery, publicIntakeBody, settingsBody } from './tickets.schemas.js';

/** What the softphone got as the caller: a number in any form, `anonymous`, a SIP name, or a trunk's overlong id. */
const callerId = z.string().max(2048).meta({ description: 'The caller id: +8613800138000, 010-62345678, anonymous, …' });
const warning = z.enum(['none', 'yellow', 'red']);
const minutesLeft = (of: string) => z.number().int().nullable().meta({ description: `Working minutes until ${of}; negative once overdue, null while it does not run` });

export const ticketView = z
  .object({
    id: z.string(),
    number: z.string(),
    state: z.enum(ticketStates),
    version: z.number(),
    channel: z.enum(channels),
    requestType: z.string(),
    urgency: z.string(),
    categoryId: z.string().nullable(),
    categoryPath: z.string().nullable(),
    requester: z.object({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable(), address: z.string().nullable(), confidential: z.boolean() }),
    requesterMasked: z.boolean().meta({ description: 'true when the requester asked for confidentiality and you are department staff' }),
    subject: z.string(),
    content: z.string(),
    assignments: z.array(z.object({
      departmentId: z.string(), role: z.enum(['lead', 'assist']), state: z.string(), acceptDueAt: z.date().nullable(), replyDueAt: z.date().nullable(), reply: z.string().nullable(),
      acceptWorkingMinutesLeft: minutesLeft('this part must be accepted'), replyWorkingMinutesLeft: minutesLeft("this part's reply deadline"),
    }).catchall(z.unknown())),
    warning,
    dueAt: z.date().nullable(),
    workingMinutesLeft: minutesLeft('dueAt'),
    allowedActions: z.array(z.enum(ticketActions as [TicketAction, ...TicketAction[]])),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Ticket' });

const ticketSummary = z
  .object({
    id: z.string(), number: z.string(), state: z.enum(ticketStates), channel: z.string(), requestType: z.string(), categoryPath: z.string().nullable(),
    urgency: z.string(), subject: z.string(), warning, dueAt: z.date().nullable(), workingMinutesLeft: minutesLeft('dueAt').optional(), leadDepartmentId: z.string().nullable(),
    autoDispatchedAt: z.date().nullable().meta({ description: 'Set while an automatic dispatch stands and may be undone' }),
    requesterPhone: z.string().nullable().meta({ description: 'masked; null when confidential' }), confidential: z.boolean(), createdAt: z.date(),
  })
  .catchall(z.unknown())
  .meta({ id: 'TicketSummary' });

const ticketEvent = z
  .object({ ticketId: z.string(), version: z.number(), at: z.date(), action: z.string(), from: z.string().nullable(), to: z.string(), reason: z.string().nullable(), data: z.record(z.string(), z.unknown()) })
  .catchall(z.unknown())
  .meta({ id: 'TicketEvent' });

const duplicateCandidate = ticketSummary.extend({ reasons: z.array(z.enum(['same_phone', 'same_place_and_category', 'similar_text'])), score: z.number() });

export function ticketsRouter(endpoints: EndpointRegistry, deps: { tickets: Tickets; settings: HotlineSettings; clock: Clock }): Router {
  const router = Router();
  const { tickets, clock } = deps;

  endpoints.mount(router, {
    method: 'post', path: '/api/tickets', summary: '受理：intake from any channel (phone with call id, SMS, e-mail, import, …)', tags: ['tickets'],
    auth: 'user', status: 201, errors: [403, 409], headers: idempotencyHeaders, body: intakeBody, response: ticketView,
    async handle({ ctx, body, headers, res }) {
      const { ticket, replayed } = await tickets.intake(ctx, body, headers['idempotency-key']);
      if (replayed) {
        res.locals.status = 200;
        res.setHeader('Idempotent-Replayed', 'true');
      }
      return ticket;
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/tickets', summary: 'Tickets you may see, with filters and cursor pagination', tags: ['tickets'], auth: 'user',
    errors: [403], query: listQuery, response: z.object({ items: z.array(ticketSummary), nextCursor: z.string().nullable() }),
    async handle({ actor, query }) {
      const { undoable, ...filter } = query;
      const page = await tickets.list(actor, { ...filter, undoableAt: undoable ? clock.now() : undefined });
      return { ...page, items: withWorkingTimeLeft(page.items, clock.now(), (await deps.settings.current()).calendar) };
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/tickets/search', summary: 'Chinese keyword search over subject and content, best matches first', tags: ['tickets'],
    auth: 'user', query: z.strictObject({ q: z.string().trim().min(1).max(200), limit: z.coerce.number().int().min(1).max(100).default(20) }),
    response: z.object({ items: z.array(ticketSummary) }),
    async handle({ actor, query }) {
      const items = await tickets.search(actor, query.q, query.limit, clock.now());
      return { items: withWorkingTimeLeft(items, clock.now(), (await deps.settings.current()).calendar) };
    },
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/tickets/duplicates', summary: '并单候选：possible duplicates of a ticket being written (same phone, same place and category, similar text)',
    tags: ['tickets'], auth: 'user', errors: [403],
    body: z.strictObject({ phone: phone.nullable().optional(), locationDepartmentId: objectId.nullable().optional(), categoryId: objectId.nullable().optional(), text: z.string().trim().min(1).max(10_000) }),
    response: z.object({ items: z.array(duplicateCandidate) }),
    async handle({ actor, body }) {
      return { items: await duplicateCandidates(tickets, actor, body, clock.now()) };
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/tickets/:id/duplicates', summary: 'Possible duplicates of this ticket, to merge it into one of them', tags: ['tickets'],
    auth: 'user', errors: [403, 404], params: idParams, response: z.object({ items: z.array(duplicateCandidate) }),
    async handle({ actor, params }) {
      const ticket = await tickets.get(actor, params.id, clock.now());
      const probe = { excludeId: ticket.id, phone: ticket.requester.phone, locationDepartmentId: ticket.location.departmentId, categoryId: ticket.categoryId, text: `${ticket.subject} ${ticket.content}` };
      return { items: await duplicateCandidates(tickets, actor, probe, clock.now()) };
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/tickets/:id', summary: 'One ticket (requester masked for departments when confidential)', tags: ['tickets'],
    auth: 'user', errors: [404], params: idParams, response: ticketView,
    handle: ({ actor, params }) => tickets.get(actor, params.id, clock.now()),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/tickets/:id/history', summary: "The ticket's events: actor, time, from, to, reason", tags: ['tickets'],
    auth: 'user', errors: [404], params: idParams, response: z.object({ items: z.array(ticketEvent) }),
    async handle({ actor, params }) {
      return { items: await tickets.history(actor, params.id) };
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/tickets/:id/requester-reads', summary: "Who read this ticket's requester data, and when", tags: ['tickets'],
    auth: 'user', errors: [403], params: idParams,
    response: z.object({ items: z.array(z.object({ at: z.date(), username: z.string(), purpose: z.string() }).catchall(z.unknown())) }),
    async handle({ actor, params }) {
      return { items: await tickets.requesterReads(actor, params.id) };
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/callers/:phone/tickets',
    summary: "A caller's earlier tickets (the softphone's pop-up): the number in any form; a withheld caller or a caller id that is no number has none", tags: ['tickets'],
    auth: 'user', errors: [403], params: z.strictObject({ phone: callerId }), response: z.object({ items: z.array(ticketSummary) }),
    async handle({ actor, params }) {
      return { items: await tickets.byPhone(actor, params.phone, clock.now()) };
    },
  });

  for (const action of Object.keys(actionBodies) as HttpAction[]) {
    endpoints.mount(router, {
      method: 'post', path: `/api/tickets/:id/${action.replaceAll('_', '-')}`, summary: actionSummaries[action], tags: ['ticket actions'],
      auth: 'user', errors: [403, 404, 409], params: idParams, body: actionBodies[action], response: ticketView,
      async handle({ ctx, params, body }) {
        const { version, ...request } = body as { version?: number };
        return tickets.act(ctx, params.id, action, request as ActionRequest<typeof action>, version);
      },
    });
  }

  endpoints.mount(router, {
    method: 'get', path: '/api/settings', summary: 'Working calendar overrides, working hours, default limits, warning thresholds', tags: ['settings'],
    auth: 'user', response: settingsBody.required().extend({ version: z.number() }).meta({ id: 'Settings' }),
    async handle() {
      // Imported notice years are read and written through /api/settings/calendar.
      const { calendar: _calendar, importedYears: _importedYears, ...settings } = await deps.settings.current();
      return settings;
    },
  });

  endpoints.mount(router, {
    method: 'patch', path: '/api/settings', summary: 'Change the calendar (holidays, adjusted working days), limits or thresholds', tags: ['settings'],
    auth: 'user', errors: [403, 409], body: settingsBody,
    async handle({ ctx, body }) {
      const { version, ...changes } = body;
      const { calendar: _calendar, importedYears: _importedYears, ...settings } = await deps.settings.update(ctx, changes, version);
      return settings;
    },
  });

  return router;
}

/** What a requester can do without an account: submit on the web and follow a ticket. */
export function publicTicketsRouter(endpoints: EndpointRegistry, deps: { tickets: Tickets; clock: Clock; submitPerHour: number }): Router {
  const router = Router();
  const submitLimit = rateLimit({ windowMs: 3_600_000, max: deps.submitPerHour, clock: deps.clock, name: 'the web form' });
  const followLimit = rateLimit({ windowMs: 60_000, max: 30, clock: deps.clock, name: 'ticket lookups' });

  endpoints.mount(router, {
    method: 'post', path: '/api/public/tickets', summary: '网上诉求：submit a request on the web (no sign-in; rate-limited)', tags: ['public'],
    auth: 'public', status: 201, errors: [429], headers: idempotencyHeaders, body: publicIntakeBody,
    response: z.object({ number: z.string(), followUrl: z.string() }),
    async handle({ body, headers, res }) {
      const { number, replayed } = await deps.tickets.intake({ actor: publicActor, now: deps.clock.now() }, { ...body, channel: 'web' }, headers['idempotency-key']);
      if (replayed) res.locals.status = 200;
      return { number, followUrl: `/portal/#/follow/${number}` };
    },
  }, submitLimit);

  endpoints.mount(router, {
    method: 'get', path: '/api/public/tickets/:number', summary: 'Follow a ticket with its number and the phone given at intake', tags: ['public'],
    auth: 'public', errors: [404, 429], params: z.strictObject({ number: z.string().regex(/^\d{14}$/, 'must be the 14-digit ticket number') }),
    query: z.strictObject({ phone }),
    response: z.object({ number: z.string(), state: z.string(), reply: z.string().nullable(), steps: z.array(z.object({ action: z.string(), at: z.date(), state: z.string() })) }).catchall(z.unknown()),
    handle: ({ params, query, res }) => {
      // The answer carries the requester's ticket: no shared cache may keep it.
      res.setHeader('Cache-Control', 'no-store');
      return deps.tickets.follow(params.number, query.phone);
    },
  }, followLimit);

  return router;
}
