import assert from 'node:assert/strict';
import {
  INVALID_DATE,
  INVALID_TIME_LIMIT,
  type TimeLimit,
  addWorkingTime,
  createWorkingCalendar,
  workingTimeBetween,
} from '../../../core/clocks/index.js';
import { HOUR, assertDomainError, at, calendarHours, minutes, workingDays, workingHours } from './clock-test-helpers.js';

describe('Clocks: deadlines in working time', () => {
  const calendar = createWorkingCalendar();
  const deadline = (start: string, limit: TimeLimit) => addWorkingTime(at(start), limit, calendar);

  describe('working days', () => {
    it('when 5 working days start before the 2025 National Day, then the holiday is skipped and the worked Saturday 10-11 counts', () => {
      assert.deepEqual(deadline('2025-09-30T10:00:00+08:00', workingDays(5)), at('2025-10-14T10:00:00+08:00'));
    });

    it('when 2 working days start on the last afternoon before the 2025 holiday, then they end at the same time on 10-10', () => {
      assert.deepEqual(deadline('2025-09-30T16:00:00+08:00', workingDays(2)), at('2025-10-10T16:00:00+08:00'));
    });

    it('when a start falls on the weekend before the worked Sunday 2025-09-28, then counting starts at 09:00 that Sunday', () => {
      assert.deepEqual(deadline('2025-09-27T15:00:00+08:00', workingDays(1)), at('2025-09-28T17:30:00+08:00'));
      assert.deepEqual(deadline('2025-09-27T15:00:00+08:00', workingDays(2)), at('2025-09-29T17:30:00+08:00'));
    });

    it('when working days span the 2026 Spring Festival, then 02-15…23 are skipped and the Saturdays 02-14 and 02-28 count', () => {
      assert.deepEqual(deadline('2026-02-13T11:00:00+08:00', workingDays(2)), at('2026-02-24T11:00:00+08:00'));
      assert.deepEqual(deadline('2026-02-12T15:00:00+08:00', workingDays(5)), at('2026-02-26T15:00:00+08:00'));
      assert.deepEqual(deadline('2026-02-27T10:00:00+08:00', workingDays(1)), at('2026-02-28T10:00:00+08:00'));
    });

    it('when a start falls inside the 2026 Spring Festival, then counting starts when work resumes on 02-24', () => {
      assert.deepEqual(deadline('2026-02-18T10:00:00+08:00', workingDays(1)), at('2026-02-24T17:30:00+08:00'));
    });

    it('when working days span the 2026 National Day, then 10-01…07 are skipped and the Saturday 10-10 counts', () => {
      assert.deepEqual(deadline('2026-09-30T14:00:00+08:00', workingDays(3)), at('2026-10-10T14:00:00+08:00'));
      assert.deepEqual(deadline('2026-09-24T10:00:00+08:00', workingDays(1)), at('2026-09-28T10:00:00+08:00'));
      assert.deepEqual(deadline('2026-09-18T16:00:00+08:00', workingDays(1)), at('2026-09-20T16:00:00+08:00'));
    });

    it('when the start is at night or at opening time, then the limit ends at the close of the last day it needs', () => {
      assert.deepEqual(deadline('2025-10-13T20:00:00+08:00', workingDays(1)), at('2025-10-14T17:30:00+08:00'));
      assert.deepEqual(deadline('2025-10-14T07:00:00+08:00', workingDays(1)), at('2025-10-14T17:30:00+08:00'));
      assert.deepEqual(deadline('2025-10-14T09:00:00+08:00', workingDays(1)), at('2025-10-14T17:30:00+08:00'));
      assert.deepEqual(deadline('2025-10-17T18:00:00+08:00', workingDays(5)), at('2025-10-24T17:30:00+08:00'));
    });

    it('when the limit is half a working day, then it is half the working hours', () => {
      assert.deepEqual(deadline('2025-10-13T09:00:00+08:00', workingDays(0.5)), at('2025-10-13T14:00:00+08:00'));
    });
  });

  describe('working hours', () => {
    it('when 1 working hour spans lunch, then the lunch break does not count', () => {
      assert.deepEqual(deadline('2025-10-13T11:30:00+08:00', workingHours(1)), at('2025-10-13T14:00:00+08:00'));
      assert.deepEqual(deadline('2025-10-13T12:15:00+08:00', workingHours(1)), at('2025-10-13T14:30:00+08:00'));
    });

    it('when 1 working hour spans the night, a weekend or a holiday, then it resumes at the next opening', () => {
      assert.deepEqual(deadline('2025-10-13T17:00:00+08:00', workingHours(1)), at('2025-10-14T09:30:00+08:00'));
      assert.deepEqual(deadline('2025-10-17T17:00:00+08:00', workingHours(1)), at('2025-10-20T09:30:00+08:00'));
      assert.deepEqual(deadline('2025-09-30T17:00:00+08:00', workingHours(1)), at('2025-10-09T09:30:00+08:00'));
      assert.deepEqual(deadline('2025-10-13T20:00:00+08:00', workingHours(1)), at('2025-10-14T10:00:00+08:00'));
    });

    it('when 1 working hour ends exactly at the close, then the deadline is the close, not the next opening', () => {
      assert.deepEqual(deadline('2025-10-13T16:30:00+08:00', workingHours(1)), at('2025-10-13T17:30:00+08:00'));
    });
  });

  describe('calendar time', () => {
    it('when an urgent reply has 24 calendar hours, then holidays and nights count', () => {
      assert.deepEqual(deadline('2025-09-30T18:00:00+08:00', calendarHours(24)), at('2025-10-01T18:00:00+08:00'));
      assert.deepEqual(deadline('2026-02-16T03:00:00+08:00', calendarHours(24)), at('2026-02-17T03:00:00+08:00'));
    });

    it('when dispatch has 5 minutes from intake at midnight on a holiday, then it is due 5 minutes later', () => {
      assert.deepEqual(deadline('2025-10-01T23:58:00+08:00', minutes(5)), at('2025-10-02T00:03:00+08:00'));
    });
  });

  describe('working time between two instants', () => {
    it('when two instants straddle the 2025 holiday, then only their working hours count', () => {
      const before = at('2025-09-30T16:00:00+08:00');
      const after = at('2025-10-09T10:00:00+08:00');
      assert.equal(workingTimeBetween(before, after, calendar), 2.5 * HOUR);
      assert.equal(workingTimeBetween(after, before, calendar), -2.5 * HOUR);
    });

    it('when both instants are in the holiday or a week apart, then the holiday counts nothing and a plain week 35 hours', () => {
      assert.equal(workingTimeBetween(at('2025-10-02T10:00:00+08:00'), at('2025-10-07T10:00:00+08:00'), calendar), 0);
      assert.equal(workingTimeBetween(at('2025-10-13T09:00:00+08:00'), at('2025-10-20T09:00:00+08:00'), calendar), 35 * HOUR);
    });

    it('when instants are years apart, then the count is still exact: 248 working days in 2025 and 248 in 2026', () => {
      assert.equal(
        workingTimeBetween(at('2024-12-31T17:30:00+08:00'), at('2026-12-31T17:30:00+08:00'), calendar),
        (248 + 248) * 7 * HOUR,
      );
    });
  });

  describe('invalid input', () => {
    it('when a limit is negative, zero, not a number or in an unknown unit, then INVALID_TIME_LIMIT is thrown', () => {
      const start = '2025-10-13T10:00:00+08:00';
      for (const limit of [
        workingDays(-1),
        workingHours(0),
        minutes(Number.NaN),
        calendarHours(Infinity),
        { amount: 1, unit: 'fortnights' } as unknown as TimeLimit,
        null as unknown as TimeLimit,
      ]) {
        assertDomainError(() => deadline(start, limit), INVALID_TIME_LIMIT);
      }
    });

    it('when the start is not a valid date, then INVALID_DATE is thrown', () => {
      assertDomainError(() => addWorkingTime(new Date('yesterday'), workingDays(1), calendar), INVALID_DATE);
    });
  });
});
