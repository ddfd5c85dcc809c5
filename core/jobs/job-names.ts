/**
 * Every job the workers run: its stable name (never rename one: queued jobs carry it) and its
 * payload. Payloads are plain JSON with ids, never documents. This is the place to read what
 * jobs exist.
 */
export interface JobPayloads {
  /** Finishes the effects (history, notices, roll-ups) of ticket and call changes whose writer died before applying them. */
  'effects.relay': Record<string, never>;
  /** The deadline watch: yellow and red warnings (red urges), supervision a working day after red. */
  'tickets.sweep-deadlines': Record<string, never>;
  /** The same watch, run once at the next stored deadline so that a warning lands on time, not at the next minute. */
  'tickets.sweep-at-due': Record<string, never>;
  /** Proposes departments for new tickets; dispatches at once above the confidence threshold. */
  'tickets.route-new': Record<string, never>;
  /** Sends due notices from the outbox and recovers attempts of senders that died; any number may run at once. */
  'notifications.send': Record<string, never>;
  /** Delivers webhook deliveries in order per ticket, with back-off per receiver; any number may run at once. */
  'webhooks.deliver': Record<string, never>;
  /** Sends satisfaction surveys for accepted replies; queues requesters without mobile or e-mail for a phone callback. */
  'callbacks.send-surveys': Record<string, never>;
  /** Archives satisfied tickets and reopens dissatisfied or unresolved ones after their callback. */
  'callbacks.follow-up': Record<string, never>;
  /** Reads the hotline's mailbox (IMAP): each new message becomes a ticket or a message on the ticket it answers. Nothing without a mailbox configured. */
  'inbound.poll-mailbox': Record<string, never>;
  /** Keeps today's and yesterday's hotspot roll-ups to their busiest keys. */
  'analytics.trim-hotspots': Record<string, never>;
  /** On the first of the month: the previous month's ranking, mailed to supervisors. */
  'analytics.monthly-ranking': Record<string, never>;
  /** On the first of the month: the previous month's accountability bulletins (问责通报), city-wide and per department. */
  'accountability.monthly-bulletin': Record<string, never>;
  /** Daily: within 60 days of the end of the known statutory holidays, tells the administrators to import the next notice. */
  'settings.calendar-coverage': Record<string, never>;
  /** Weekly: retrains the routing classifier with the dispatchers' corrections; the new model is kept only if it does at least as well on the dev set. */
  'routing.retrain': Record<string, never>;
}

export type JobName = keyof JobPayloads;

export const schedules: { name: JobName; every: string }[] = [
  { name: 'effects.relay', every: '5 seconds' },
  // Cron: at each minute's start; the at-due run between them is scheduled by each sweep.
  { name: 'tickets.sweep-deadlines', every: '* * * * *' },
  { name: 'tickets.route-new', every: '10 seconds' },
  { name: 'notifications.send', every: '10 seconds' },
  { name: 'webhooks.deliver', every: '5 seconds' },
  { name: 'callbacks.send-surveys', every: '10 seconds' },
  { name: 'callbacks.follow-up', every: '10 seconds' },
  { name: 'inbound.poll-mailbox', every: '30 seconds' },
  { name: 'analytics.trim-hotspots', every: '1 minute' },
  // Cron: 09:00 on the first of each month, in the workers' time zone.
  { name: 'analytics.monthly-ranking', every: '0 9 1 * *' },
  { name: 'accountability.monthly-bulletin', every: '0 9 1 * *' },
  // Cron: 09:00 each day.
  { name: 'settings.calendar-coverage', every: '0 9 * * *' },
  // Sunday 03:00: training holds a CPU for minutes, best spent when the hotline is quiet.
  { name: 'routing.retrain', every: '0 3 * * 0' },
];
