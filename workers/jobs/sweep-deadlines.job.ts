import type { Services } from '../../core/services.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Logger } from '../../core/platform/logger.js';

/** Idempotent: each warning and supervision is guarded by what the ticket already recorded. */
export function sweepDeadlinesJob(services: Services, clock: Clock, logger: Logger) {
  return async () => {
    const report = await services.deadlineSweep.run(clock.now());
    if (report.examined > 0) logger.info({ job: 'tickets.sweep-deadlines', ...report }, 'deadline sweep');
  };
}
