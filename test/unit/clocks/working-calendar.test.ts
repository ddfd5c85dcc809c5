import assert from 'node:assert/strict';
import {
  INVALID_DATE,
  INVALID_WORKING_CALENDAR,
  type TimeSegment,
  chinaDateKey,
  createWorkingCalendar,
  workingTimeBetween,
} from '../../../core/clocks/index.js';
import { HOUR, assertDomainError, at } from './clock-test-helpers.js';

const datesFrom = (first: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));

describe('Clocks: the working calendar', () => {
  const calendar = createWorkingCalendar();

  it('when a date is in the 2025 National Day holiday, then it is off, and the adjusted Sunday before and Saturday after are worked', () => {
    for (const date of datesFrom('2025-10-01', 8)) assert.equal(calendar.isWorkingDay(date), false, date);
    assert.equal(calendar.isWorkingDay('2025-09-28'), true);
    assert.equal(calendar.isWorkingDay('2025-10-11'), true);
    assert.equal(calendar.isWorkingDay('2025-10-09'), true);
    assert.equal(calendar.isWorkingDay('2025-10-12'), false);
    assert.equal(calendar.isWorkingDay('2025-09-27'), false);
  });

  it('when a date is in the 2026 Spring Festival, then 02-15…23 are off and the Saturdays 02-14 and 02-28 are worked', () => {
    for (const date of datesFrom('2026-02-15', 9)) assert.equal(calendar.isWorkingDay(date), false, date);
    assert.equal(calendar.isWorkingDay('2026-02-14'), true);
    assert.equal(calendar.isWorkingDay('2026-02-28'), true);
    assert.equal(calendar.isWorkingDay('2026-02-24'), true);
  });

  it('when a date is around the 2026 National Day, then 10-01…07 and Mid-Autumn 09-25…27 are off, Sunday 09-20 and Saturday 10-10 worked', () => {
    for (const date of [...datesFrom('2026-10-01', 7), ...datesFrom('2026-09-25', 3)]) {
      assert.equal(calendar.isWorkingDay(date), false, date);
    }
    assert.equal(calendar.isWorkingDay('2026-09-20'), true);
    assert.equal(calendar.isWorkingDay('2026-10-10'), true);
    assert.equal(calendar.isWorkingDay('2026-10-08'), true);
  });

  it('when a day is described, then it says whether it is worked, why, and the holiday name', () => {
    assert.deepEqual(calendar.describeDay('2025-10-01'), { date: '2025-10-01', working: false, source: 'statutory', name: '国庆节' });
    assert.deepEqual(calendar.describeDay('2025-10-06'), { date: '2025-10-06', working: false, source: 'statutory', name: '中秋' });
    assert.deepEqual(calendar.describeDay('2025-10-11'), { date: '2025-10-11', working: true, source: 'statutory', name: '国庆节' });
    assert.deepEqual(calendar.describeDay('2025-10-13'), { date: '2025-10-13', working: true, source: 'week' });
    assert.deepEqual(calendar.describeDay('2025-10-18'), { date: '2025-10-18', working: false, source: 'week' });
  });

  it('when an administrator overrides days, then the overrides win over the statutory calendar and the week', () => {
    const adjusted = createWorkingCalendar({
      overrides: [
        { date: '2025-10-13', working: false, name: '台风停工' },
        { date: '2025-10-08', working: true },
        { date: '2025-10-12', working: true, name: '补班' },
      ],
    });
    assert.equal(adjusted.isWorkingDay('2025-10-13'), false);
    assert.equal(adjusted.isWorkingDay('2025-10-08'), true);
    assert.equal(adjusted.isWorkingDay('2025-10-12'), true);
    assert.deepEqual(adjusted.describeDay('2025-10-13'), { date: '2025-10-13', working: false, source: 'override', name: '台风停工' });
    assert.equal(calendar.isWorkingDay('2025-10-13'), true, 'other calendars keep the statutory days');
  });

  it('when a year is beyond the statutory data, then weekends and the fixed-date legal holidays are off until its notice is imported; an administrator may still decide a day', () => {
    assert.deepEqual(calendar.statutoryYears, { first: 2004, last: 2026 });
    assert.equal(calendar.isWorkingDay('2027-01-01'), false);
    assert.equal(calendar.isWorkingDay('2027-01-02'), false);
    assert.equal(calendar.isWorkingDay('2027-01-04'), true);
    const worked = createWorkingCalendar({ overrides: [{ date: '2027-01-01', working: true, name: '值守' }] });
    assert.equal(worked.isWorkingDay('2027-01-01'), true);
  });

  it('when the segments of a day are asked for, then a working day has the working hours in China time and a day off none', () => {
    assert.deepEqual(calendar.workingSegments('2025-09-28'), [
      { start: at('2025-09-28T09:00:00+08:00'), end: at('2025-09-28T12:00:00+08:00') },
      { start: at('2025-09-28T13:30:00+08:00'), end: at('2025-09-28T17:30:00+08:00') },
    ]);
    assert.deepEqual(calendar.workingSegments('2025-10-01'), []);
    assert.equal(calendar.workingMsPerDay, 7 * HOUR);
  });

  it('when the next working instant is asked for, then it is the instant itself during working hours, else the next opening', () => {
    const next = (iso: string) => calendar.nextWorkingInstant(at(iso));
    assert.deepEqual(next('2025-10-13T10:00:00+08:00'), at('2025-10-13T10:00:00+08:00'));
    assert.deepEqual(next('2025-10-13T12:00:00+08:00'), at('2025-10-13T13:30:00+08:00'));
    assert.deepEqual(next('2025-10-13T12:45:00+08:00'), at('2025-10-13T13:30:00+08:00'));
    assert.deepEqual(next('2025-10-13T17:30:00+08:00'), at('2025-10-14T09:00:00+08:00'));
    assert.deepEqual(next('2025-10-14T00:00:00+08:00'), at('2025-10-14T09:00:00+08:00'));
    assert.deepEqual(next('2025-09-30T18:00:00+08:00'), at('2025-10-09T09:00:00+08:00'));
    assert.deepEqual(next('2025-10-11T08:00:00+08:00'), at('2025-10-11T09:00:00+08:00'));
    assert.deepEqual(next('2025-10-18T10:00:00+08:00'), at('2025-10-20T09:00:00+08:00'));
    assert.deepEqual(next('2026-02-13T20:00:00+08:00'), at('2026-02-14T09:00:00+08:00'));
  });

  it('when other working hours are configured, then segments and working time follow them', () => {
    const longer = createWorkingCalendar({ workingHours: [{ start: '08:30', end: '12:00' }, { start: '14:00', end: '18:00' }] });
    assert.equal(longer.workingMsPerDay, 7.5 * HOUR);
    assert.deepEqual(longer.nextWorkingInstant(at('2025-10-13T12:00:00+08:00')), at('2025-10-13T14:00:00+08:00'));
    assert.equal(workingTimeBetween(at('2025-10-13T08:00:00+08:00'), at('2025-10-13T20:00:00+08:00'), longer), 7.5 * HOUR);
  });

  it('when the machine runs in another time zone, then days are still China days', () => {
    const machineZone = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      assert.equal(chinaDateKey(at('2025-10-08T23:30:00+08:00')), '2025-10-08');
      assert.equal(chinaDateKey(at('2025-10-09T00:30:00+08:00')), '2025-10-09');
      assert.deepEqual(calendar.nextWorkingInstant(at('2025-10-08T23:30:00+08:00')), at('2025-10-09T09:00:00+08:00'));
      assert.deepEqual(calendar.workingSegments('2025-10-09')[0]?.start, at('2025-10-09T09:00:00+08:00'));
    } finally {
      if (machineZone === undefined) delete process.env.TZ;
      else process.env.TZ = machineZone;
    }
  });

  it('when working time is counted over a year of holidays, then it equals the sum of each day’s segments', () => {
    const workedBefore = (segments: TimeSegment[], end: Date) =>
      segments.reduce((sum, s) => sum + Math.max(0, Math.min(end.getTime(), s.end.getTime()) - s.start.getTime()), 0);
    const origin = at('2025-09-01T10:15:00+08:00');
    let workedBeforeDay = -1.25 * HOUR;
    for (const date of datesFrom('2025-09-01', 400)) {
      const segments = calendar.workingSegments(date);
      const afternoon = at(`${date}T15:00:00+08:00`);
      assert.equal(workingTimeBetween(origin, afternoon, calendar), workedBeforeDay + workedBefore(segments, afternoon), date);
      workedBeforeDay += workedBefore(segments, at(`${date}T23:59:59+08:00`));
    }
  });

  it('when calendar data is invalid, then a DomainError with a stable code is thrown', () => {
    assertDomainError(() => calendar.isWorkingDay('2025-02-30'), INVALID_DATE);
    assertDomainError(() => calendar.isWorkingDay('2025/10/01'), INVALID_DATE);
    assertDomainError(() => calendar.nextWorkingInstant(new Date('not a date')), INVALID_DATE);
    assertDomainError(() => createWorkingCalendar({ overrides: [{ date: '2025-13-01', working: true }] }), INVALID_DATE);
    assertDomainError(
      () => createWorkingCalendar({ overrides: [{ date: '2025-10-13', working: true }, { date: '2025-10-13', working: false }] }),
      INVALID_WORKING_CALENDAR,
    );
    for (const workingHours of [
      [],
      [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '17:00' }],
      [{ start: '13:00', end: '12:00' }],
      [{ start: '9:00', end: '12:00' }],
      [{ start: '09:00', end: '25:00' }],
    ]) {
      assertDomainError(() => createWorkingCalendar({ workingHours }), INVALID_WORKING_CALENDAR);
    }
  });
});
