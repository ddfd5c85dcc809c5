import assert from 'node:assert/strict';
import {
  INVALID_CLOCK,
  INVALID_TIME_LIMIT,
  INVALID_WARNING_THRESHOLDS,
  type Clock,
  clockStatus,
  createWorkingCalendar,
  nextWarningAt,
  warningLevel,
} from '../../../core/clocks/index.js';
import { HOUR, MINUTE, assertDomainError, at, calendarHours, workingDays, workingHours } from './clock-test-helpers.js';

describe('Clocks: status, pauses, extensions and warnings', () => {
  const calendar = createWorkingCalendar();
  const statusAt = (clock: Clock, now: string) => clockStatus(clock, at(now), calendar);
  const nextWarningAfter = (clock: Clock, now: string) => nextWarningAt(clock, at(now), calendar);

  describe('warning levels', () => {
    it('when the fraction reaches exactly 75 % and 100 %, then the level turns yellow and red', () => {
      assert.equal(warningLevel(0.7499), 'none');
      assert.equal(warningLevel(0.75), 'yellow');
      assert.equal(warningLevel(0.9999), 'yellow');
      assert.equal(warningLevel(1), 'red');
      assert.equal(warningLevel(3), 'red');
    });

    it('when an administrator sets other thresholds, then they apply, and thresholds out of order are refused', () => {
      assert.equal(warningLevel(0.5, { yellow: 0.5, red: 0.9 }), 'yellow');
      assert.equal(warningLevel(0.9, { yellow: 0.5, red: 0.9 }), 'red');
      assertDomainError(() => warningLevel(0.5, { yellow: 1, red: 0.5 }), INVALID_WARNING_THRESHOLDS);
      assertDomainError(() => warningLevel(0.5, { yellow: 0, red: 1 }), INVALID_WARNING_THRESHOLDS);
    });
  });

  describe('a running clock', () => {
    it('when a 1-working-day clock is read during the holiday, then it shows its deadline and the working time left', () => {
      const clock: Clock = { startedAt: at('2025-09-30T16:00:00+08:00'), limit: workingDays(1), pauses: [] };
      assert.deepEqual(statusAt(clock, '2025-10-08T12:00:00+08:00'), {
        dueAt: at('2025-10-09T16:00:00+08:00'),
        paused: false,
        elapsedFraction: 1.5 / 7,
        warning: 'none',
        remainingMs: 5.5 * HOUR,
      });
    });

    it('when an urgent 1-working-hour clock passes 45 and 60 minutes, then it turns yellow and red at exactly those instants', () => {
      const clock: Clock = { startedAt: at('2025-10-13T09:00:00+08:00'), limit: workingHours(1), pauses: [] };
      assert.equal(statusAt(clock, '2025-10-13T09:44:59.999+08:00').warning, 'none');
      assert.deepEqual(statusAt(clock, '2025-10-13T09:45:00+08:00'), {
        dueAt: at('2025-10-13T10:00:00+08:00'),
        paused: false,
        elapsedFraction: 0.75,
        warning: 'yellow',
        remainingMs: 15 * MINUTE,
      });
      assert.equal(statusAt(clock, '2025-10-13T09:59:59.999+08:00').warning, 'yellow');
      assert.deepEqual(statusAt(clock, '2025-10-13T10:00:00+08:00'), {
        dueAt: at('2025-10-13T10:00:00+08:00'),
        paused: false,
        elapsedFraction: 1,
        warning: 'red',
        remainingMs: 0,
      });
      assert.equal(statusAt(clock, '2025-10-13T10:00:00.001+08:00').remainingMs, -1);
    });

    it('when the next warning is asked for, then it is the start of yellow, then the deadline, then none', () => {
      const clock: Clock = { startedAt: at('2025-10-13T11:30:00+08:00'), limit: workingHours(1), pauses: [] };
      assert.deepEqual(nextWarningAfter(clock, '2025-10-13T11:30:00+08:00'), at('2025-10-13T13:45:00+08:00'));
      assert.equal(statusAt(clock, '2025-10-13T12:40:00+08:00').elapsedFraction, 0.5);
      assert.equal(statusAt(clock, '2025-10-13T13:45:00+08:00').warning, 'yellow');
      assert.deepEqual(nextWarningAfter(clock, '2025-10-13T13:45:00+08:00'), at('2025-10-13T14:00:00+08:00'));
      assert.equal(nextWarningAfter(clock, '2025-10-13T14:00:00+08:00'), null);
    });

    it('when 5 working days run through the 2025 holiday, then yellow starts at 75 % of 35 hours, on the worked Saturday', () => {
      const clock: Clock = { startedAt: at('2025-09-30T10:00:00+08:00'), limit: workingDays(5), pauses: [] };
      assert.deepEqual(nextWarningAfter(clock, '2025-09-30T10:00:00+08:00'), at('2025-10-11T16:45:00+08:00'));
      assert.equal(statusAt(clock, '2025-10-11T16:44:59.999+08:00').warning, 'none');
      assert.equal(statusAt(clock, '2025-10-11T16:45:00+08:00').warning, 'yellow');
      assert.deepEqual(nextWarningAfter(clock, '2025-10-11T16:45:00+08:00'), at('2025-10-14T10:00:00+08:00'));
    });

    it('when an urgent reply runs 24 calendar hours over a holiday, then yellow is at 18 hours and the time left is calendar time', () => {
      const clock: Clock = { startedAt: at('2025-10-01T10:00:00+08:00'), limit: calendarHours(24), pauses: [] };
      assert.deepEqual(nextWarningAfter(clock, '2025-10-01T10:00:00+08:00'), at('2025-10-02T04:00:00+08:00'));
      const status = statusAt(clock, '2025-10-02T04:00:00+08:00');
      assert.deepEqual(status.dueAt, at('2025-10-02T10:00:00+08:00'));
      assert.equal(status.warning, 'yellow');
      assert.equal(status.remainingMs, 6 * HOUR);
    });

    it('when a clock is read a moment before it started (another process’s clock), then it reads as just started', () => {
      const clock: Clock = { startedAt: at('2025-10-13T10:00:00+08:00'), limit: workingHours(1), pauses: [] };
      const status = statusAt(clock, '2025-10-13T09:59:59+08:00');
      assert.equal(status.elapsedFraction, 0);
      assert.equal(status.remainingMs, HOUR);
    });
  });

  describe('pauses', () => {
    const startedAt = at('2025-10-13T10:00:00+08:00');

    it('when the clock waits for information, then it has no deadline, its fraction stands still and no warning is due', () => {
      const clock: Clock = { startedAt, limit: workingDays(1), pauses: [{ from: at('2025-10-13T14:00:00+08:00') }] };
      const expected = { dueAt: null, paused: true, elapsedFraction: 2.5 / 7, warning: 'none', remainingMs: 4.5 * HOUR };
      assert.deepEqual(statusAt(clock, '2025-10-13T16:00:00+08:00'), expected);
      assert.deepEqual(statusAt(clock, '2025-10-20T16:00:00+08:00'), expected);
      assert.equal(nextWarningAfter(clock, '2025-10-13T16:00:00+08:00'), null);
    });

    it('when the information arrives, then the deadline moves later by the working time the pause covered', () => {
      const clock: Clock = {
        startedAt,
        limit: workingDays(1),
        pauses: [{ from: at('2025-10-13T14:00:00+08:00'), to: at('2025-10-14T11:00:00+08:00') }],
      };
      const status = statusAt(clock, '2025-10-14T11:00:00+08:00');
      assert.deepEqual(status.dueAt, at('2025-10-14T17:00:00+08:00'));
      assert.equal(status.paused, false);
      assert.equal(status.elapsedFraction, 2.5 / 7);
      assert.deepEqual(nextWarningAfter(clock, '2025-10-14T11:00:00+08:00'), at('2025-10-14T15:15:00+08:00'));
      assert.equal(statusAt(clock, '2025-10-14T17:00:00+08:00').warning, 'red');
    });

    it('when a pause is read at an instant before it ended, then the clock was paused at that instant', () => {
      const clock: Clock = {
        startedAt,
        limit: workingDays(1),
        pauses: [{ from: at('2025-10-13T14:00:00+08:00'), to: at('2025-10-14T11:00:00+08:00') }],
      };
      assert.equal(statusAt(clock, '2025-10-13T12:00:00+08:00').paused, false);
      assert.equal(statusAt(clock, '2025-10-14T10:00:00+08:00').paused, true);
    });

    it('when a pause covers only the night, then a working-time deadline does not move but a calendar-time one does', () => {
      const pauses = [{ from: at('2025-10-13T18:00:00+08:00'), to: at('2025-10-14T08:00:00+08:00') }];
      assert.deepEqual(
        statusAt({ startedAt, limit: workingDays(1), pauses }, '2025-10-14T08:00:00+08:00').dueAt,
        at('2025-10-14T10:00:00+08:00'),
      );
      assert.deepEqual(
        statusAt({ startedAt, limit: calendarHours(24), pauses }, '2025-10-14T08:00:00+08:00').dueAt,
        at('2025-10-15T00:00:00+08:00'),
      );
    });

    it('when a pause starts after the deadline, then it does not rescue the clock', () => {
      const clock: Clock = {
        startedAt: at('2025-10-13T09:00:00+08:00'),
        limit: workingHours(1),
        pauses: [{ from: at('2025-10-13T11:00:00+08:00'), to: at('2025-10-13T14:00:00+08:00') }],
      };
      const status = statusAt(clock, '2025-10-13T14:00:00+08:00');
      assert.deepEqual(status.dueAt, at('2025-10-13T10:00:00+08:00'));
      assert.equal(status.warning, 'red');
      assert.equal(status.remainingMs, -HOUR);
    });
  });

  describe('extensions', () => {
    const startedAt = at('2025-10-13T10:00:00+08:00');

    it('when an extension is approved, then it replaces the deadline and the fraction is measured against the extended span', () => {
      const clock: Clock = { startedAt, limit: workingDays(5), pauses: [], extendedTo: at('2025-10-24T17:30:00+08:00') };
      const status = statusAt(clock, '2025-10-20T10:00:00+08:00');
      assert.deepEqual(status.dueAt, at('2025-10-24T17:30:00+08:00'));
      assert.equal(status.elapsedFraction, 35 / 69);
      assert.equal(status.warning, 'none');
      assert.equal(status.remainingMs, 34 * HOUR);
      assert.deepEqual(nextWarningAfter(clock, '2025-10-20T10:00:00+08:00'), at('2025-10-22T14:15:00+08:00'));
      assert.equal(statusAt(clock, '2025-10-24T17:30:00+08:00').warning, 'red');
    });

    it('when an extension ends at night, then a working-time deadline is the close of that day', () => {
      const clock: Clock = { startedAt, limit: workingDays(5), pauses: [], extendedTo: at('2025-10-24T23:59:59+08:00') };
      assert.deepEqual(statusAt(clock, '2025-10-20T10:00:00+08:00').dueAt, at('2025-10-24T17:30:00+08:00'));
    });

    it('when an extension follows a pause, then the approved date stands and the paused time leaves the span', () => {
      const clock: Clock = {
        startedAt,
        limit: workingDays(5),
        pauses: [{ from: at('2025-10-14T09:00:00+08:00'), to: at('2025-10-15T09:00:00+08:00') }],
        extendedTo: at('2025-10-24T17:30:00+08:00'),
      };
      assert.equal(statusAt(clock, '2025-10-20T10:00:00+08:00').elapsedFraction, 28 / 62);
      const atDeadline = statusAt(clock, '2025-10-24T17:30:00+08:00');
      assert.deepEqual(atDeadline.dueAt, at('2025-10-24T17:30:00+08:00'));
      assert.equal(atDeadline.elapsedFraction, 1);
    });

    it('when a pause runs past the extended deadline, then the deadline moves later by the pause', () => {
      const clock: Clock = {
        startedAt,
        limit: workingDays(5),
        pauses: [{ from: at('2025-10-24T16:30:00+08:00'), to: at('2025-10-27T10:00:00+08:00') }],
        extendedTo: at('2025-10-24T17:30:00+08:00'),
      };
      const status = statusAt(clock, '2025-10-27T10:00:00+08:00');
      assert.deepEqual(status.dueAt, at('2025-10-27T11:00:00+08:00'));
      assert.equal(status.remainingMs, HOUR);
    });
  });

  describe('invalid clocks', () => {
    const startedAt = at('2025-10-13T10:00:00+08:00');
    const now = '2025-10-14T10:00:00+08:00';

    it('when pauses start before the clock, overlap, run backwards or two are open, then INVALID_CLOCK is thrown', () => {
      for (const pauses of [
        [{ from: at('2025-10-13T09:00:00+08:00'), to: at('2025-10-13T11:00:00+08:00') }],
        [
          { from: at('2025-10-13T11:00:00+08:00'), to: at('2025-10-13T15:00:00+08:00') },
          { from: at('2025-10-13T14:00:00+08:00'), to: at('2025-10-13T16:00:00+08:00') },
        ],
        [{ from: at('2025-10-13T15:00:00+08:00'), to: at('2025-10-13T14:00:00+08:00') }],
        [{ from: at('2025-10-13T11:00:00+08:00') }, { from: at('2025-10-13T14:00:00+08:00') }],
      ]) {
        assertDomainError(() => statusAt({ startedAt, limit: workingDays(1), pauses }, now), INVALID_CLOCK);
      }
    });

    it('when an extension ends before the clock started, then INVALID_CLOCK is thrown', () => {
      const clock: Clock = { startedAt, limit: workingDays(1), pauses: [], extendedTo: at('2025-10-12T10:00:00+08:00') };
      assertDomainError(() => statusAt(clock, now), INVALID_CLOCK);
    });

    it('when the clock’s limit is negative, then INVALID_TIME_LIMIT is thrown', () => {
      assertDomainError(() => nextWarningAfter({ startedAt, limit: workingDays(-2), pauses: [] }, now), INVALID_TIME_LIMIT);
    });
  });
});
