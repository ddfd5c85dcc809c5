import { instantMs } from './china-time.js';
import { invalidClock, invalidWarningThresholds } from './clock.errors.js';
import { DEFAULT_WARNING_THRESHOLDS, type WarningThresholds } from './default-limits.js';
import { assertValidLimit, countsWorkingTime, limitMs, type TimeLimit } from './durations.js';
import type { WorkingCalendar } from './working-calendar.js';

/** Waiting for the requester's information; `to` is unset (or null) while still waiting. */
export interface Pause {
  from: Date;
  to?: Date | null;
}

/** One stage's clock as a ticket stores it. */
export interface Clock {
  startedAt: Date;
  limit: TimeLimit;
  pauses: readonly Pause[];
  /** The deadline of an approved extension. */
  extendedTo?: Date | null;
}

export type WarningLevel = 'none' | 'yellow' | 'red';

export interface ClockStatus {
  /** Null while paused: the deadline is unknown until the information arrives. */
  dueAt: Date | null;
  paused: boolean;
  /** Time used over time granted; 1 at the deadline, above 1 once overdue. */
  elapsedFraction: number;
  warning: WarningLevel;
  /** Working ms for working-time limits, calendar ms otherwise; negative once time has run past the deadline. */
  remainingMs: number;
}

/** A kind of time: positions along it, whose differences are the time a limit counts. */
interface Measure {
  position(at: Date): number;
  instantAt(position: number): Date;
}

interface ClosedPause {
  from: number;
  to: number;
  endedAtMs: number;
}

/** A clock read at one instant, in positions of its limit's measure. */
interface ClockReading {
  measure: Measure;
  start: number;
  closedPauses: readonly ClosedPause[];
  paused: boolean;
  elapsed: number;
  budget: number;
}

const calendarTime: Measure = { position: instantMs, instantAt: (position) => new Date(position) };

function measureOf(limit: TimeLimit, calendar: WorkingCalendar): Measure {
  if (!countsWorkingTime(limit)) return calendarTime;
  return {
    position: (at) => calendar.workingPositionOf(at),
    instantAt: (position) => calendar.instantAtWorkingPosition(position),
  };
}

// Rounding up: a deadline is never earlier than the full limit, even for fractional amounts.
const instantAfter = (measure: Measure, position: number): Date => measure.instantAt(Math.ceil(position));

/**
 * The deadline of a limit started at `start`. Working-time limits count only working hours: a start outside
 * them counts from the next working instant, and "N working days" is N times a working day's hours, so a
 * start at Monday 10:00 is due at the same time N working days later. When the limit is used up exactly at a
 * day's close (a start at opening time, or at night), the deadline is that close, not the next opening.
 */
export function addWorkingTime(start: Date, limit: TimeLimit, calendar: WorkingCalendar): Date {
  assertValidLimit(limit);
  const measure = measureOf(limit, calendar);
  return instantAfter(measure, measure.position(start) + limitMs(limit, calendar));
}

/** Working milliseconds from `a` to `b`; negative when `b` is before `a`. */
export function workingTimeBetween(a: Date, b: Date, calendar: WorkingCalendar): number {
  return calendar.workingPositionOf(b) - calendar.workingPositionOf(a);
}

export function warningLevel(fraction: number, thresholds: WarningThresholds = DEFAULT_WARNING_THRESHOLDS): WarningLevel {
  if (!(thresholds.yellow > 0 && thresholds.yellow < thresholds.red)) throw invalidWarningThresholds(thresholds);
  if (fraction >= thresholds.red) return 'red';
  if (fraction >= thresholds.yellow) return 'yellow';
  return 'none';
}

export function clockStatus(
  clock: Clock,
  now: Date,
  calendar: WorkingCalendar,
  thresholds: WarningThresholds = DEFAULT_WARNING_THRESHOLDS,
): ClockStatus {
  const reading = readClock(clock, now, calendar);
  const elapsedFraction = fractionUsed(reading);
  return {
    dueAt: reading.paused ? null : instantWhenElapsed(reading, reading.budget),
    paused: reading.paused,
    elapsedFraction,
    warning: warningLevel(elapsedFraction, thresholds),
    remainingMs: reading.budget - reading.elapsed,
  };
}

