import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';
import { webhookEventTypes, type WebhookEventType } from './webhook-events.js';

export const deliveryStates = ['pending', 'sending', 'delivered'] as const;
export type DeliveryState = (typeof deliveryStates)[number];

/** One ticket change owed to one subscription, and the log of its attempts. */
export interface WebhookDelivery {
  /** `deliveryId(subscription, event)`: sent as `X-Hotline-Delivery`, the same on every attempt and replay. */
  _id: string;
  subscriptionId: string;
  /** The ticket event, `<ticketId>:<version>`. */
  eventId: string;
  eventType: WebhookEventType;
  ticketId: string;
  /** The ticket's number, for people reading the log. */
  ticketNumber: string;
  /** Deliveries of one ticket to one subscription go out in this order, each after the one before is delivered. */
  ticketVersion: number;
  occurredAt: Date;
  body: string;
  state: DeliveryState;
  /** Attempts started, the one under way included. */
  attempts: number;
  lastAttemptAt: Date | null;
  /** The receiver's status code of the last attempt; null when it did not answer. */
  responseCode: number | null;
  lastError: string | null;
  claimedAt: Date | null;
  claimedBy: string | null;
  deliveredAt: Date | null;
  /** When the database stored it as delivered, by its own clock: for the TTL index. */
  deliveredStoredAt?: Date;
  /** How often an administrator asked for it to be sent again. */
  replays: number;
  createdAt: Date;
  version: number;
}

const deliverySchema = new Schema<WebhookDelivery>(
  {
    _id: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    eventId: { type: String, required: true },
    eventType: { type: String, enum: webhookEventTypes, required: true },
    ticketId: { type: String, required: true },
    ticketNumber: { type: String, required: true },
    ticketVersion: { type: Number, required: true },
    occurredAt: { type: Date, required: true },
    body: { type: String, required: true },
    state: { type: String, enum: deliveryStates, required: true },
    attempts: { type: Number, default: 0 },
    lastAttemptAt: { type: Date, default: null },
    responseCode: { type: Number, default: null },
    lastError: { type: String, default: null },
    claimedAt: { type: Date, default: null },
    claimedBy: { type: String, default: null },
    deliveredAt: { type: Date, default: null },
    deliveredStoredAt: { type: Date },
    replays: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'webhook_deliveries', minimize: false },
);
// The senders' queue, oldest change first; and the log, newest first.
deliverySchema.index({ subscriptionId: 1, state: 1, occurredAt: 1, ticketVersion: 1 });
// "Is an earlier change of this ticket still to be delivered to this subscription?"
deliverySchema.index({ subscriptionId: 1, ticketId: 1, ticketVersion: 1 });
deliverySchema.index({ state: 1, claimedAt: 1 });
// The log answers "did it arrive?" for a month; pending deliveries are kept until they are delivered.
deliverySchema.index({ deliveredStoredAt: 1 }, { expireAfterSeconds: 30 * 86_400 });

export const webhookDeliveryModel = (connection: Connection): Model<WebhookDelivery> => defineModel(connection, 'WebhookDelivery', deliverySchema);

/** The same subscription and ticket event give the same id, so a reaction applied twice stores one delivery. */
export const deliveryId = (subscriptionId: string, eventId: string): string =>
  createHash('sha256').update(`${subscriptionId}\n${eventId}`).digest('hex').slice(0, 32);

/** The log entry: the delivery without its body and the senders' bookkeeping. */
export type DeliveryView = Omit<WebhookDelivery, '_id' | 'body' | 'claimedAt' | 'claimedBy' | 'deliveredStoredAt' | 'version'> & { id: string };

export function presentDelivery({ _id, body: _body, claimedAt: _claimedAt, claimedBy: _claimedBy, deliveredStoredAt: _stored, version: _version, ...rest }: WebhookDelivery): DeliveryView {
  return { id: _id, ...rest };
}
