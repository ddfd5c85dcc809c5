import assert from 'node:assert/strict';
import { INVALID_HOLIDAY_NOTICE, createWorkingCalendar, noticeYear, parseHolidayNotice } from '../../../core/clocks/index.js';
import { calendarCoverage } from '../../../core/settings/calendar-coverage.js';
import { assertDomainError } from './clock-test-helpers.js';

/** The State Council's notice for 2026 (国办发明电〔2025〕7号), its items as published. */
const notice2026 = `国务院办公厅关于2026年部分节假日安排的通知
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。`;

/** A notice for 2027 written for the tests in the published form (the real one is imported when it appears). */
const notice2027 = `一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月14日（周日）上班。
三、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。`;

const dates = (year: { days: { date: string; working: boolean }[] }) => year.days.map((d) => `${d.date} ${d.working ? 'work' : 'off'}`);

describe('Clocks: the State Council\'s holiday notice, the calendar after the package\'s last year, and its coverage', () => {
  it('when the 2026 notice text is read, then its holidays and adjusted working days are exactly those of the chinese-days package', () => {
    const parsed = noticeYear(2026, parseHolidayNotice(2026, notice2026));
    const packaged = createWorkingCalendar();
    assert.equal(parsed.days.filter((d) => !d.working).length, 33);
    assert.deepEqual(parsed.days.filter((d) => d.working).map((d) => d.date), ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
    for (const day of parsed.days) {
      const described = packaged.describeDay(day.date);
      assert.deepEqual([day.date, described.working, described.source], [day.date, day.working, 'statutory']);
    }
  });

  it('when no notice covers 2027, then the package ends with 2026 and the fixed-date legal holidays of 2027 are off, 2027-01-01 first', () => {
    const calendar = createWorkingCalendar();
    assert.equal(calendar.statutoryYears.last, 2026, 'chinese-days 1.5.7 covers 2004–2026');
    assert.deepEqual(calendar.describeDay('2027-01-01'), { date: '2027-01-01', working: false, source: 'provisional', name: '元旦' });
    for (const date of ['2027-05-01', '2027-05-02', '2027-10-01', '2027-10-02', '2027-10-03', '2031-10-01']) assert.equal(calendar.isWorkingDay(date), false, date);
    // The lunar holidays and the adjusted working days come only with the notice.
    assert.equal(calendar.isWorkingDay('2027-02-08'), true, 'Spring Festival 2027 waits for the notice');
    assert.equal(calendar.isWorkingDay('2027-10-04'), true);
  });

  it('when the 2027 notice is imported, then its days are statutory, 2027 is covered and the provisional days move on to 2028', () => {
    const year = noticeYear(2027, parseHolidayNotice(2027, notice2027));
    assert.deepEqual(dates(year).filter((d) => d.endsWith('work')), ['2027-02-14 work', '2027-09-26 work', '2027-10-09 work']);
    const calendar = createWorkingCalendar({ importedYears: [year] });
    assert.equal(calendar.statutoryYears.last, 2027);
    assert.deepEqual(calendar.describeDay('2027-02-08'), { date: '2027-02-08', working: false, source: 'statutory', name: '春节' });
    assert.deepEqual(calendar.describeDay('2027-02-14'), { date: '2027-02-14', working: true, source: 'statutory', name: '春节' });
    assert.equal(calendar.describeDay('2028-01-01').source, 'provisional');
    assert.equal(calendar.describeDay('2027-05-01').source, 'week', 'the notice gave no Labour Day: a Saturday like any other');
  });

  it('when a notice is wrong, then it is refused naming what: a weekday worked, a count that does not add up, a date of another year, no items', () => {
    assertDomainError(() => noticeYear(2027, { holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], workdays: [{ name: '元旦', date: '2027-01-04' }] }), INVALID_HOLIDAY_NOTICE);
    assertDomainError(() => parseHolidayNotice(2027, '一、元旦：1月1日至3日放假，共4天。'), INVALID_HOLIDAY_NOTICE);
    assertDomainError(() => noticeYear(2027, { holidays: [{ name: '国庆节', from: '2028-10-01', to: '2028-10-07' }], workdays: [] }), INVALID_HOLIDAY_NOTICE);
    assertDomainError(() => noticeYear(2027, { holidays: [{ name: '国庆节', from: '2027-10-07', to: '2027-10-01' }], workdays: [] }), INVALID_HOLIDAY_NOTICE);
    assertDomainError(() => parseHolidayNotice(2027, '今年放假安排另行通知。'), INVALID_HOLIDAY_NOTICE);
  });

  it('when the calendar ends on 2026-12-31, then administrators are warned from 2026-11-01 (60 days), not on 2026-10-31', () => {
    const calendar = createWorkingCalendar();
    assert.deepEqual(calendarCoverage(calendar, new Date('2026-10-31T12:00:00+08:00')), { until: '2026-12-31', daysLeft: 61, endingSoon: false });
    assert.deepEqual(calendarCoverage(calendar, new Date('2026-11-01T00:30:00+08:00')), { until: '2026-12-31', daysLeft: 60, endingSoon: true });
  });
});
