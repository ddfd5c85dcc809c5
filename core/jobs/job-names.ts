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
}

export type JobName = keyof JobPayloads;

export const schedules: { name: JobName; every: string }[] = [
  { name: 'maintenance.purge-expired', every: '15 minutes' },
  { name: 'tickets.sweep-deadlines', every: '1 minute' },
  { name: 'tickets.route-new', every: '10 seconds' },
];
