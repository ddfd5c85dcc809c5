import { dateKeyOfDay, dayNumberOfKey, isWeekend } from '../clocks/china-time.js';
import type { CalendarDay, DateKey, WorkingCalendar } from '../clocks/index.js';

/**
 * Why a day is worked or not, as an administrator reads a calendar: a holiday is a weekday off, an
 * adjusted working day (调休) a weekend day worked; whether the State Council or an administrator said
 * so is the day's `source`.
 */
export type DayKind = 'workday' | 'weekend' | 'holiday' | 'adjusted_workday';

export interface CalendarMonthDay extends CalendarDay {
  /** ISO weekday: 1 Monday … 7 Sunday. */
  weekday: number;
  kind: DayKind;
}

/** Every day of `month` (`YYYY-MM`) as the working calendar decides it. */
export function calendarMonth(calendar: WorkingCalendar, month: string): CalendarMonthDay[] {
  const first = dayNumberOfKey(`${month}-01`);
  const days: CalendarMonthDay[] = [];
  for (let day = first; ; day++) {
    const date: DateKey = dateKeyOfDay(day);
    if (!date.startsWith(month)) break;
    const described = calendar.describeDay(date);
    const weekend = isWeekend(day);
    const kind: DayKind = described.working ? (weekend ? 'adjusted_workday' : 'workday') : weekend ? 'weekend' : 'holiday';
    // 1970-01-01 (day 0) was a Thursday, ISO weekday 4.
    days.push({ ...described, weekday: ((((day + 3) % 7) + 7) % 7) + 1, kind });
  }
  return days;
}
