import { DomainError } from '../platform/errors.js';

export const INVALID_TIME_LIMIT = 'INVALID_TIME_LIMIT';
export const INVALID_DATE = 'INVALID_DATE';
export const INVALID_WORKING_CALENDAR = 'INVALID_WORKING_CALENDAR';
export const INVALID_CLOCK = 'INVALID_CLOCK';
export const INVALID_WARNING_THRESHOLDS = 'INVALID_WARNING_THRESHOLDS';

export const invalidTimeLimit = (limit: unknown, reason: string): DomainError =>
  new DomainError(INVALID_TIME_LIMIT, `Invalid time limit: ${reason}.`, { limit });

export const invalidDate = (value: unknown): DomainError =>
  new DomainError(INVALID_DATE, `Not a valid date: ${String(value)}.`, { value });

export const invalidWorkingCalendar = (reason: string, details: Record<string, unknown> = {}): DomainError =>
  new DomainError(INVALID_WORKING_CALENDAR, `Invalid working calendar: ${reason}.`, details);

export const invalidClock = (reason: string, details: Record<string, unknown> = {}): DomainError =>
  new DomainError(INVALID_CLOCK, `Invalid clock: ${reason}.`, details);

export const invalidWarningThresholds = (thresholds: unknown): DomainError =>
  new DomainError(
    INVALID_WARNING_THRESHOLDS,
    'Warning thresholds need 0 < yellow < red.',
    { thresholds },
  );
