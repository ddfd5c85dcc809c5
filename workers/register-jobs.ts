import type { Agenda } from 'agenda';
import { schedules, type JobName, type JobPayloads } from '../core/jobs/job-names.js';
import type { Services } from '../core/services.js';
import type { Clock } from '../core/platform/clock.js';
import type { Logger } from '../core/platform/logger.js';
import { chinaDateKey } from '../core/clocks/index.js';
import type { NoticeSender } from '../core/notifications/notice-sender.js';
import type { WebhookSender } from '../core/webhooks/webhook-sender.js';

type Handlers = { [N in JobName]: (payload: JobPayloads[N]) => Promise<void> };

/** Every job handler and every schedule of the worker process. */
export async function registerJobs(agenda: Agenda, deps: { services: Services; clock: Clock; logger: Logger; noticeSender: NoticeSender; webhookSender: WebhookSender }): Promise<void> {
  const { services, clock, logger } = deps;
  // Periodic use cases are idempotent by construction; the job only runs them and logs what they did.
  const reporting = <R extends object>(job: JobName, run: () => Promise<R>, worthLogging: (report: R) => boolean) => async () => {
    const report = await run();
    if (worthLogging(report)) logger.info({ job, ...(report as Record<string, unknown>) }, 'job done');
  };
  // The minute's sweep alone would raise a warning up to a minute late; one more run at the earliest stored
  // deadline raises it on time. One such job is kept (unique by name), moved by every sweep.
  const sweepAndWake = async () => {
    const report = await services.deadlineSweep.run(clock.now());
    if (report.nextDueAt) await agenda.create('tickets.sweep-at-due').unique({ name: 'tickets.sweep-at-due' }).schedule(report.nextDueAt).save();
    return report;
  };
  const handlers: Handlers = {
    'effects.relay': reporting('effects.relay', async () => {
      const failed = (err: unknown) => logger.error({ job: 'effects.relay', err }, 'owed effects not applied; retried later');
      return { tickets: await services.tickets.relayEffects(clock.now(), failed), calls: await services.callRecords.relayEffects(clock.now(), failed) };
    }, (r) => r.tickets + r.calls > 0),
    'tickets.sweep-deadlines': reporting('tickets.sweep-deadlines', sweepAndWake, (r) => r.examined > 0),
    'tickets.sweep-at-due': reporting('tickets.sweep-at-due', sweepAndWake, (r) => r.examined > 0),
    'notifications.send': reporting('notifications.send', () => deps.noticeSender.sendDue(clock), (r) => r.sent + r.retried + r.failed + r.recovered > 0),
    'webhooks.deliver': reporting('webhooks.deliver', () => deps.webhookSender.deliverDue(clock), (r) => r.delivered + r.failed + r.disabled + r.recovered > 0),
    'tickets.route-new': reporting('tickets.route-new', () => services.routing.routePending(clock.now()), (r) => r.proposed + r.skipped > 0),
    'callbacks.send-surveys': reporting('callbacks.send-surveys', () => services.callbacks.sendSurveys(clock.now()), (r) => r.sent + r.noContact > 0),
    'callbacks.follow-up': reporting('callbacks.follow-up', () => services.callbacks.followUpAll(clock.now()), (r) => r.archived + r.reopened > 0),
    'inbound.poll-mailbox': reporting('inbound.poll-mailbox', () => services.mailbox.poll(() => clock.now(), logger), (r) => r.received + r.ignored + r.failed > 0),
    'analytics.trim-hotspots': reporting('analytics.trim-hotspots', async () => {
      const now = clock.now();
      return { dropped: await services.counters.trimHotspots([chinaDateKey(new Date(now.getTime() - 86_400_000)), chinaDateKey(now)]) };
    }, (r) => r.dropped > 0),
    'analytics.monthly-ranking': reporting('analytics.monthly-ranking', () => services.ranking.mailPreviousMonth(clock.now()), () => true),
    'settings.calendar-coverage': reporting('settings.calendar-coverage', () => services.calendarCoverage.warnAdministrators(clock.now()), (r) => r.notices > 0),
    'routing.retrain': reporting('routing.retrain', () => services.routingRetraining.run(clock.now()), () => true),
  };
  for (const [name, handle] of Object.entries(handlers) as [JobName, (payload: never) => Promise<void>][]) {
    agenda.define(name, async (job) => handle(job.attrs.data as never));
  }
  for (const { name, every } of schedules) {
    await agenda.every(every, name, {});
  }
}