/**
 * When the clock's warning level next rises after `now`: the instant yellow starts, then the deadline (red);
 * null once red or while paused, as nothing changes until someone acts. The sweep indexes this instant, so
 * whoever changes the clock (pause, resume, extension, the sweep itself) stores it again.
 */
export function nextWarningAt(
  clock: Clock,
  now: Date,
  calendar: WorkingCalendar,
  thresholds: WarningThresholds = DEFAULT_WARNING_THRESHOLDS,
): Date | null {
  const reading = readClock(clock, now, calendar);
  if (reading.paused) return null;
  const level = warningLevel(fractionUsed(reading), thresholds);
  if (level === 'red') return null;
  const nextThreshold = level === 'none' ? thresholds.yellow : thresholds.red;
  return instantWhenElapsed(reading, nextThreshold * reading.budget);
}

// A budget of nothing (an extension to an instant with no working time after the start) is used up at once.
const fractionUsed = (reading: ClockReading): number => (reading.budget > 0 ? reading.elapsed / reading.budget : 1);

function readClock(clock: Clock, now: Date, calendar: WorkingCalendar): ClockReading {
  const pauses = validPauses(clock);
  const measure = measureOf(clock.limit, calendar);
  const nowMs = instantMs(now);
  const start = measure.position(clock.startedAt);
  const current = measure.position(now);
  // Pauses are read as they stood at `now`, so a status can be replayed for any past instant.
  const begun = pauses.filter((p) => p.from.getTime() <= nowMs);
  const closedPauses = begun.flatMap((p) =>
    p.to && p.to.getTime() <= nowMs ? [{ from: measure.position(p.from), to: measure.position(p.to), endedAtMs: p.to.getTime() }] : [],
  );
  // Pauses do not overlap, so only the last one begun can still be running.
  const openPause = begun[closedPauses.length];
  const pausedTime =
    closedPauses.reduce((sum, p) => sum + p.to - p.from, 0) + (openPause ? current - measure.position(openPause.from) : 0);
  return {
    measure,
    start,
    closedPauses,
    paused: !!openPause,
    // A clock started by another process a moment after this process's `now` reads as just started.
    elapsed: Math.max(0, current - start - pausedTime),
    budget: clock.extendedTo ? extendedBudget(measure, start, clock.extendedTo, closedPauses) : limitMs(clock.limit, calendar),
  };
}

/**
 * An extension replaces the deadline, and the centre approved its date knowing the pauses so far: the budget
 * is the time up to `extendedTo` less the pauses that ended before it. A pause still running at `extendedTo`
 * moves the deadline later like any pause.
 */
function extendedBudget(measure: Measure, start: number, extendedTo: Date, closedPauses: readonly ClosedPause[]): number {
  const extendedToMs = extendedTo.getTime();
  const pausedBefore = closedPauses
    .filter((p) => p.endedAtMs <= extendedToMs)
    .reduce((sum, p) => sum + p.to - p.from, 0);
  return measure.position(extendedTo) - start - pausedBefore;
}

/** The instant the clock will have used `elapsed` of its time, each earlier closed pause pushing it later. */
function instantWhenElapsed(reading: ClockReading, elapsed: number): Date {
  let position = reading.start + elapsed;
  for (const pause of reading.closedPauses) {
    if (pause.from < position) position += pause.to - pause.from;
  }
  return instantAfter(reading.measure, position);
}

function validPauses(clock: Clock): Pause[] {
  const startedAt = instantMs(clock.startedAt);
  assertValidLimit(clock.limit);
  if (clock.extendedTo && instantMs(clock.extendedTo) <= startedAt) {
    throw invalidClock('an extension must end after the clock started', { startedAt: clock.startedAt, extendedTo: clock.extendedTo });
  }
  const pauses = [...clock.pauses].sort((a, b) => instantMs(a.from) - instantMs(b.from));
  let previousEnd = startedAt;
  for (const pause of pauses) {
    const from = instantMs(pause.from);
    if (from < previousEnd) throw invalidClock('a pause must start after the clock started and the previous pause ended', { pause });
    previousEnd = pause.to ? instantMs(pause.to) : Infinity;
    if (previousEnd < from) throw invalidClock('a pause must end after it starts', { pause });
  }
  return pauses;
}
