import type { Types } from 'mongoose';
import { systemActor } from '../accounts/access.js';
import { clockStatus, addWorkingTime } from '../clocks/index.js';
import { isDomainError } from '../platform/errors.js';
import { acceptOverdue, extensionDefaultAt, returnDefaultAt, settleClocks, type LifecycleEnv } from '../tickets/ticket-lifecycle.js';
import { statesInHand, type Ticket, type TicketDocument } from '../tickets/ticket.js';
import type { TicketRepository } from '../tickets/ticket.repository.js';
import type { LifecycleEnvs, Tickets } from '../tickets/tickets.js';

export type SweepStep = { action: 'warn'; level: 'yellow' | 'red' } | { action: 'supervise' };

const rank = { none: 0, yellow: 1, red: 2 } as const;

/**
 * What the sweep must do for one ticket now: raise the warnings the ticket has not recorded yet (red
 * also urges), and supervise a ticket still red one working day after its deadline. Pure.
 */
export function sweepSteps(ticket: Ticket, env: LifecycleEnv): SweepStep[] {
  const settled = settleClocks(structuredClone(ticket), env);
  const steps: SweepStep[] = [];
  // A sweep that comes late (a worker down, a limit shorter than the sweep's pace) finds a ticket red
  // that never was yellow: the department is still owed the yellow warning, recorded before the red.
  const levels = (['yellow', 'red'] as const).slice(0, rank[settled.warning]).filter((level) => rank[level] > rank[ticket.warnedLevel]);
  for (const level of levels) steps.push({ action: 'warn', level });
  if (settled.warning === 'red' && !ticket.supervisedAt && statesInHand.includes(ticket.state)) {
    const overdueSince = earliestRedDeadline(settled, env);
    if (overdueSince && addWorkingTime(overdueSince, { amount: 1, unit: 'working_days' }, env.calendar) <= env.now) steps.push({ action: 'supervise' });
  }
  return steps;
}

/**
 * The default decisions due on a ticket now (超时默认), taken before its warnings: a part deemed
 * accepted runs on its reply clock, so the sweep does not also warn of the accept deadline it decided. Pure.
 */
export function defaultSteps(ticket: Ticket, env: LifecycleEnv): DefaultStep[] {
  const returnAt = returnDefaultAt(ticket, env);
  if (returnAt && returnAt <= env.now) return [{ action: 'reject_return' }];
  if (!['dispatched', 'in_handling', 'waiting_info'].includes(ticket.state)) return [];
  const steps: DefaultStep[] = env.defaults.accept === 'deem_accepted'
    ? ticket.assignments.filter((part) => acceptOverdue(part, env)).map((part) => ({ action: 'deem_accept', departmentId: part.departmentId }))
    : [];
  const extensionAt = extensionDefaultAt(ticket, env);
  if (extensionAt && extensionAt <= env.now && ticket.state !== 'dispatched') steps.push({ action: env.defaults.extension === 'approve' ? 'approve_extension' : 'deny_extension' });
  return steps;
}

export type DefaultStep = { action: 'deem_accept'; departmentId: string } | { action: 'approve_extension' | 'deny_extension' | 'reject_return' };

function earliestRedDeadline(t: Ticket, env: LifecycleEnv): Date | null {
  let earliest: Date | null = null;
  for (const part of t.assignments) {
    const clocks = [part.state === 'dispatched' ? part.acceptClock : null, ['dispatched', 'accepted'].includes(part.state) ? part.replyClock : null];
    for (const clock of clocks) {
      if (!clock) continue;
      const status = clockStatus(clock, env.now, env.calendar, env.thresholds);
      if (status.warning === 'red' && status.dueAt && (!earliest || status.dueAt < earliest)) earliest = status.dueAt;
    }
  }
  return earliest;
}

export interface SweepReport {
  /** Due tickets read (`nextDeadlineAt` at or before now), whose warnings and supervision were decided. */
  examined: number;
  /** Default decisions taken (超时默认). */
  defaulted: number;
  warned: number;
  supervised: number;
  /** Tickets another writer changed after the sweep read them: left to that write and the next sweep. */
  conflicts: number;
  /** The earliest next deadline after this run, as stored now: when the next sweep has something to do. */
  nextDueAt: Date | null;
}

