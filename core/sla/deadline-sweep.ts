import { Schema, type Connection, type Model } from 'mongoose';
import { systemActor } from '../accounts/access.js';
import { clockStatus, addWorkingTime } from '../clocks/index.js';
import { defineModel } from '../platform/database.js';
import { isDomainError } from '../platform/errors.js';
import { deadlineMinuteOf, settleClocks, type LifecycleEnv } from '../tickets/ticket-lifecycle.js';
import { statesInHand, type Ticket, type TicketDocument } from '../tickets/ticket.js';
import type { Tickets } from '../tickets/tickets.js';
import type { DeadlineMinutes } from './deadline-minutes.js';

interface SweepMark {
  _id: string;
  /** Every minute up to and including this one has been swept. */
  through: string;
}

const markModel = (connection: Connection): Model<SweepMark> =>
  defineModel(connection, 'SweepMark', new Schema<SweepMark>({ _id: String, through: String }, { versionKey: false, collection: 'sweep_marks' }));

export type SweepStep = { action: 'warn'; level: 'yellow' | 'red' } | { action: 'supervise' };

/**
 * What the sweep must do for one ticket now: raise a warning the ticket has not recorded yet (red
 * also urges), and supervise a ticket still red one working day after its deadline. Pure.
 */
export function sweepSteps(ticket: Ticket, env: LifecycleEnv): SweepStep[] {
  const settled = settleClocks(structuredClone(ticket), env);
  const steps: SweepStep[] = [];
  const rank = { none: 0, yellow: 1, red: 2 };
  if (settled.warning !== 'none' && rank[settled.warning] > rank[ticket.warnedLevel]) steps.push({ action: 'warn', level: settled.warning });
  if (settled.warning === 'red' && !ticket.supervisedAt && statesInHand.includes(ticket.state)) {
    const overdueSince = earliestRedDeadline(settled, env);
    if (overdueSince && addWorkingTime(overdueSince, { amount: 1, unit: 'working_days' }, env.calendar) <= env.now) steps.push({ action: 'supervise' });
  }
  return steps;
}

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
  minutes: number;
  /** Tickets read to be looked at: listed under the minutes walked (or, catching up, overdue). */
  read: number;
  /** Of those, the tickets still due in their minute, whose warnings and supervision were decided. */
  examined: number;
  warned: number;
  supervised: number;
  conflicts: number;
}

/** Tickets loaded per query by `_id` `$in` (FerretDB hands up to 1000 to SQLite's `_id` index). */
const ticketsPerRead = 500;
/** Entries stay a day behind the sweep, so that a sweep interrupted before its mark moved finds them again. */
const purgeAfterMinutes = 24 * 60;

/**
 * The one periodic deadline watch: walks the minutes since the last sweep and, for each, reads the
 * tickets listed under it (`DeadlineMinutes`) by `_id` and keeps those whose next deadline still
 * falls in it. Running it twice changes nothing the second time: each step is guarded by what the
 * ticket has already recorded.
 */
export class DeadlineSweep {
  private readonly marks: Model<SweepMark>;

  constructor(
    connection: Connection,
    private readonly tickets: Tickets,
    private readonly deadlines: DeadlineMinutes,
    private readonly maxMinutesPerRun = 24 * 60,
  ) {
    this.marks = markModel(connection);
  }

  async run(now: Date): Promise<SweepReport> {
    const report: SweepReport = { minutes: 0, read: 0, examined: 0, warned: 0, supervised: 0, conflicts: 0 };
    const mark = await this.marks.findById('deadlines').lean();
    const last = deadlineMinuteOf(new Date(now.getTime() - 60_000 + 1));
    // With no mark yet (a new database) or after a long outage, one range query catches up on
    // everything overdue; otherwise the tickets listed under each minute since the last sweep.
    const minutes = mark ? this.minutesBetween(mark.through, last) : null;
    const walk = minutes && minutes.length <= this.maxMinutesPerRun ? minutes : null;
    if (walk) {
      for (const minute of walk) {
        report.minutes += 1;
        const ids = [...new Set(await this.deadlines.listed(minute))];
        for (let first = 0; first < ids.length; first += ticketsPerRead) {
          const rows = await this.tickets.tickets.find({ _id: { $in: ids.slice(first, first + ticketsPerRead) } }).lean();
          report.read += rows.length;
          for (const ticket of rows as TicketDocument[]) {
            if (ticket.deadlineMinute !== minute) continue;
            report.examined += 1;
            await this.sweepTicket(ticket, now, report);
          }
        }
      }
    } else {
      report.minutes += 1;
      for (const ticket of (await this.tickets.tickets.find({ nextDeadlineAt: { $lte: now } }).lean()) as TicketDocument[]) {
        report.read += 1;
        report.examined += 1;
        await this.sweepTicket(ticket, now, report);
      }
    }
    await this.marks.updateOne({ _id: 'deadlines' }, { $set: { through: last } }, { upsert: true });
    for (const minute of walk ?? []) await this.deadlines.purge(minuteBefore(minute, purgeAfterMinutes));
    return report;
  }

  private minutesBetween(after: string, through: string): string[] {
    const minutes: string[] = [];
    const end = new Date(`${through}:00Z`).getTime();
    const start = new Date(`${after}:00Z`).getTime() + 60_000;
    if ((end - start) / 60_000 > this.maxMinutesPerRun) return new Array<string>(this.maxMinutesPerRun + 1);
    for (let at = start; at <= end; at += 60_000) minutes.push(new Date(at).toISOString().slice(0, 16));
    return minutes;
  }

  private async sweepTicket(ticket: TicketDocument, now: Date, report: SweepReport, attempt = 0): Promise<void> {
    const env = await this.tickets.env(now, ticket.categoryId);
    const id = String(ticket._id);
    try {
      for (const step of sweepSteps(ticket, env)) {
        if (step.action === 'warn') {
          await this.tickets.act({ actor: systemActor, now }, id, 'warn', { level: step.level });
          report.warned += 1;
        } else {
          await this.tickets.act({ actor: systemActor, now }, id, 'supervise', { reason: '超过办理时限一个工作日仍未办结，自动督办' });
          report.supervised += 1;
        }
      }
    } catch (err) {
      if (!isDomainError(err) || !['VERSION_CONFLICT', 'INVALID_TRANSITION'].includes(err.code)) throw err;
      // Someone acted on the ticket meanwhile: its deadline minute may already lie behind the sweep,
      // so look at it again now rather than at a minute that will not come back.
      report.conflicts += 1;
      const fresh = await this.tickets.tickets.findById(id).lean();
      if (fresh && attempt < 3) await this.sweepTicket(fresh as TicketDocument, now, report, attempt + 1);
    }
  }
}

function minuteBefore(minute: string, minutes: number): string {
  return new Date(new Date(`${minute}:00Z`).getTime() - minutes * 60_000).toISOString().slice(0, 16);
}
