import type { Connection, Model } from 'mongoose';
import { authorize, systemActor, type Actor } from '../accounts/access.js';
import { newSecret } from '../accounts/secrets.js';
import type { UserRepository } from '../accounts/user.repository.js';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import type { Outbox } from '../notifications/outbox.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { assertId, diff, isDuplicateKey, notFound } from '../platform/documents.js';
import { DomainError } from '../platform/errors.js';
import type { TicketEffect } from '../tickets/ticket.js';
import type { Locale } from '../../templates/catalogue.js';
import { deliveryId, presentDelivery, webhookDeliveryModel, type DeliveryState, type DeliveryView, type WebhookDelivery } from './webhook-delivery.js';
import { departmentsInvolved, eventTypeOf, webhookBody, type WebhookEventType } from './webhook-events.js';
import { presentSubscription, webhookSubscriptionModel, type SubscriptionDocument, type SubscriptionView, type WebhookSubscription } from './webhook-subscription.js';

export interface SubscriptionInput {
  partner: string;
  url: string;
  events: WebhookEventType[];
  departmentId?: string | null;
  enabled?: boolean;
}

export type SubscriptionChanges = Partial<SubscriptionInput> & { version: number };

export interface DeliveryFilter {
  state?: DeliveryState;
  ticketId?: string;
  /** Deliveries of changes before this instant (paging back through the log). */
  before?: Date;
  limit: number;
}

/** The subscription with its secret: the only answers that carry it. */
export type SubscriptionWithSecret = SubscriptionView & { secret: string };

const secretPrefix = 'whsec_';

/**
 * Webhook subscriptions (managed by administrators, every change audited), the deliveries each
 * ticket change owes them (stored by the `webhooks` reaction of the ticket effects), and the
 * bookkeeping of the senders' successes and failures.
 */
export class Webhooks {
  readonly subscriptions: Model<WebhookSubscription>;
  readonly deliveries: Model<WebhookDelivery>;
  /**
   * What `record` needs of the enabled subscriptions, kept `routesKeepMs`: every ticket change asks,
   * and subscriptions change a few times a year. A change here is seen at once by this process, by
   * others within that time (a new subscription's first seconds may go unsent there).
   */
  private routes: { at: number; rows: (Pick<WebhookSubscription, 'events' | 'departmentId'> & { _id: unknown })[] } | null = null;

  constructor(
    connection: Connection,
    private readonly deps: { departments: DepartmentRepository; users: UserRepository; outbox: Outbox; audit: AuditLog; locale: Locale },
    private readonly routesKeepMs = 5_000,
  ) {
    this.subscriptions = webhookSubscriptionModel(connection);
    this.deliveries = webhookDeliveryModel(connection);
  }

  async list(actor: Actor): Promise<SubscriptionView[]> {
    authorize(actor, 'webhooks.manage');
    const rows = (await this.subscriptions.find().sort({ createdAt: 1, _id: 1 }).lean()) as SubscriptionDocument[];
    return rows.map(presentSubscription);
  }

  async get(actor: Actor, id: string): Promise<SubscriptionView> {
    authorize(actor, 'webhooks.manage');
    return presentSubscription(await this.load(id));
  }

  async create(ctx: ActionContext, input: SubscriptionInput): Promise<SubscriptionWithSecret> {
    authorize(ctx.actor, 'webhooks.manage');
    await this.assertDepartment(input.departmentId ?? null);
    const enabled = input.enabled ?? true;
    const secret = secretPrefix + newSecret();
    const created = await this.subscriptions.create({
      partner: input.partner, url: input.url, secret, events: unique(input.events), departmentId: input.departmentId ?? null,
      enabled, disabledReason: enabled ? null : 'administrator', disabledAt: enabled ? null : ctx.now, consecutiveFailures: 0, retryAt: null,
      lastError: null, version: 1, createdAt: ctx.now, updatedAt: ctx.now,
    });
    this.routes = null;
    const view = presentSubscription(created.toObject() as SubscriptionDocument);
    await this.deps.audit.record(ctx, 'webhook.create', { type: 'webhook', id: view.id }, {
      partner: view.partner, url: view.url, events: view.events, departmentId: view.departmentId, enabled,
    });
    return { ...view, secret };
  }