export interface SweepOptions {
  /** Due tickets read per query. */
  batchSize: number;
  /** Tickets acted on at once. */
  concurrency: number;
}

/**
 * The one periodic deadline watch: reads the tickets whose next deadline has passed, in deadline
 * order, and raises what is due on each through the lifecycle. Running it twice, or in two workers
 * at once, changes nothing more: each action names the version the sweep read and is guarded by
 * what the ticket has already recorded.
 */
export class DeadlineSweep {
  constructor(
    private readonly tickets: Tickets,
    private readonly ticketRows: TicketRepository,
    private readonly options: SweepOptions = { batchSize: 500, concurrency: 8 },
  ) {}

  async run(now: Date): Promise<SweepReport> {
    const report: SweepReport = { examined: 0, defaulted: 0, warned: 0, supervised: 0, conflicts: 0, nextDueAt: null };
    // Settings and category chains, read once per category for the whole run.
    const envs: LifecycleEnvs = new Map();
    let after: { at: Date; id: Types.ObjectId } | null = null;
    for (;;) {
      // Paged rather than re-read from the start: a due ticket the sweep leaves as it is (nothing to
      // raise, or a lost compare-and-set) would otherwise come back in every batch.
      const batch = await this.ticketRows.dueBy(now, after, this.options.batchSize);
      report.examined += batch.length;
      await this.tickets.prepareEnvs(now, batch.map((ticket) => ticket.categoryId), envs);
      await eachAtMost(this.options.concurrency, batch, (ticket) => this.sweepTicket(ticket, now, envs, report));
      const last = batch.at(-1);
      if (!last || batch.length < this.options.batchSize) return { ...report, nextDueAt: await this.ticketRows.nextDueAfter(now) };
      after = { at: last.nextDeadlineAt!, id: last._id };
    }
  }

  private async sweepTicket(ticket: TicketDocument, now: Date, envs: LifecycleEnvs, report: SweepReport): Promise<void> {
    const ctx = { actor: systemActor, now };
    const env = await this.tickets.env(now, ticket.categoryId, envs);
    let current = ticket;
    try {
      for (const step of defaultSteps(current, env)) {
        if (step.action === 'deem_accept') {
          current = await this.tickets.actOn(ctx, current, 'deem_accept', { departmentId: step.departmentId, reason: '超过签收时限未签收，视为已签收' }, env);
        } else if (step.action === 'reject_return') {
          current = await this.tickets.actOn(ctx, current, 'reject_return', { reason: '中心未在时限内审核退单申请，按默认规则退回原承办单位继续办理' }, env);
        } else {
          const reason = `中心未在时限内审核延期申请，按默认规则${step.action === 'approve_extension' ? '批准' : '不予批准'}`;
          current = await this.tickets.actOn(ctx, current, step.action, { reason }, env);
        }
        report.defaulted += 1;
      }
      for (const step of sweepSteps(current, env)) {
        if (step.action === 'warn') {
          current = await this.tickets.actOn(ctx, current, 'warn', { level: step.level }, env);
          report.warned += 1;
        } else {
          current = await this.tickets.actOn(ctx, current, 'supervise', { reason: '超过办理时限一个工作日仍未办结，自动督办' }, env);
          report.supervised += 1;
        }
      }
    } catch (err) {
      // Someone acted on the ticket since it was read (another sweep, or a department): that write
      // settled its clocks, and the next sweep decides again if it is still due.
      if (!isDomainError(err) || !['VERSION_CONFLICT', 'INVALID_TRANSITION'].includes(err.code)) throw err;
      report.conflicts += 1;
    }
  }
}

/** Runs `work` over the items, at most `limit` at a time; the first failure stops new work and is rethrown once the running ones end. */
async function eachAtMost<T>(limit: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failure = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
  if (failure) throw failure.reason;
}
