import { invalidTimeLimit } from './clock.errors.js';
import type { WorkingCalendar } from './working-calendar.js';

export const LIMIT_UNITS = ['minutes', 'calendar_hours', 'working_hours', 'working_days'] as const;
export type LimitUnit = (typeof LIMIT_UNITS)[number];

/** How long a stage may take, e.g. `{ amount: 5, unit: 'working_days' }`. */
export interface TimeLimit {
  amount: number;
  unit: LimitUnit;
}

// Far beyond any real limit (100,000 working days is four centuries), yet it keeps every deadline inside the
// Date range and the calendar search finite when an administrator mistypes a number.
const MAX_AMOUNT = 100_000;

const HOUR_MS = 3_600_000;

/** Limits come from administrators' settings, so they are checked where they are used, not trusted. */
export function assertValidLimit(limit: TimeLimit): void {
  if (typeof limit !== 'object' || limit === null) throw invalidTimeLimit(limit, 'a limit needs an amount and a unit');
  if (!LIMIT_UNITS.includes(limit.unit)) {
    throw invalidTimeLimit(limit, `unknown unit "${String(limit.unit)}" (expected ${LIMIT_UNITS.join(', ')})`);
  }
  if (typeof limit.amount !== 'number' || !(limit.amount > 0 && limit.amount <= MAX_AMOUNT)) {
    throw invalidTimeLimit(limit, `the amount must be a number above 0 and at most ${MAX_AMOUNT}`);
  }
}

/** Working-time limits run only during working hours; the others run around the clock, holidays included. */
export const countsWorkingTime = (limit: TimeLimit): boolean =>
  limit.unit === 'working_hours' || limit.unit === 'working_days';

/** The limit in milliseconds of its own kind of time: working ms for working units, calendar ms otherwise. */
export function limitMs(limit: TimeLimit, calendar: WorkingCalendar): number {
  switch (limit.unit) {
    case 'minutes':
      return limit.amount * 60_000;
    case 'calendar_hours':
    case 'working_hours':
      return limit.amount * HOUR_MS;
    case 'working_days':
      return limit.amount * calendar.workingMsPerDay;
  }
}
