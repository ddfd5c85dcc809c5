import statutoryCalendar from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import {
  type DateKey,
  type DayNumber,
  dateKeyOfDay,
  dayNumberOf,
  dayNumberOfKey,
  instantMs,
  isWeekend,
  startOfDayMs,
  weekdaysBefore,
} from './china-time.js';
import { invalidWorkingCalendar } from './clock.errors.js';

/** One period of a working day in China time, `HH:MM`, end exclusive. */
export interface WorkingHours {
  start: string;
  end: string;
}

/** An administrator's decision for one date; it wins over the statutory calendar. */
export interface CalendarOverride {
  date: DateKey;
  working: boolean;
  name?: string;
}

/** One year of the State Council's holiday notice: its holidays and adjusted working days (调休). */
export interface StatutoryYear {
  year: number;
  days: { date: DateKey; working: boolean; name: string }[];
}

export interface WorkingCalendarOptions {
  overrides?: readonly CalendarOverride[];
  workingHours?: readonly WorkingHours[];
  /** Years an administrator imported from the notice; each replaces whatever the package says of that year. */
  importedYears?: readonly StatutoryYear[];
}

/**
 * Where a day's status comes from: the plain week, the State Council's calendar (the package's data or
 * an imported notice), an administrator, or — for a year no notice covers yet — the fixed-date holidays
 * the law itself names (`provisional`), until the notice says how they are arranged.
 */
export type DaySource = 'week' | 'statutory' | 'provisional' | 'override';

export interface CalendarDay {
  date: DateKey;
  working: boolean;
  source: DaySource;
  name?: string;
}

export interface TimeSegment {
  start: Date;
  end: Date;
}

export interface WorkingCalendar {
  readonly workingHours: readonly WorkingHours[];
  readonly workingMsPerDay: number;
  /**
   * The years the statutory data (the package and imported notices) covers without a gap. Later years
   * hold only the fixed-date legal holidays (`provisional`) until a notice is imported.
   */
  readonly statutoryYears: { first: number; last: number };
  isWorkingDay(date: DateKey): boolean;
  describeDay(date: DateKey): CalendarDay;
  /** The working periods of a date as instants; none on a day off. */
  workingSegments(date: DateKey): TimeSegment[];
  /** `at` itself during working hours, otherwise the start of the next working period. */
  nextWorkingInstant(at: Date): Date;
  /**
   * Working milliseconds from a fixed origin to `at`. The difference of two positions is the working time
   * between them; the position stands still outside working hours.
   */
  workingPositionOf(at: Date): number;
  /**
   * The earliest instant at a working position: a position reached at a day's close is that close, not the
   * next morning's opening, so a deadline never lies later than the working time it grants.
   */
  instantAtWorkingPosition(position: number): Date;
}

export const DEFAULT_WORKING_HOURS: readonly WorkingHours[] = [
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '17:30' },
];

interface DayRule {
  working: boolean;
  source: DaySource;
  name?: string;
}

interface Period {
  startMs: number;
  endMs: number;
}

// Loaded once per process: the package's JSON is its documented data export, and reading it directly keeps
// day logic on our fixed UTC+8 arithmetic instead of the package's date parsing in the machine's zone.
const statutoryDays: ReadonlyMap<DayNumber, DayRule> = loadStatutoryDays(statutoryCalendar);
const packageYears = yearRange(statutoryDays.keys());

/**
 * The holidays on fixed solar dates under the State Council's 全国年节及纪念日放假办法 (2024): New Year's
 * Day, two days of Labour Day, three of National Day. The lunar ones (Spring Festival, Dragon Boat,
 * Mid-Autumn) and Qingming, and every adjusted working day, come only with the yearly notice.
 */
const fixedLegalHolidays: readonly { monthDay: string; name: string }[] = [
  { monthDay: '01-01', name: '元旦' },
  { monthDay: '05-01', name: '劳动节' },
  { monthDay: '05-02', name: '劳动节' },
  { monthDay: '10-01', name: '国庆节' },
  { monthDay: '10-02', name: '国庆节' },
  { monthDay: '10-03', name: '国庆节' },
];
/** How many years past the covered ones get the provisional holidays: far more than any clock runs. */
const provisionalYears = 5;

const yearOf = (day: DayNumber) => Number(dateKeyOfDay(day).slice(0, 4));

