import { z } from 'zod';
import { LIMIT_UNITS, REQUEST_TYPES } from '../../core/clocks/index.js';
import { channels, satisfactions, ticketStates, urgencies } from '../../core/tickets/ticket.js';
import type { TicketAction } from '../../core/tickets/ticket-lifecycle.js';
import { day, email, instant, line, objectId, phone, queryBoolean, text, webUrl } from '../http/common-schemas.js';

const reason = text(2000);
const expectedVersion = z.number().int().positive().optional().meta({ description: 'The version you read; if the ticket changed since, 409' });

export const requesterInput = z.strictObject({
  name: line(60).nullable().optional(),
  phone: phone.nullable().optional(),
  email: email.nullable().optional(),
  address: line(200).nullable().optional(),
  confidential: z.boolean().optional(),
});

const ticketContent = {
  requestType: z.enum(REQUEST_TYPES),
  urgency: z.enum(urgencies).optional(),
  categoryId: objectId.nullable().optional(),
  location: z
    .strictObject({
      address: line(200).nullable().optional(),
      departmentId: objectId.nullable().optional(),
      coordinates: z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).nullable().optional(),
    })
    .optional(),
  subject: line(120),
  content: text(10_000),
  attachments: z
    .array(z.strictObject({ name: line(200), contentType: line(100), size: z.number().int().min(0).max(50_000_000), url: webUrl.nullable().optional() }))
    .max(20)
    .optional(),
};

export const intakeBody = z.strictObject({
  channel: z.enum(channels),
  requester: requesterInput,
  callId: line(200).nullable().optional(),
  receivedAt: instant.optional().meta({ description: 'Imports only: the original intake time' }),
  ...ticketContent,
});

/** The public web form: the channel is web, and the phone is required so the requester can follow the ticket. */
export const publicIntakeBody = z.strictObject({
  requester: requesterInput.extend({ phone }),
  ...ticketContent,
});

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{8,128}$/, 'must be 8–128 letters, digits or _ . : -')
    .optional()
    .meta({ description: 'A retried request with the same key returns the first ticket instead of creating another' }),
});

const departmentIds = { lead: objectId, assists: z.array(objectId).max(10).optional() };

/** Actions people take over HTTP; warnings, routing proposals, surveys sent, requester messages and default decisions are the system's alone. */
export type HttpAction = Exclude<TicketAction, 'warn' | 'propose_routing' | 'send_survey' | 'requester_message' | 'deem_accept'>;

/** The body of each action; every one may carry the version the client read. */
export const actionBodies = {
  resolve_on_call: z.strictObject({ answer: text(5000), knowledgeArticleId: objectId.nullable().optional(), version: expectedVersion }),
  dispatch: z.strictObject({ ...departmentIds, reason: reason.nullable().optional(), version: expectedVersion }),
  undo_auto_dispatch: z.strictObject({ reason, version: expectedVersion }),
  accept: z.strictObject({ version: expectedVersion }),
  request_info: z.strictObject({ items: z.array(text(500)).min(1).max(20), version: expectedVersion }),
  receive_info: z.strictObject({ note: text(5000).nullable().optional(), version: expectedVersion }),
  interim_reply: z.strictObject({ text: text(5000), version: expectedVersion }),
  reply: z.strictObject({ text: text(10_000), version: expectedVersion }),
  release_assist: z.strictObject({ departmentId: objectId, reason, version: expectedVersion }),
  approve_reply: z.strictObject({ version: expectedVersion }),
  send_back: z.strictObject({ reason, version: expectedVersion }),
  return: z.strictObject({ reason, version: expectedVersion }),
  approve_return: z.strictObject({ ...departmentIds, reason: reason.nullable().optional(), version: expectedVersion }),
  reject_return: z.strictObject({ reason, version: expectedVersion }),
  redispatch: z.strictObject({ ...departmentIds, reason, version: expectedVersion }),
  request_extension: z.strictObject({ until: instant, reason, version: expectedVersion }),
  approve_extension: z.strictObject({ version: expectedVersion }),
  deny_extension: z.strictObject({ reason, version: expectedVersion }),
  urge: z.strictObject({ reason: reason.nullable().optional(), version: expectedVersion }),
  supervise: z.strictObject({ reason, version: expectedVersion }),
  callback: z.strictObject({
    resolved: z.boolean().nullable(),
    satisfaction: z.enum(satisfactions).nullable(),
    comment: text(2000).nullable().optional(),
    via: z.enum(['phone', 'sms', 'unreachable']).default('phone'),
    version: expectedVersion,
  }),
  reopen: z.strictObject({ reason, version: expectedVersion }),
  archive: z.strictObject({ version: expectedVersion }),
  merge: z.strictObject({ parentId: objectId, reason: reason.nullable().optional(), version: expectedVersion }),
  cancel: z.strictObject({ reason, version: expectedVersion }),
} satisfies Record<HttpAction, z.ZodType>;

