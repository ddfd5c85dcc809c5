import type { Services } from '../../core/services.js';
import { purgeRevisions } from '../../core/platform/compare-and-set.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Logger } from '../../core/platform/logger.js';

/** Idempotent: deleting what has expired twice deletes nothing the second time. */
export function purgeExpiredJob(services: Services, clock: Clock, logger: Logger) {
  return async () => {
    const now = clock.now();
    const purged = await services.authentication.purgeExpired(now);
    const revisions = await purgeRevisions(services.connection, new Date(now.getTime() - 86_400_000));
    logger.info({ job: 'maintenance.purge-expired', ...purged, revisions }, 'purged expired records');
  };
}
