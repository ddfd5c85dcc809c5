import { Router } from 'express';
import { z } from 'zod';
import type { Accountability } from '../../core/accountability/accountability.js';
import type { AccountabilityBulletin } from '../../core/accountability/bulletin.js';
import { entryKinds, entryStates } from '../../core/accountability/accountability-entry.js';
import type { Clock } from '../../core/platform/clock.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { idParams, month, objectId, text, version } from '../http/common-schemas.js';

const person = z.object({ userId: z.string().nullable(), username: z.string() });

const entryView = z
  .object({
    id: z.string(),
    changeId: z.string().meta({ description: 'The ticket change recorded: <ticket id>:<version>' }),
    ticketId: z.string(),
    ticketNumber: z.string(),
    kind: z.enum(entryKinds).meta({ description: 'missed_deadline 超时, default_decision 超时默认, dissatisfied_reopen 不满意重办' }),
    action: z.string().meta({ description: 'The ticket action behind the entry' }),
    stage: z.enum(['accept', 'reply']).nullable(),
    departmentId: z.string().meta({ description: 'The liable department' }),
    departmentAncestors: z.array(z.string()),
    person: person.nullable().meta({ description: 'The user who accepted the part, when someone did' }),
    at: z.date(),
    month: z.string(),
    reason: z.string().nullable(),
    partDispatchedAt: z.date().nullable(),
    state: z.enum(entryStates),
    appeal: z.object({ reasons: z.string(), evidence: z.string(), attachmentIds: z.array(z.string()), by: person, at: z.date() }).nullable(),
    decision: z.object({ outcome: z.enum(['upheld', 'annulled']), reason: z.string(), by: person, at: z.date() }).nullable(),
    version: z.number().int(),
  })
  .meta({ id: 'AccountabilityEntry' });

const counts = { missedDeadlines: z.number().int(), defaultDecisions: z.number().int(), dissatisfiedReopens: z.number().int(), annulled: z.number().int(), pendingAppeals: z.number().int() };
const listed = z.array(z.object({ ticketNumber: z.string(), at: z.date(), appealed: z.boolean() }));
const bulletinView = z
  .object({
    month: z.string(),
    department: z.string().nullable().meta({ description: 'null: the city-wide bulletin' }),
    totals: z.object(counts).meta({ description: 'Annulled entries are counted apart, in no other count' }),
    rows: z.array(z.object({ department: z.string(), rank: z.number().int(), responseRate: z.number().nullable(), satisfactionRate: z.number().nullable(), ...counts })),
    entries: z.object({ missedDeadlines: listed, defaultDecisions: listed, dissatisfiedReopens: listed }).meta({ description: "A department's own entries; empty in the city-wide bulletin" }),
  })
  .meta({ id: 'AccountabilityBulletin' });

export function accountabilityRouter(endpoints: EndpointRegistry, deps: { accountability: Accountability; bulletin: AccountabilityBulletin; clock: Clock }): Router {
  const router = Router();
  endpoints.mount(router, {
    method: 'get', path: '/api/accountability', summary: '问责台账：accountability entries, newest first (a department sees its own)', tags: ['accountability'],
    auth: 'user', errors: [403],
    query: z.strictObject({
      departmentId: objectId.optional().meta({ description: 'This department and those below it' }),
      month: month.optional(),
      state: z.enum(entryStates).optional(),
      kind: z.enum(entryKinds).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    response: z.object({ items: z.array(entryView) }),
    async handle({ actor, query }) {
      return { items: await deps.accountability.list(actor, query) };
    },
  });
  endpoints.mount(router, {
    method: 'get', path: '/api/accountability/bulletin', summary: '问责通报：a month\'s bulletin, city-wide for the centre, a department\'s own for it', tags: ['accountability'],
    auth: 'user', errors: [403],
    query: z.strictObject({ month, departmentId: objectId.optional().meta({ description: "A department's own bulletin; left out, the city-wide one (the centre) or the reader's department's" }) }),
    response: bulletinView,
    handle: ({ actor, query }) => deps.bulletin.read(actor, query.month, query.departmentId),
  });
  endpoints.mount(router, {
    method: 'get', path: '/api/accountability/:id', summary: 'One accountability entry', tags: ['accountability'],
    auth: 'user', errors: [403, 404], params: idParams, response: entryView,
    handle: ({ actor, params }) => deps.accountability.get(actor, params.id),
  });
  endpoints.mount(router, {
    method: 'post', path: '/api/accountability/:id/appeal', summary: '申诉：the liable department appeals an entry once, with reasons and evidence', tags: ['accountability'],
    auth: 'user', errors: [403, 404, 409], params: idParams,
    body: z.strictObject({
      version,
      reasons: text(2000),
      evidence: text(4000).meta({ description: 'What supports the appeal, in words; files go in attachmentIds' }),
      attachmentIds: z.array(z.string().max(100)).max(20).optional(),
    }),
    response: entryView,
    handle: ({ ctx, params, body }) => deps.accountability.appeal(ctx, params.id, body.version, body),
  });
  endpoints.mount(router, {
    method: 'post', path: '/api/accountability/:id/decision', summary: '裁决：a supervisor upholds or annuls an appealed entry; an annulled one leaves the rates', tags: ['accountability'],
    auth: 'user', errors: [403, 404, 409], params: idParams,
    body: z.strictObject({ version, outcome: z.enum(['upheld', 'annulled']), reason: text(2000) }),
    response: entryView,
    handle: ({ ctx, params, body }) => deps.accountability.decide(ctx, params.id, body.version, body.outcome, body.reason),
  });
  return router;
}
