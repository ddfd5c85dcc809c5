import type { Agenda } from 'agenda';
import { schedules, type JobName, type JobPayloads } from '../core/jobs/job-names.js';
import type { Services } from '../core/services.js';
import type { Clock } from '../core/platform/clock.js';
import type { Logger } from '../core/platform/logger.js';
import { purgeExpired } from '../core/maintenance/purge-expired.js';

type Handlers = { [N in JobName]: (payload: JobPayloads[N]) => Promise<void> };

/** Every job handler and every schedule of the worker process. */
export async function registerJobs(agenda: Agenda, deps: { services: Services; clock: Clock; logger: Logger }): Promise<void> {
  const { services, clock, logger } = deps;
  // Periodic use cases are idempotent by construction; the job only runs them and logs what they did.
  const reporting = <R extends object>(job: JobName, run: () => Promise<R>, worthLogging: (report: R) => boolean) => async () => {
    const report = await run();
    if (worthLogging(report)) logger.info({ job, ...(report as Record<string, unknown>) }, 'job done');
  };
  const handlers: Handlers = {
    'maintenance.purge-expired': reporting('maintenance.purge-expired', () => purgeExpired(services.connection, services.authentication, clock.now()), () => true),
    'tickets.sweep-deadlines': reporting('tickets.sweep-deadlines', () => services.deadlineSweep.run(clock.now()), (r) => r.examined > 0),
    'tickets.route-new': reporting('tickets.route-new', () => services.routing.routePending(clock.now()), (r) => r.proposed + r.skipped > 0),
  };
  for (const [name, handle] of Object.entries(handlers) as [JobName, (payload: never) => Promise<void>][]) {
    agenda.define(name, async (job) => handle(job.attrs.data as never));
  }
  for (const { name, every } of schedules) {
    await agenda.every(every, name, {});
  }
}
