/**
 * Every job the workers run: its stable name (never rename one: queued jobs carry it) and its
 * payload. Payloads are plain JSON with ids, never documents. This is the place to read what
 * jobs exist.
 */
export interface JobPayloads {
  /** Deletes expired sessions and stale login-throttle windows (TTL indexes are unavailable on FerretDB). */
  'maintenance.purge-expired': Record<string, never>;
  /** The deadline watch: yellow and red warnings (red urges), supervision a working day after red. */
  'tickets.sweep-deadlines': Record<string, never>;
  /** Proposes departments for new tickets; dispatches at once above the confidence threshold. */
  'tickets.route-new': Record<string, never>;
  /** Sends due notices from the outbox and recovers attempts of senders that died; any number may run at once. */
  'notifications.send': Record<string, never>;
  /** Sends satisfaction surveys for accepted replies; queues requesters without mobile or e-mail for a phone callback. */
  'callbacks.send-surveys': Record<string, never>;
  /** Archives satisfied tickets and reopens dissatisfied or unresolved ones after their callback. */
  'callbacks.follow-up': Record<string, never>;
  /** Folds recorded event counters into the per-department daily rows the dashboard reads. */
  'analytics.fold-counters': Record<string, never>;
  /** On the first of the month: the previous month's ranking, mailed to supervisors. */
  'analytics.monthly-ranking': Record<string, never>;
}

export type JobName = keyof JobPayloads;

export const schedules: { name: JobName; every: string }[] = [
  { name: 'maintenance.purge-expired', every: '15 minutes' },
  { name: 'tickets.sweep-deadlines', every: '1 minute' },
  { name: 'tickets.route-new', every: '10 seconds' },
  { name: 'notifications.send', every: '10 seconds' },
  { name: 'callbacks.send-surveys', every: '10 seconds' },
  { name: 'callbacks.follow-up', every: '10 seconds' },
  { name: 'analytics.fold-counters', every: '30 seconds' },
  // Cron: 09:00 on the first of each month, in the workers' time zone.
  { name: 'analytics.monthly-ranking', every: '0 9 1 * *' },
];
