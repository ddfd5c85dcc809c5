import { invalidDate } from './clock.errors.js';

/** A calendar date in China time, `YYYY-MM-DD`. */
export type DateKey = string;

/** Days since 1970-01-01 in China time; day arithmetic without Date objects. */
export type DayNumber = number;

export const DAY_MS = 86_400_000;

// China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for every ticket and
// the result never depends on the time zone of the machine running the sweep.
const CHINA_OFFSET_MS = 8 * 3_600_000;

// 1970-01-01 was a Thursday.
const EPOCH_WEEKDAY = 4;

export function instantMs(at: Date): number {
  const ms = at instanceof Date ? at.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw invalidDate(at);
  return ms;
}

export const dayNumberOf = (ms: number): DayNumber => Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS);

export const startOfDayMs = (day: DayNumber): number => day * DAY_MS - CHINA_OFFSET_MS;

export function dayNumberOfKey(key: DateKey): DayNumber {
  const match = typeof key === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(key) : null;
  if (!match) throw invalidDate(key);
  const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
  // Date.UTC rolls 2025-02-30 over to March; the round trip catches dates that do not exist.
  if (dateKeyOfDay(day) !== key) throw invalidDate(key);
  return day;
}

export const dateKeyOfDay = (day: DayNumber): DateKey => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The China-time date of an instant. */
export const chinaDateKey = (at: Date): DateKey => dateKeyOfDay(dayNumberOf(instantMs(at)));

export function isWeekend(day: DayNumber): boolean {
  const weekday = (((day + EPOCH_WEEKDAY) % 7) + 7) % 7;
  return weekday === 0 || weekday === 6;
}

/** Mondays to Fridays in [day 0, day), negative for days before 1970: a closed form, so spans of years cost nothing. */
export function weekdaysBefore(day: DayNumber): number {
  const weeks = Math.floor(day / 7);
  let count = 5 * weeks;
  for (let d = 7 * weeks; d < day; d++) if (!isWeekend(d)) count++;
  return count;
}