  /**
   * Changes what an administrator sets. Enabling, or pointing it at another URL, starts the
   * receiver afresh: no failures counted, no back-off; deliveries kept while it was off go out.
   */
  async update(ctx: ActionContext, id: string, changes: SubscriptionChanges): Promise<SubscriptionView> {
    authorize(ctx.actor, 'webhooks.manage');
    const current = await this.load(id);
    const { version, ...fields } = changes;
    if (fields.departmentId) await this.assertDepartment(fields.departmentId);
    const set: Partial<WebhookSubscription> = { ...fields, ...(fields.events ? { events: unique(fields.events) } : {}), updatedAt: ctx.now };
    const enabling = fields.enabled === true && !current.enabled;
    if (enabling || (fields.url !== undefined && fields.url !== current.url)) Object.assign(set, { consecutiveFailures: 0, retryAt: null });
    if (enabling) Object.assign(set, { disabledReason: null, disabledAt: null });
    if (fields.enabled === false && current.enabled) Object.assign(set, { disabledReason: 'administrator', disabledAt: ctx.now });
    const updated = (await compareAndSet(this.subscriptions, id, version, set, 'webhook')) as SubscriptionDocument;
    this.routes = null;
    const { updatedAt: _at, ...audited } = set;
    await this.deps.audit.record(ctx, 'webhook.update', { type: 'webhook', id }, diff(current as unknown as Record<string, unknown>, audited as Record<string, unknown>));
    return presentSubscription(updated);
  }

  /** A new secret, shown once; deliveries from now on are signed with it. */
  async rotateSecret(ctx: ActionContext, id: string, version: number): Promise<SubscriptionWithSecret> {
    authorize(ctx.actor, 'webhooks.manage');
    await this.load(id);
    const secret = secretPrefix + newSecret();
    const updated = (await compareAndSet(this.subscriptions, id, version, { secret, updatedAt: ctx.now }, 'webhook')) as SubscriptionDocument;
    await this.deps.audit.record(ctx, 'webhook.rotate_secret', { type: 'webhook', id });
    return { ...presentSubscription(updated), secret };
  }

  /** Deletes the subscription and its delivery log; what was still owed to it is dropped. */
  async remove(ctx: ActionContext, id: string): Promise<void> {
    authorize(ctx.actor, 'webhooks.manage');
    const current = await this.load(id);
    await this.subscriptions.deleteOne({ _id: id });
    this.routes = null;
    const { deletedCount } = await this.deliveries.deleteMany({ subscriptionId: id });
    await this.deps.audit.record(ctx, 'webhook.delete', { type: 'webhook', id }, { partner: current.partner, url: current.url, deliveriesDropped: deletedCount });
  }

  /** The delivery log of one subscription, newest change first. */
  async deliveryLog(actor: Actor, id: string, filter: DeliveryFilter): Promise<DeliveryView[]> {
    authorize(actor, 'webhooks.manage');
    await this.load(id);
    const query: Record<string, unknown> = { subscriptionId: id };
    if (filter.state) query.state = filter.state;
    if (filter.ticketId) query.ticketId = filter.ticketId;
    if (filter.before) query.occurredAt = { $lt: filter.before };
    const rows = await this.deliveries.find(query).sort({ occurredAt: -1, ticketVersion: -1, _id: -1 }).limit(filter.limit).lean();
    return rows.map(presentDelivery);
  }

  /**
   * Sends a delivered change again, with the same delivery id (a receiver that kept it folds the
   * copy). It waits its turn like any delivery: after earlier changes of its ticket still owed.
   */
  async replay(ctx: ActionContext, id: string, delivery: string): Promise<DeliveryView> {
    authorize(ctx.actor, 'webhooks.manage');
    await this.load(id);
    const current = await this.deliveries.findOne({ _id: delivery, subscriptionId: id }).lean();
    if (!current) throw new DomainError('WEBHOOK_DELIVERY_NOT_FOUND', `No delivery ${delivery} of webhook ${id}.`, { id: delivery });
    if (current.state !== 'delivered') {
      throw new DomainError('DELIVERY_NOT_DELIVERED', `Delivery ${delivery} is still ${current.state}: it goes out by itself.`, { state: current.state });
    }
    const requeued = await compareAndSet(this.deliveries, delivery, current.version, {
      state: 'pending', replays: current.replays + 1, claimedAt: null, claimedBy: null, deliveredAt: null,
    }, 'delivery', { unset: ['deliveredStoredAt'] });
    await this.deps.audit.record(ctx, 'webhook.delivery.replay', { type: 'webhook', id }, { delivery, eventId: current.eventId });
    return presentDelivery(requeued);
  }

