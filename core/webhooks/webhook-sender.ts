import type { Model } from 'mongoose';
import type { Config } from '../platform/config.js';
import type { Clock } from '../platform/clock.js';
import { compareAndSet, type StepExtras } from '../platform/compare-and-set.js';
import { isDomainError } from '../platform/errors.js';
import type { WebhookDelivery } from './webhook-delivery.js';
import { retryDelayMs, signatureHeader } from './webhook-events.js';
import type { SubscriptionDocument, WebhookSubscription } from './webhook-subscription.js';
import type { Webhooks } from './webhooks.js';

export interface WebhookSenderOptions {
  /** Recorded on each claim, to tell senders apart. */
  name: string;
  /** Failed attempts in a row after which a subscription is turned off. */
  disableAfterFailures: number;
  /** The wait after the first failure, doubling with each further one up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a receiver may take to answer. */
  timeoutMs: number;
  /** An attempt claimed this long ago is taken to be abandoned (its sender died); longer than `timeoutMs`. */
  leaseMs?: number;
  batchSize?: number;
}

export const webhookSenderSettings = (config: Config): Omit<WebhookSenderOptions, 'name'> => ({
  disableAfterFailures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
  retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
  retryMaxMs: Math.max(config.WEBHOOK_RETRY_BASE_MS, config.WEBHOOK_RETRY_MAX_MS),
  timeoutMs: config.WEBHOOK_TIMEOUT_MS,
});

export interface WebhookReport {
  delivered: number;
  failed: number;
  disabled: number;
  recovered: number;
}

type Outcome = 'delivered' | 'failed' | 'disabled' | null;

/**
 * Delivers the stored deliveries over HTTP, at least once and in order: a change of a ticket goes
 * to a subscription only after every earlier change of that ticket was delivered to it. The
 * receiver is the unit of health: after a failed attempt nothing goes to it until its back-off
 * has passed, then the oldest change waiting is tried again. Any number of senders may run: each
 * attempt is claimed by a compare-and-set, and an attempt whose sender died is sent again after
 * the lease (the receiver folds copies by `X-Hotline-Delivery`).
 */