/** The package's days with the imported years in place of its own, and the years covered without a gap. */
function statutoryRules(imported: readonly StatutoryYear[]): { rules: Map<DayNumber, DayRule>; years: { first: number; last: number } } {
  const importedYears = new Set(imported.map((y) => y.year));
  const rules = new Map([...statutoryDays].filter(([day]) => !importedYears.has(yearOf(day))));
  for (const year of imported) {
    for (const day of year.days) {
      const number = dayNumberOfKey(day.date);
      if (yearOf(number) !== year.year && yearOf(number) !== year.year - 1) {
        throw invalidWorkingCalendar(`${day.date} does not belong to the ${year.year} notice`, { year: year.year, date: day.date });
      }
      rules.set(number, { working: day.working, source: 'statutory', name: day.name });
    }
  }
  let last = packageYears.last;
  while (importedYears.has(last + 1)) last += 1;
  for (let year = last + 1; year <= last + provisionalYears; year++) {
    for (const holiday of fixedLegalHolidays) {
      const day = dayNumberOfKey(`${year}-${holiday.monthDay}`);
      if (!rules.has(day)) rules.set(day, { working: false, source: 'provisional', name: holiday.name });
    }
  }
  return { rules, years: { first: packageYears.first, last } };
}

function loadStatutoryDays(data: { holidays: Record<string, string>; workdays: Record<string, string> }) {
  const days = new Map<DayNumber, DayRule>();
  const add = (entries: Record<string, string>, working: boolean) => {
    for (const [date, label] of Object.entries(entries)) {
      // Labels read "National Day,国庆节,3": English name, Chinese name, holiday length.
      days.set(dayNumberOfKey(date), { working, source: 'statutory', name: label.split(',')[1] ?? label });
    }
  };
  add(data.holidays, false);
  add(data.workdays, true);
  return days;
}

function yearRange(days: Iterable<DayNumber>): { first: number; last: number } {
  const years = [...days].map((day) => Number(dateKeyOfDay(day).slice(0, 4)));
  return { first: Math.min(...years), last: Math.max(...years) };
}

export function createWorkingCalendar(options: WorkingCalendarOptions = {}): WorkingCalendar {
  const workingHours = options.workingHours ?? DEFAULT_WORKING_HOURS;
  const periods = parseWorkingHours(workingHours);
  const workingMsPerDay = periods.reduce((sum, p) => sum + p.endMs - p.startMs, 0);
  const statutory = statutoryRules(options.importedYears ?? []);
  const rules = withOverrides(statutory.rules, options.overrides ?? []);
  const countWorkingDaysBefore = workingDayCounter(rules);

  const ruleOf = (day: DayNumber): DayRule => rules.get(day) ?? { working: !isWeekend(day), source: 'week' };
  const isWorking = (day: DayNumber) => ruleOf(day).working;
  // The working day with exactly n working days before it (counted from the day-number origin).
  const nthWorkingDay = (n: number) => firstDayWithWorkingDaysBefore(countWorkingDaysBefore, n + 1) - 1;

  function workingPositionOf(at: Date): number {
    const ms = instantMs(at);
    const day = dayNumberOf(ms);
    const before = countWorkingDaysBefore(day) * workingMsPerDay;
    return isWorking(day) ? before + workedWithinDay(periods, ms - startOfDayMs(day)) : before;
  }

  // `earliest` picks a day's close for a position on a day boundary, `latest` the next opening.
  function instantAt(position: number, edge: 'earliest' | 'latest'): Date {
    const dayIndex = edge === 'earliest' ? Math.ceil(position / workingMsPerDay) - 1 : Math.floor(position / workingMsPerDay);
    const withinDay = position - dayIndex * workingMsPerDay;
    return new Date(startOfDayMs(nthWorkingDay(dayIndex)) + offsetOfWorked(periods, withinDay, edge));
  }

  return {
    workingHours,
    workingMsPerDay,
    statutoryYears: statutory.years,
    isWorkingDay: (date) => isWorking(dayNumberOfKey(date)),
    describeDay(date) {
      return { date, ...ruleOf(dayNumberOfKey(date)) };
    },
    workingSegments(date) {
      const day = dayNumberOfKey(date);
      if (!isWorking(day)) return [];
      const dayStart = startOfDayMs(day);
      return periods.map((p) => ({ start: new Date(dayStart + p.startMs), end: new Date(dayStart + p.endMs) }));
    },
    nextWorkingInstant: (at) => instantAt(workingPositionOf(at), 'latest'),
    workingPositionOf,
    instantAtWorkingPosition: (position) => instantAt(position, 'earliest'),
  };
}

