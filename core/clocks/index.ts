export { type DateKey, chinaDateKey } from './china-time.js';
export {
  INVALID_CLOCK,
  INVALID_DATE,
  INVALID_TIME_LIMIT,
  INVALID_WARNING_THRESHOLDS,
  INVALID_WORKING_CALENDAR,
} from './clock.errors.js';
export {
  type CalendarDay,
  type CalendarOverride,
  type DaySource,
  type StatutoryYear,
  type TimeSegment,
  type WorkingCalendar,
  type WorkingCalendarOptions,
  type WorkingHours,
  DEFAULT_WORKING_HOURS,
  createWorkingCalendar,
} from './working-calendar.js';
export { type HolidayNoticeForm, INVALID_HOLIDAY_NOTICE, noticeYear, parseHolidayNotice } from './holiday-notice.js';
export { type LimitUnit, type TimeLimit, LIMIT_UNITS, assertValidLimit, countsWorkingTime } from './durations.js';
export {
  type ClockStage,
  type LimitOverrides,
  type LimitTable,
  type RequestType,
  type Urgency,
  type WarningThresholds,
  COMPLEX_CATEGORY_LIMITS,
  DEFAULT_LIMITS,
  DEFAULT_WARNING_THRESHOLDS,
  REQUEST_TYPES,
  resolveLimit,
} from './default-limits.js';
export {
  type Clock,
  type ClockStatus,
  type Pause,
  type WarningLevel,
  addWorkingTime,
  clockStatus,
  nextWarningAt,
  warningLevel,
  workingTimeBetween,
} from './deadlines.js';
