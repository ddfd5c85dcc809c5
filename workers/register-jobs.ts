import type { Agenda } from 'agenda';
import { schedules, type JobName, type JobPayloads } from '../core/jobs/job-names.js';
import type { Services } from '../core/services.js';
import type { Clock } from '../core/platform/clock.js';
import type { Logger } from '../core/platform/logger.js';
import { purgeExpiredJob } from './jobs/purge-expired.job.js';
import { sweepDeadlinesJob } from './jobs/sweep-deadlines.job.js';

type Handlers = { [N in JobName]: (payload: JobPayloads[N]) => Promise<void> };

/** Every job handler and every schedule of the worker process. */
export async function registerJobs(agenda: Agenda, deps: { services: Services; clock: Clock; logger: Logger }): Promise<void> {
  const handlers: Handlers = {
    'maintenance.purge-expired': purgeExpiredJob(deps.services, deps.clock, deps.logger),
    'tickets.sweep-deadlines': sweepDeadlinesJob(deps.services, deps.clock, deps.logger),
  };
  for (const [name, handle] of Object.entries(handlers) as [JobName, (payload: never) => Promise<void>][]) {
    agenda.define(name, async (job) => handle(job.attrs.data as never));
  }
  for (const { name, every } of schedules) {
    await agenda.every(every, name, {});
  }
}
