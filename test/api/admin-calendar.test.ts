import assert from 'node:assert/strict';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

interface Day { date: string; weekday: number; working: boolean; kind: string; source: string; name?: string }

const day = (days: Day[], date: string): Day => {
  const found = days.find((d) => d.date === date);
  assert.ok(found, `no ${date}`);
  return found;
};

describe('API: the working calendar by month, and administrators\' holidays and adjusted working days', () => {
  const t = useTestApp();
  let admin: SignedInAgent;
  let staff: SignedInAgent;

  before(async () => {
    admin = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
    const department = await aDepartment(t.services);
    staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: department.id })).username, testPassword);
  });

  it('when October 2026 is read, then National Day (10-01…10-07) is off and Saturday 10-10 is an adjusted working day, from the statutory calendar', async () => {
    const res = await staff.get('/api/settings/calendar?month=2026-10');
    assert.equal(res.status, 200);
    const days: Day[] = res.body.days;
    assert.equal(days.length, 31);
    assert.deepEqual(day(days, '2026-10-01'), { date: '2026-10-01', weekday: 4, working: false, kind: 'holiday', source: 'statutory', name: '国庆节' });
    for (const date of ['2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07']) assert.equal(day(days, date).kind, 'holiday', date);
    assert.deepEqual(day(days, '2026-10-08'), { date: '2026-10-08', weekday: 4, working: true, kind: 'workday', source: 'week' });
    assert.deepEqual(day(days, '2026-10-10'), { date: '2026-10-10', weekday: 6, working: true, kind: 'adjusted_workday', source: 'statutory', name: '国庆节' });
    assert.deepEqual(day(days, '2026-10-11'), { date: '2026-10-11', weekday: 7, working: false, kind: 'weekend', source: 'week' });
    assert.ok(res.body.statutoryYears.last >= 2026);
  });

  it('when an administrator adds a holiday and an adjusted working day, then the month shows them as overrides, audited; removing one restores the statutory day', async () => {
    const before = await admin.get('/api/settings/calendar?month=2026-11');
    const holiday = await admin.post('/api/settings/calendar/overrides').send({ version: before.body.version, date: '2026-11-02', working: false, name: '城市日' });
    assert.equal(holiday.status, 200);
    assert.deepEqual(day(holiday.body.days, '2026-11-02'), { date: '2026-11-02', weekday: 1, working: false, kind: 'holiday', source: 'override', name: '城市日' });
    const adjusted = await admin.post('/api/settings/calendar/overrides').send({ version: holiday.body.version, date: '2026-11-07', working: true });
    assert.equal(day(adjusted.body.days, '2026-11-07').kind, 'adjusted_workday');
    assert.equal(day(adjusted.body.days, '2026-11-07').source, 'override');

    const settings = await admin.get('/api/settings');
    assert.deepEqual(settings.body.calendarOverrides, [{ date: '2026-11-02', working: false, name: '城市日' }, { date: '2026-11-07', working: true }]);
    const audit = await admin.get('/api/audit?entityType=settings');
    assert.ok(audit.body.items.some((e: { action: string; changes: { date: string } }) => e.action === 'settings.calendar_override.set' && e.changes.date === '2026-11-02'));

    const removed = await admin.delete(`/api/settings/calendar/overrides/2026-11-02?version=${adjusted.body.version}`);
    assert.equal(removed.status, 200);
    assert.deepEqual(day(removed.body.days, '2026-11-02'), { date: '2026-11-02', weekday: 1, working: true, kind: 'workday', source: 'week' });
    const again = await admin.delete(`/api/settings/calendar/overrides/2026-11-02?version=${removed.body.version}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'CALENDAR_OVERRIDE_NOT_FOUND');
  });

  it('when two administrators change the calendar from the same version, then the second gets 409 VERSION_CONFLICT and nothing of it is kept', async () => {
    const { version } = (await admin.get('/api/settings/calendar?month=2026-12')).body;
    const first = await admin.post('/api/settings/calendar/overrides').send({ version, date: '2026-12-24', working: false });
    assert.equal(first.status, 200);
    const second = await admin.post('/api/settings/calendar/overrides').send({ version, date: '2026-12-25', working: false });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'VERSION_CONFLICT');
    const month = await admin.get('/api/settings/calendar?month=2026-12');
    assert.equal(day(month.body.days, '2026-12-25').working, true);
  });

  it('when the month or date is malformed, then 400 VALIDATION_FAILED names the field', async () => {
    const month = await admin.get('/api/settings/calendar?month=2026-13');
    assert.equal(month.status, 400);
    assert.equal(month.body.error.code, 'VALIDATION_FAILED');
    assert.equal(month.body.error.details.fields[0].field, 'month');
    const date = await admin.post('/api/settings/calendar/overrides').send({ version: 0, date: '2026-02-30', working: false });
    assert.equal(date.status, 400);
    assert.equal(date.body.error.code, 'VALIDATION_FAILED');
    assert.equal(date.body.error.details.fields[0].field, 'date');
    const working = await admin.post('/api/settings/calendar/overrides').send({ version: 0, date: '2026-02-03', working: 'no' });
    assert.equal(working.status, 400);
    assert.equal(working.body.error.details.fields[0].field, 'working');
  });

  it('when someone other than an administrator changes the calendar, then 403 and the calendar is unchanged', async () => {
    const { version } = (await staff.get('/api/settings/calendar?month=2026-09')).body;
    const res = await staff.post('/api/settings/calendar/overrides').send({ version, date: '2026-09-01', working: false });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'FORBIDDEN');
    assert.equal((await staff.delete(`/api/settings/calendar/overrides/2026-11-07?version=${version}`)).status, 403);
    const month = await staff.get('/api/settings/calendar?month=2026-09');
    assert.equal(day(month.body.days, '2026-09-01').working, true);
  });

  it('when the calendar nears its end, then it says so; an administrator imports the next notice as text (audited) or as items, checked, and others may not', async () => {
    t.clock.set('2026-12-02T02:00:00Z');
    // Months later: the earlier sessions have expired.
    const admin = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
    const staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: (await aDepartment(t.services)).id })).username, testPassword);
    const before = await admin.get('/api/settings/calendar?month=2027-01');
    assert.deepEqual(before.body.coverage, { until: '2026-12-31', daysLeft: 29, endingSoon: true });
    assert.deepEqual(day(before.body.days, '2027-01-01'), { date: '2027-01-01', weekday: 5, working: false, kind: 'holiday', source: 'provisional', name: '元旦' });

    // A notice for 2027 in the published form, written for this test.
    const notice = `国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月14日（周日）上班。`;
    const denied = await staff.post('/api/settings/calendar/imports').send({ version: before.body.version, year: 2027, notice });
    assert.equal(denied.status, 403);

    const imported = await admin.post('/api/settings/calendar/imports').send({ version: before.body.version, year: 2027, notice });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.equal(imported.body.days.length, 13);
    assert.deepEqual(imported.body.coverage, { until: '2027-12-31', daysLeft: 394, endingSoon: false });
    const february = await admin.get('/api/settings/calendar?month=2027-02');
    assert.deepEqual(day(february.body.days, '2027-02-08'), { date: '2027-02-08', weekday: 1, working: false, kind: 'holiday', source: 'statutory', name: '春节' });
    assert.deepEqual(day(february.body.days, '2027-02-14'), { date: '2027-02-14', weekday: 7, working: true, kind: 'adjusted_workday', source: 'statutory', name: '春节' });
    const audit = await admin.get('/api/audit?entityType=settings');
    assert.ok(audit.body.items.some((e: { action: string; changes: { year: number } }) => e.action === 'settings.calendar.import' && e.changes.year === 2027));

    const weekday = await admin.post('/api/settings/calendar/imports').send({
      version: imported.body.version, year: 2027, holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], workdays: [{ name: '元旦', date: '2027-01-04' }],
    });
    assert.equal(weekday.status, 400);
    assert.equal(weekday.body.error.code, 'INVALID_HOLIDAY_NOTICE');
    assert.equal(weekday.body.error.details.field, 'workdays[0].date');
    const both = await admin.post('/api/settings/calendar/imports').send({ version: imported.body.version, year: 2027, notice, holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-01' }] });
    assert.equal(both.status, 400);
    assert.equal(both.body.error.code, 'VALIDATION_FAILED');

    const items = await admin.post('/api/settings/calendar/imports').send({ version: imported.body.version, year: 2027, holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-01' }], workdays: [] });
    assert.equal(items.status, 200, JSON.stringify(items.body));
    const replaced = await admin.get('/api/settings/calendar?month=2027-02');
    assert.equal(day(replaced.body.days, '2027-02-08').working, true, 'a new import of a year replaces the earlier one');
  });
});
