import type { Services } from '../../core/services.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Logger } from '../../core/platform/logger.js';

/** Idempotent: deleting what has expired twice deletes nothing the second time. */
export function purgeExpiredJob(services: Services, clock: Clock, logger: Logger) {
  return async () => {
    const purged = await services.authentication.purgeExpired(clock.now());
    logger.info({ job: 'maintenance.purge-expired', ...purged }, 'purged expired records');
  };
}
