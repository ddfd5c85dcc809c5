import { Router } from 'express';
import { z } from 'zod';
import { deliveryStates } from '../../core/webhooks/webhook-delivery.js';
import { webhookEventTypes } from '../../core/webhooks/webhook-events.js';
import type { Webhooks } from '../../core/webhooks/webhooks.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { idParams, instant, line, objectId, version, webUrl } from '../http/common-schemas.js';

const eventType = z.enum(webhookEventTypes);

const subscriptionView = z
  .object({
    id: z.string(),
    partner: z.string(),
    url: z.string(),
    secretHint: z.string().meta({ description: "The secret's first characters; the secret itself is shown only when created or rotated" }),
    events: z.array(eventType),
    departmentId: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.enum(['administrator', 'failures']).nullable(),
    disabledAt: z.date().nullable(),
    consecutiveFailures: z.number(),
    retryAt: z.date().nullable().meta({ description: 'No attempt before then: the back-off after a failure' }),
    lastError: z.string().nullable(),
    version: z.number(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'WebhookSubscription' });

const withSecret = subscriptionView
  .extend({ secret: z.string().meta({ description: 'Signs every delivery (HMAC-SHA256). Shown this once: store it now' }) })
  .meta({ id: 'WebhookSubscriptionWithSecret' });

const deliveryView = z
  .object({
    id: z.string().meta({ description: 'Sent as X-Hotline-Delivery on every attempt and replay' }),
    subscriptionId: z.string(),
    eventId: z.string(),
    eventType,
    ticketId: z.string(),
    ticketNumber: z.string(),
    ticketVersion: z.number(),
    occurredAt: z.date(),
    state: z.enum(deliveryStates),
    attempts: z.number(),
    lastAttemptAt: z.date().nullable(),
    responseCode: z.number().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: z.date().nullable(),
    replays: z.number(),
    createdAt: z.date(),
  })
  .meta({ id: 'WebhookDelivery' });

const events = z.array(eventType).min(1, 'must name at least one event type').max(webhookEventTypes.length * 2);

const subscriptionInput = z.strictObject({
  partner: line(80).meta({ description: "Who runs the receiver: a partner's or a department system's name" }),
  url: webUrl,
  events,
  departmentId: objectId.nullable().optional().meta({ description: 'Only changes of tickets this department (or one below it) is involved in' }),
  enabled: z.boolean().optional(),
});

const deliveryParams = z.strictObject({ id: objectId, deliveryId: z.string().regex(/^[0-9a-f]{32}$/, 'must be a 32-character delivery id') });

export function webhooksRouter(endpoints: EndpointRegistry, webhooks: Webhooks): Router {
  const router = Router();
  const tags = ['webhooks'];

  endpoints.mount(router, {
    method: 'get', path: '/api/webhooks', summary: 'Webhook subscriptions (administrators)', tags, auth: 'user', errors: [403],
    response: z.object({ items: z.array(subscriptionView), eventTypes: z.array(eventType) }),
    handle: async ({ actor }) => ({ items: await webhooks.list(actor), eventTypes: [...webhookEventTypes] }),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/webhooks', summary: 'Subscribe a receiver to ticket events; the answer carries the signing secret, once', tags,
    auth: 'user', status: 201, errors: [403], body: subscriptionInput, response: withSecret,
    handle: ({ ctx, body }) => webhooks.create(ctx, body),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/webhooks/:id', summary: 'One webhook subscription', tags, auth: 'user', errors: [403, 404],
    params: idParams, response: subscriptionView,
    handle: ({ actor, params }) => webhooks.get(actor, params.id),
  });

  endpoints.mount(router, {
    method: 'patch', path: '/api/webhooks/:id',
    summary: 'Change a subscription; enabling it (or a new URL) clears its failures and sends what it is still owed, in order',
    tags, auth: 'user', errors: [403, 404, 409], params: idParams, body: subscriptionInput.partial().extend({ version }), response: subscriptionView,
    handle: ({ ctx, params, body }) => webhooks.update(ctx, params.id, body),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/webhooks/:id/secret', summary: 'Replace the signing secret; the answer carries the new one, once', tags,
    auth: 'user', errors: [403, 404, 409], params: idParams, body: z.strictObject({ version }), response: withSecret,
    handle: ({ ctx, params, body }) => webhooks.rotateSecret(ctx, params.id, body.version),
  });

  endpoints.mount(router, {
    method: 'delete', path: '/api/webhooks/:id', summary: 'Delete a subscription with its delivery log', tags, auth: 'user', status: 204,
    errors: [403, 404], params: idParams,
    handle: ({ ctx, params }) => webhooks.remove(ctx, params.id),
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/webhooks/:id/deliveries', summary: 'The delivery log: status, attempts, last error and response code, newest change first',
    tags, auth: 'user', errors: [403, 404], params: idParams,
    query: z.strictObject({
      state: z.enum(deliveryStates).optional(),
      ticketId: objectId.optional(),
      before: instant.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    response: z.object({ items: z.array(deliveryView) }),
    handle: async ({ actor, params, query }) => ({ items: await webhooks.deliveryLog(actor, params.id, query) }),
  });

  endpoints.mount(router, {
    method: 'post', path: '/api/webhooks/:id/deliveries/:deliveryId/replay',
    summary: 'Send a delivered change again (same X-Hotline-Delivery), after any earlier change of its ticket still owed', tags,
    auth: 'user', status: 202, errors: [403, 404, 409], params: deliveryParams, response: deliveryView,
    handle: ({ ctx, params }) => webhooks.replay(ctx, params.id, params.deliveryId),
  });

  return router;
}