  /**
   * The `webhooks` reaction: one delivery per enabled subscription that wants this change. Keyed
   * by subscription and ticket event, so applying the same effect again stores nothing new.
   */
  async record(effect: TicketEffect): Promise<number> {
    const { event } = effect;
    const type = eventTypeOf(event.action);
    // An imported ticket's intake is history, not news (its requester is not told either).
    if (!type || (event.action === 'intake' && effect.ticket.channel === 'import')) return 0;
    const departments = departmentsInvolved(effect.ticket, event);
    const subscribers = (await this.enabledRoutes()).filter((s) => s.events.includes(type) && (s.departmentId === null || departments.includes(s.departmentId)));
    if (!subscribers.length) return 0;
    const body = webhookBody(type, effect.ticket, event);
    let created = 0;
    for (const { _id } of subscribers) {
      const subscriptionId = String(_id);
      try {
        await this.deliveries.create({
          _id: deliveryId(subscriptionId, event._id), subscriptionId, eventId: event._id, eventType: type, ticketId: event.ticketId, ticketNumber: effect.ticket.number,
          ticketVersion: event.version, occurredAt: event.at, body, state: 'pending', attempts: 0, lastAttemptAt: null, responseCode: null,
          lastError: null, claimedAt: null, claimedBy: null, deliveredAt: null, replays: 0, createdAt: event.at, version: 1,
        });
        created++;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    return created;
  }

  private async enabledRoutes() {
    if (this.routes && Date.now() - this.routes.at < this.routesKeepMs) return this.routes.rows;
    const rows = await this.subscriptions.find({ enabled: true }, { events: 1, departmentId: 1 }).lean();
    this.routes = { at: Date.now(), rows };
    return rows;
  }

  /** A success: the receiver is healthy again. */
  async recordSuccess(subscriptionId: string): Promise<void> {
    await this.subscriptions.updateOne(
      { _id: subscriptionId, $or: [{ consecutiveFailures: { $ne: 0 } }, { retryAt: { $ne: null } }] },
      { $set: { consecutiveFailures: 0, retryAt: null, lastError: null } },
    );
  }

  /**
   * A failed attempt: counted atomically (several senders may fail at once), the receiver left
   * alone for `delay(failures)`, and at `disableAfter` failures in a row the subscription is
   * turned off, audited, and the administrators are told by mail.
   */
  async recordFailure(subscriptionId: string, error: string, now: Date, policy: { delay: (failures: number) => number; disableAfter: number }): Promise<'retry' | 'disabled'> {
    const counted = (await this.subscriptions
      .findOneAndUpdate({ _id: subscriptionId }, { $inc: { consecutiveFailures: 1 }, $set: { lastError: error } }, { returnDocument: 'after' })
      .lean()) as SubscriptionDocument | null;
    if (!counted) return 'disabled';
    const failures = counted.consecutiveFailures;
    await this.subscriptions.updateOne({ _id: subscriptionId, consecutiveFailures: failures }, { $set: { retryAt: new Date(now.getTime() + policy.delay(failures)) } });
    if (failures < policy.disableAfter) return 'retry';
    const disabled = (await this.subscriptions
      .findOneAndUpdate(
        { _id: subscriptionId, enabled: true, consecutiveFailures: { $gte: policy.disableAfter } },
        { $set: { enabled: false, disabledReason: 'failures', disabledAt: now, updatedAt: now }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      )
      .lean()) as SubscriptionDocument | null;
    if (!disabled) return 'disabled';
    this.routes = null;
    const ctx = { actor: systemActor, now };
    await this.deps.audit.record(ctx, 'webhook.disable', { type: 'webhook', id: subscriptionId }, { enabled: { from: true, to: false }, failures, lastError: error });
    const administrators = await this.deps.users.administratorEmails();
    await this.deps.outbox.enqueue(
      administrators.map((to) => ({
        eventId: `webhook-disabled:${subscriptionId}:${now.getTime()}`, template: 'webhook-disabled' as const, locale: this.deps.locale, channel: 'email' as const, to,
        data: { partner: disabled.partner, url: disabled.url, failures, lastError: error, disabledAt: now },
      })),
      now,
    );
    return 'disabled';
  }

  private async load(id: string): Promise<SubscriptionDocument> {
    assertId(id, 'webhook');
    const found = (await this.subscriptions.findById(id).lean()) as SubscriptionDocument | null;
    if (!found) throw notFound('webhook', id);
    return found;
  }

  private async assertDepartment(departmentId: string | null): Promise<void> {
    if (departmentId && !(await this.deps.departments.exists(departmentId))) {
      throw new DomainError('DEPARTMENT_NOT_FOUND', `No department with id ${departmentId}.`, { field: 'departmentId' });
    }
  }
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];
