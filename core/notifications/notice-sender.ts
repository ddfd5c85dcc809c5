import type { Model } from 'mongoose';
import type { Clock } from '../platform/clock.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { isDomainError } from '../platform/errors.js';
import type { NoticeChannel, TemplateData, TemplateId } from '../../templates/catalogue.js';
import { render } from '../../templates/render.js';
import type { Notice, Outbox } from './outbox.js';
import { DeliveryRefused, type OutgoingMessage, type Transport } from './transport.js';

/** Waits after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure is final. */
export const retryDelaysMs = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000];

export interface NoticeSenderOptions {
  /** Recorded on each claim, to tell senders apart. */
  name: string;
  batchSize?: number;
  /** An attempt claimed this long ago is taken to be abandoned (its sender died). */
  leaseMs?: number;
}

export interface SendReport {
  sent: number;
  retried: number;
  failed: number;
  recovered: number;
}

/**
 * Sends due notices exactly once, with any number of senders on one database.
 *
 * Every change of a notice is a compare-and-set on its version, and an attempt goes through three steps:
 *   1. claim:  pending → sending (version v+1). One sender wins; the others skip the notice.
 *   2. commit: sending → sending with `committedAt` (v+2), won just before the point of no return
 *      (for SMTP the final dot of DATA; the transport waits for it). Commit and the recovery of an
 *      abandoned attempt contend for this same step, so exactly one of them happens.
 *   3. settle: sent, or pending again with back-off, or failed.
 * A sender killed after the claim leaves the notice `sending`. After the lease, another sender
 * recovers it: without a commit nothing can have gone out, so it is retried; with a commit it is
 * counted as sent and never sent again, because the message was handed over (or was about to be).
 *
 * Residual risk, chosen knowingly: a sender killed in the instant between winning the commit
 * step and writing the final dot, or a connection lost after the dot but before the server's
 * reply, leaves a notice counted as sent that may not have arrived (marked "unconfirmed" in
 * lastError when the sender saw it happen). The opposite choice, resending, would risk the
 * duplicate this design exists to prevent. The Message-ID derived from the outbox id lets mail
 * receivers fold a copy if one ever slips through.
 */
export class NoticeSender {
  private readonly notices: Model<Notice>;
  private readonly batchSize: number;
  private readonly leaseMs: number;

  constructor(
    outbox: Outbox,
    private readonly transports: Record<NoticeChannel, Transport>,
    private readonly options: NoticeSenderOptions,
  ) {
    this.notices = outbox.notices;
    this.batchSize = options.batchSize ?? 50;
    this.leaseMs = options.leaseMs ?? 120_000;
  }

  /**
   * One pass: recovers abandoned attempts, then sends due notices one at a time, up to ten
   * batches and for at most half a lease, so a sender never looks abandoned while it is working.
   */
  async sendDue(clock: Clock): Promise<SendReport> {
    const report: SendReport = { sent: 0, retried: 0, failed: 0, recovered: 0 };
    const started = clock.now().getTime();
    const abandoned = await this.notices
      .find({ state: 'sending', claimedAt: { $lte: new Date(started - this.leaseMs) } })
      .limit(this.batchSize)
      .lean();
    for (const notice of abandoned) {
      const now = clock.now();
      const outcome = notice.committedAt
        ? await this.settle(notice, { state: 'sent', sentAt: notice.committedAt, lastError: 'unconfirmed: the sender stopped after handing the message over' })
        : await this.retryOrFail(notice, 'the sender stopped before handing the message over', false, now);
      if (outcome) report.recovered++;
    }
    const inTime = () => clock.now().getTime() - started < this.leaseMs / 2;
    for (let batch = 0, full = true; full && batch < 10 && inTime(); batch++) {
      const due = await this.notices.find({ state: 'pending', nextAttemptAt: { $lte: clock.now() } }).sort({ nextAttemptAt: 1 }).limit(this.batchSize).lean();
      full = due.length === this.batchSize;
      for (const notice of due) {
        if (!inTime()) break;
        const outcome = await this.sendOne(notice, clock.now());
        if (outcome) report[outcome]++;
      }
    }
    return report;
  }

  private async sendOne(notice: Notice, now: Date): Promise<keyof SendReport | null> {
    const claimed = await this.settle(notice, { state: 'sending', attempts: notice.attempts + 1, claimedAt: now, claimedBy: this.options.name, committedAt: null });
    if (!claimed) return null;
    let message: OutgoingMessage;
    try {
      message = { id: claimed._id, channel: claimed.channel, to: claimed.to, ...renderNotice(claimed) };
    } catch (err) {
      return this.retryOrFail(claimed, `cannot render: ${(err as Error).message}`, true, now);
    }
    let committed = false;
    let commitWrite: Promise<Notice | null> | undefined;
    // Resolves once the commit is durable, so the transport crosses its point of no return right after it.
    const commit = async () => {
      commitWrite = this.settle(claimed, { committedAt: now });
      if (!(await commitWrite)) throw new Error('the attempt was taken over by another sender');
      committed = true;
    };
    try {
      await this.transports[claimed.channel].deliver(message, commit);
    } catch (err) {
      const reason = (err as Error).message;
      if (!committed) return this.retryOrFail(claimed, reason, err instanceof DeliveryRefused && err.permanent, now);
      const current = await commitWrite!;
      if (!current) return null;
      if (err instanceof DeliveryRefused) return this.retryOrFail(current, reason, err.permanent, now);
      // Past the point of no return without a refusal: the message may well have arrived, and a second copy is the greater harm.
      return (await this.settle(current, { state: 'sent', sentAt: now, lastError: `unconfirmed: ${reason}` })) ? 'sent' : null;
    }
    const current = await commitWrite!;
    if (!current) return null;
    return (await this.settle(current, { state: 'sent', sentAt: now, lastError: null })) ? 'sent' : null;
  }

  private async retryOrFail(notice: Notice, reason: string, permanent: boolean, now: Date): Promise<'retried' | 'failed' | null> {
    const delay = retryDelaysMs[notice.attempts - 1];
    if (permanent || delay === undefined) {
      return (await this.settle(notice, { state: 'failed', nextAttemptAt: null, lastError: reason })) ? 'failed' : null;
    }
    const retry = { state: 'pending' as const, nextAttemptAt: new Date(now.getTime() + delay), claimedAt: null, claimedBy: null, committedAt: null, lastError: reason };
    return (await this.settle(notice, retry)) ? 'retried' : null;
  }

  /** A compare-and-set from the version read; null when another sender changed the notice first (it owns it now). */
  private async settle(notice: Notice, set: Partial<Notice>): Promise<Notice | null> {
    try {
      // A sent notice is stamped with the database's clock, which its TTL index follows.
      return await compareAndSet(this.notices, notice._id, notice.version, set, 'notice', set.state === 'sent' ? { currentDate: ['sentStoredAt'] } : {});
    } catch (err) {
      if (isDomainError(err) && err.code === 'VERSION_CONFLICT') return null;
      throw err;
    }
  }
}

function renderNotice(notice: Notice) {
  return render(notice.template, notice.locale, notice.data as TemplateData[TemplateId], notice.channel);
}