function parseWorkingHours(hours: readonly WorkingHours[]): Period[] {
  if (!Array.isArray(hours) || hours.length === 0) throw invalidWorkingCalendar('working hours need at least one period');
  const periods = hours.map((h) => ({ startMs: msOfDay(h.start), endMs: msOfDay(h.end) }));
  periods.forEach((p, i) => {
    const previous = periods[i - 1];
    if (p.startMs >= p.endMs || (previous && previous.endMs > p.startMs)) {
      throw invalidWorkingCalendar('working hours must be ordered periods that do not overlap', { workingHours: hours });
    }
  });
  return periods;
}

function msOfDay(time: unknown): number {
  const match = typeof time === 'string' ? /^([01]\d|2[0-4]):([0-5]\d)$/.exec(time) : null;
  const ms = match ? (Number(match[1]) * 60 + Number(match[2])) * 60_000 : Number.NaN;
  if (!(ms <= 86_400_000)) throw invalidWorkingCalendar(`"${String(time)}" is not a time of day (HH:MM)`);
  return ms;
}

function withOverrides(base: ReadonlyMap<DayNumber, DayRule>, overrides: readonly CalendarOverride[]) {
  const rules = new Map(base);
  const seen = new Set<DayNumber>();
  for (const override of overrides) {
    const day = dayNumberOfKey(override.date);
    if (typeof override.working !== 'boolean') throw invalidWorkingCalendar('an override must say whether the day is worked', { override });
    if (seen.has(day)) throw invalidWorkingCalendar(`${override.date} is overridden twice`, { date: override.date });
    seen.add(day);
    rules.set(day, { working: override.working, source: 'override', ...(override.name ? { name: override.name } : {}) });
  }
  return rules;
}

/**
 * Counts working days before a day in O(log n): the weekday count in closed form, corrected by the sorted
 * days that differ from the plain week (holidays on weekdays, worked weekends, overrides).
 */
function workingDayCounter(rules: ReadonlyMap<DayNumber, DayRule>): (day: DayNumber) => number {
  const shifted = [...rules]
    .filter(([day, rule]) => rule.working === isWeekend(day))
    .map(([day, rule]) => ({ day, delta: rule.working ? 1 : -1 }))
    .sort((a, b) => a.day - b.day);
  const days = shifted.map((s) => s.day);
  const deltaBefore = [0];
  for (const s of shifted) deltaBefore.push((deltaBefore.at(-1) ?? 0) + s.delta);
  return (day) => weekdaysBefore(day) + (deltaBefore[firstIndexAtOrAfter(days, day)] ?? 0);
}

function firstIndexAtOrAfter(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? Infinity) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first day with at least `count` working days before it: galloping then bisecting, never day by day. */
function firstDayWithWorkingDaysBefore(countBefore: (day: DayNumber) => number, count: number): DayNumber {
  let hi = Math.ceil((count * 7) / 5);
  for (let step = 8; countBefore(hi) < count; step *= 2) hi += step;
  let lo = hi - 1;
  for (let step = 8; countBefore(lo) >= count; step *= 2) lo -= step;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (countBefore(mid) >= count) hi = mid;
    else lo = mid;
  }
  return hi;
}

function workedWithinDay(periods: readonly Period[], offsetMs: number): number {
  return periods.reduce((sum, p) => sum + Math.min(Math.max(offsetMs - p.startMs, 0), p.endMs - p.startMs), 0);
}

/** Where in a working day `worked` ms of work have been done; `worked` lies within one day's working time. */
function offsetOfWorked(periods: readonly Period[], worked: number, edge: 'earliest' | 'latest'): number {
  let before = 0;
  for (const p of periods.slice(0, -1)) {
    const length = p.endMs - p.startMs;
    const inThisPeriod = edge === 'earliest' ? worked <= before + length : worked < before + length;
    if (inThisPeriod) return p.startMs + worked - before;
    before += length;
  }
  return (periods.at(-1)?.startMs ?? 0) + worked - before;
}