export class WebhookSender {
  private readonly deliveries: Model<WebhookDelivery>;
  private readonly subscriptions: Model<WebhookSubscription>;
  private readonly leaseMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly webhooks: Webhooks,
    private readonly options: WebhookSenderOptions,
  ) {
    this.deliveries = webhooks.deliveries;
    this.subscriptions = webhooks.subscriptions;
    this.leaseMs = options.leaseMs ?? Math.max(120_000, 2 * options.timeoutMs);
    this.batchSize = options.batchSize ?? 50;
  }

  /** One pass over the enabled subscriptions whose back-off has passed, for at most half a lease. */
  async deliverDue(clock: Clock): Promise<WebhookReport> {
    const report: WebhookReport = { delivered: 0, failed: 0, disabled: 0, recovered: 0 };
    const started = clock.now().getTime();
    const abandoned = await this.deliveries.find({ state: 'sending', claimedAt: { $lte: new Date(started - this.leaseMs) } }).limit(this.batchSize).lean();
    for (const delivery of abandoned) {
      const requeued = await this.settle(delivery, { state: 'pending', claimedAt: null, claimedBy: null, lastError: 'the sender stopped before the receiver answered' });
      if (requeued) report.recovered++;
    }
    const inTime = () => clock.now().getTime() - started < this.leaseMs / 2;
    const now = clock.now();
    const due = (await this.subscriptions.find({ enabled: true, $or: [{ retryAt: null }, { retryAt: { $lte: now } }] }).lean()) as SubscriptionDocument[];
    for (const subscription of due) {
      if (!inTime()) break;
      const outcome = await this.deliverTo(subscription, clock, inTime, report);
      if (outcome === 'failed' || outcome === 'disabled') report[outcome]++;
    }
    return report;
  }

  /** Sends what the subscription is owed, oldest first, until it is drained or an attempt fails. */
  private async deliverTo(subscription: SubscriptionDocument, clock: Clock, inTime: () => boolean, report: WebhookReport): Promise<Outcome> {
    const subscriptionId = String(subscription._id);
    for (let batch = 0; batch < 10 && inTime(); batch++) {
      const pending = await this.deliveries.find({ subscriptionId, state: 'pending' }).sort({ occurredAt: 1, ticketVersion: 1, _id: 1 }).limit(this.batchSize).lean();
      let sent = 0;
      for (const delivery of pending) {
        if (!inTime()) return null;
        if (await this.waitsForEarlier(delivery)) continue;
        const outcome = await this.attempt(subscription, delivery, clock);
        if (outcome === 'failed' || outcome === 'disabled') return outcome;
        if (outcome === 'delivered') {
          report.delivered++;
          sent++;
        }
      }
      if (sent === 0 || pending.length < this.batchSize) return null;
    }
    return null;
  }

  /** Whether an earlier change of the same ticket is still owed to the same subscription. */
  private async waitsForEarlier(delivery: WebhookDelivery): Promise<boolean> {
    return !!(await this.deliveries.exists({
      subscriptionId: delivery.subscriptionId, ticketId: delivery.ticketId, ticketVersion: { $lt: delivery.ticketVersion }, state: { $in: ['pending', 'sending'] },
    }));
  }

  private async attempt(subscription: SubscriptionDocument, delivery: WebhookDelivery, clock: Clock): Promise<Outcome> {
    const now = clock.now();
    const claimed = await this.settle(delivery, { state: 'sending', attempts: delivery.attempts + 1, lastAttemptAt: now, claimedAt: now, claimedBy: this.options.name });
    if (!claimed) return null;
    const answer = await this.post(subscription, claimed, now);
    if (answer.ok) {
      const done = await this.settle(
        claimed,
        { state: 'delivered', deliveredAt: clock.now(), responseCode: answer.status, lastError: null, claimedAt: null, claimedBy: null },
        { currentDate: ['deliveredStoredAt'] },
      );
      await this.webhooks.recordSuccess(delivery.subscriptionId);
      return done ? 'delivered' : null;
    }
    await this.settle(claimed, { state: 'pending', responseCode: answer.status, lastError: answer.error, claimedAt: null, claimedBy: null });
    const policy = { delay: (failures: number) => retryDelayMs(failures, this.options.retryBaseMs, this.options.retryMaxMs), disableAfter: this.options.disableAfterFailures };
    return (await this.webhooks.recordFailure(delivery.subscriptionId, answer.error, clock.now(), policy)) === 'disabled' ? 'disabled' : 'failed';
  }

  /** One signed POST; any answer but 2xx (a redirect too) is a failure. */
  private async post(subscription: SubscriptionDocument, delivery: WebhookDelivery, now: Date): Promise<{ ok: true; status: number } | { ok: false; status: number | null; error: string }> {
    try {
      const res = await fetch(subscription.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'hotline12345-webhooks',
          'x-hotline-event': delivery.eventType,
          'x-hotline-delivery': delivery._id,
          'x-hotline-signature': signatureHeader(subscription.secret, delivery.body, now),
        },
        body: delivery.body,
      });
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
    } catch (err) {
      return { ok: false, status: null, error: describeFailure(err, this.options.timeoutMs) };
    }
  }

  /** A compare-and-set from the version read; null when another sender changed the delivery first (it owns it now). */
  private async settle(delivery: WebhookDelivery, set: Partial<WebhookDelivery>, extras?: StepExtras): Promise<WebhookDelivery | null> {
    try {
      return await compareAndSet(this.deliveries, delivery._id, delivery.version, set, 'delivery', extras);
    } catch (err) {
      if (isDomainError(err) && err.code === 'VERSION_CONFLICT') return null;
      throw err;
    }
  }
}

/** Why no answer came: the socket's code (ECONNREFUSED, ECONNRESET…), a timeout, or the message. */
function describeFailure(err: unknown, timeoutMs: number): string {
  const error = err as Error & { cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return error.cause?.code ?? error.cause?.message ?? error.message;
}
