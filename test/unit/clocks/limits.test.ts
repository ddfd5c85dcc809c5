import assert from 'node:assert/strict';
import {
  COMPLEX_CATEGORY_LIMITS,
  DEFAULT_LIMITS,
  INVALID_TIME_LIMIT,
  REQUEST_TYPES,
  type TimeLimit,
  clockStatus,
  createWorkingCalendar,
  nextWarningAt,
  resolveLimit,
} from '../../../core/clocks/index.js';
import { assertDomainError, at, calendarHours, minutes, workingDays, workingHours } from './clock-test-helpers.js';

describe('Clocks: limits per stage, request type and category', () => {
  it('when no category overrides the limits, then the hotline’s defaults apply', () => {
    assert.deepEqual(resolveLimit('dispatch', 'complaint', 'urgent'), minutes(5));
    assert.deepEqual(resolveLimit('accept', 'help', 'urgent'), workingHours(1));
    assert.deepEqual(resolveLimit('accept', 'help', 'normal'), workingDays(1));
    assert.deepEqual(resolveLimit('reply', 'inquiry', 'normal'), workingDays(2));
    for (const type of ['help', 'complaint', 'report', 'suggestion', 'praise'] as const) {
      assert.deepEqual(resolveLimit('reply', type, 'normal'), workingDays(5), type);
    }
    for (const type of REQUEST_TYPES) assert.deepEqual(resolveLimit('reply', type, 'urgent'), calendarHours(24), type);
    assert.deepEqual(resolveLimit('callback', 'praise', 'normal'), workingDays(2));
  });

  it('when a category is complex, then its normal replies get 15 working days and everything else keeps the defaults', () => {
    for (const type of REQUEST_TYPES) {
      assert.deepEqual(resolveLimit('reply', type, 'normal', COMPLEX_CATEGORY_LIMITS), workingDays(15), type);
    }
    assert.deepEqual(resolveLimit('reply', 'help', 'urgent', COMPLEX_CATEGORY_LIMITS), calendarHours(24));
    assert.deepEqual(resolveLimit('accept', 'help', 'normal', COMPLEX_CATEGORY_LIMITS), workingDays(1));
  });

  it('when an administrator sets a category’s own limits, then they replace only the defaults they name', () => {
    const override = { accept: { normal: workingHours(4) }, reply: { normal: { inquiry: workingDays(1) } } };
    assert.deepEqual(resolveLimit('accept', 'help', 'normal', override), workingHours(4));
    assert.deepEqual(resolveLimit('accept', 'help', 'urgent', override), workingHours(1));
    assert.deepEqual(resolveLimit('reply', 'inquiry', 'normal', override), workingDays(1));
    assert.deepEqual(resolveLimit('reply', 'help', 'normal', override), workingDays(5));
  });

  it('when an administrator changes the hotline’s defaults, then categories without overrides follow them', () => {
    const defaults = { ...DEFAULT_LIMITS, dispatch: minutes(10) };
    assert.deepEqual(resolveLimit('dispatch', 'inquiry', 'normal', {}, defaults), minutes(10));
  });

  it('when an override holds a negative amount or an unknown unit, then INVALID_TIME_LIMIT is thrown', () => {
    assertDomainError(() => resolveLimit('dispatch', 'inquiry', 'normal', { dispatch: minutes(-5) }), INVALID_TIME_LIMIT);
    const unknownUnit = { amount: 2, unit: 'weeks' } as unknown as TimeLimit;
    assertDomainError(() => resolveLimit('callback', 'inquiry', 'normal', { callback: unknownUnit }), INVALID_TIME_LIMIT);
  });

  it('when a ticket is taken in at night on a holiday, then its 5-minute dispatch clock runs in calendar time', () => {
    const calendar = createWorkingCalendar();
    const clock = { startedAt: at('2025-10-01T23:58:00+08:00'), limit: resolveLimit('dispatch', 'help', 'normal'), pauses: [] };
    assert.deepEqual(nextWarningAt(clock, at('2025-10-01T23:58:00+08:00'), calendar), at('2025-10-02T00:01:45+08:00'));
    assert.deepEqual(clockStatus(clock, at('2025-10-02T00:03:00+08:00'), calendar).dueAt, at('2025-10-02T00:03:00+08:00'));
  });
});
