import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { defineModel } from '../platform/database.js';
import { webhookEventTypes, type WebhookEventType } from './webhook-events.js';

/** A partner's or a department system's receiving URL and what it wants to hear of. */
export interface WebhookSubscription {
  /** Who runs the receiver: a partner's or a department system's name. */
  partner: string;
  url: string;
  /** Signs every delivery; shown once when created or rotated, never again. */
  secret: string;
  events: WebhookEventType[];
  /** Only changes of tickets this department (or one below it) is involved in; null: every ticket. */
  departmentId: string | null;
  enabled: boolean;
  /** Why it is off: turned off by an administrator, or by the workers after repeated failures. */
  disabledReason: 'administrator' | 'failures' | null;
  disabledAt: Date | null;
  /** Failed attempts since the last success: the back-off grows with it, and at the limit the subscription is disabled. */
  consecutiveFailures: number;
  /** No attempt to this receiver before then (back-off after a failure); null when it is healthy. */
  retryAt: Date | null;
  lastError: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type SubscriptionDocument = WebhookSubscription & { _id: Types.ObjectId };

const subscriptionSchema = new Schema<WebhookSubscription>(
  {
    partner: { type: String, required: true },
    url: { type: String, required: true },
    secret: { type: String, required: true },
    events: { type: [String], enum: webhookEventTypes, required: true },
    departmentId: { type: String, default: null },
    enabled: { type: Boolean, required: true },
    disabledReason: { type: String, default: null },
    disabledAt: { type: Date, default: null },
    consecutiveFailures: { type: Number, default: 0 },
    retryAt: { type: Date, default: null },
    lastError: { type: String, default: null },
    version: { type: Number, default: 1 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'webhook_subscriptions', minimize: false },
);
// Every ticket change asks which enabled subscriptions want its type.
subscriptionSchema.index({ enabled: 1, events: 1 });

export const webhookSubscriptionModel = (connection: Connection): Model<WebhookSubscription> =>
  defineModel(connection, 'WebhookSubscription', subscriptionSchema);

/** What administrators read: everything but the secret, of which only the first characters, to tell which one a receiver holds. */
export type SubscriptionView = Omit<WebhookSubscription, 'secret'> & { id: string; secretHint: string };

export function presentSubscription({ _id, secret, ...rest }: SubscriptionDocument): SubscriptionView {
  return { id: String(_id), secretHint: `${secret.slice(0, 10)}…`, ...rest };
}