export const actionSummaries: Record<HttpAction, string> = {
  resolve_on_call: '直办：answered on the call; the ticket goes to callback',
  dispatch: '派单：assign the lead and assisting departments',
  undo_auto_dispatch: '撤回自动派单：take an automatic dispatch back into the queue within the undo window; the department is told',
  accept: '签收：the department acknowledges its part',
  request_info: '补充材料：ask the requester once for everything missing (the clock pauses)',
  receive_info: '材料已补：the information arrived (the clock runs again)',
  interim_reply: '阶段性答复：progress for the requester',
  reply: '答复：the department\'s final answer',
  release_assist: '解除协办：the centre releases an assisting department',
  approve_reply: '审核通过：the reply goes to callback',
  send_back: '驳回：the reply goes back to the department',
  return: '退单：the department sends a misrouted ticket back',
  approve_return: '同意退单：re-dispatch to another department',
  reject_return: '不同意退单：the department keeps it',
  redispatch: '改派：assign the ticket to other departments',
  request_extension: '延期申请：ask for a later deadline',
  approve_extension: '同意延期',
  deny_extension: '不同意延期',
  urge: '催办',
  supervise: '督办：formal supervision, escalated to the department head',
  callback: '回访：record resolved? and satisfaction',
  reopen: '重办：a negative callback sends the ticket back to its lead department',
  archive: '归档',
  merge: '并单：join a parent ticket',
  cancel: '作废：invalid or harassing, with a reason',
};

export const listQuery = z.strictObject({
  state: z.union([z.enum(ticketStates), z.array(z.enum(ticketStates))]).optional().transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
  open: queryBoolean.optional(),
  departmentId: objectId.optional(),
  categoryId: objectId.optional(),
  street: objectId.optional().meta({ description: 'The department of the place (street) the request is about' }),
  handledBy: objectId.optional().meta({ description: 'Tickets in which this very department has a part still to accept or reply (not the departments below it)' }),
  extensionPending: queryBoolean.optional().meta({ description: "Tickets whose extension request waits for the centre's decision" }),
  undoable: queryBoolean.optional().meta({ description: 'Automatic dispatches still within the undo window (the setting autoDispatchUndoMinutes)' }),
  channel: z.enum(channels).optional(),
  urgency: z.enum(urgencies).optional(),
  warning: z.enum(['none', 'yellow', 'red']).optional(),
  overdue: queryBoolean.optional(),
  from: instant.optional(),
  to: instant.optional(),
  phone: phone.optional().meta({ description: 'The requester\'s phone; for department users it never matches a requester who asked for confidentiality' }),
  intakeBy: objectId.optional(),
  sort: z.enum(['newest', 'oldest', 'due']).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const limit = z.strictObject({ amount: z.number().positive().max(100_000), unit: z.enum(LIMIT_UNITS) });
const perType = z.strictObject(Object.fromEntries(REQUEST_TYPES.map((t) => [t, limit])) as Record<(typeof REQUEST_TYPES)[number], typeof limit>);

const rankingWeight = z.number().min(0).max(100);

export const settingsBody = z.strictObject({
  version: z.number().int().min(0).optional().meta({ description: 'The settings version you read: a newer one answers 409 instead of overwriting a change you have not seen' }),
  calendarOverrides: z
    .array(z.strictObject({ date: day, working: z.boolean(), name: line(60).optional() }))
    .max(2000)
    .optional(),
  workingHours: z.array(z.strictObject({ start: z.string().regex(/^\d{2}:\d{2}$/), end: z.string().regex(/^\d{2}:\d{2}$/) })).min(1).max(4).optional(),
  limits: z
    .strictObject({
      dispatch: limit,
      accept: z.strictObject({ normal: limit, urgent: limit }),
      reply: z.strictObject({ urgent: limit, normal: perType }),
      callback: limit,
    })
    .optional(),
  thresholds: z.strictObject({ yellow: z.number().gt(0).lt(1), red: z.number().gt(0).max(1) }).optional(),
  returnCap: z.number().int().min(0).max(10).optional(),
  routingKeywords: z.array(z.strictObject({ keyword: line(40), departmentId: objectId })).max(1000).optional(),
  autoDispatchThreshold: z.number().min(0).max(1).meta({ description: '1 disables automatic dispatch' }).optional(),
  ranking: z
    .strictObject({
      weights: z
        .strictObject({ response: rankingWeight, resolution: rankingWeight, satisfaction: rankingWeight })
        .meta({ description: 'Of the composite score; relative, not all zero (default 0.2 / 0.4 / 0.4)' }),
      named: z.number().int().min(1).max(20).meta({ description: 'Departments praised at the top and named at the bottom (default 3)' }),
      minimumDispatched: z.number().int().min(0).max(1_000_000).meta({ description: 'Tickets dispatched in the period below which a department is not ranked' }),
    })
    .optional(),
  publicResults: z
    .strictObject({
      enabled: z.boolean(),
      showRanking: z.boolean().meta({ description: "Last month's rates per department, with those praised and named" }),
      closedTickets: z.number().int().min(0).max(50).meta({ description: 'How many of the latest archived tickets the portal shows, anonymised; 0 none' }),
      showReplies: z.boolean(),
    })
    .optional(),
  autoDispatchUndoMinutes: z.number().int().min(0).max(1440).meta({ description: 'Minutes during which dispatchers may undo an automatic dispatch' }).optional(),
  defaultDecisions: z
    .strictObject({
      accept: z.enum(['none', 'deem_accepted']).meta({ description: 'A part not accepted by its accept deadline: left waiting, or deemed accepted (视为签收) with its reply clock running' }),
      extension: z.enum(['none', 'approve', 'deny']).meta({ description: 'An extension request the centre has not decided within decisionLimit: left waiting, approved or denied' }),
      return: z.enum(['none', 'reject']).meta({ description: 'A return the centre has not decided within decisionLimit: left waiting, or rejected (the department keeps the ticket)' }),
      decisionLimit: limit.meta({ description: "The centre's time to decide an extension request before its default applies" }),
    })
    .meta({ description: '超时默认: what the system decides for a step nobody took in time' })
    .optional(),
});
