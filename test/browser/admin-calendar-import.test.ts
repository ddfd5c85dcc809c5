import assert from 'node:assert/strict';
import { aUser } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';

describe('Administration console: the calendar running out, and the next year\'s notice imported (zh-CN)', function () {
  this.timeout(90_000);
  // 29 days before the package's last statutory day (2026-12-31).
  const b = useBrowserApp({ at: '2026-12-02T02:00:00Z' });

  it('when the calendar ends within 60 days, then every section shows the banner; pasting the 2027 notice imports it and the banner goes', async () => {
    const admin = await aUser(b.t.services, ['administrator']);
    const page = await b.signedInPage('/console/admin/', admin.username, 'admin');
    await page.waitForSelector('#calendar-banner');
    assert.match((await page.textContent('#calendar-banner')) ?? '', /只到 2026-12-31（还剩 29 天）.*2027 年/);

    await page.click('#calendar-banner a');
    await page.waitForSelector('#calendar-grid td[data-date="2027-01-01"]');
    assert.equal(await page.getAttribute('td[data-date="2027-01-01"]', 'data-source'), 'provisional');
    assert.match((await page.textContent('td[data-date="2027-01-01"]')) ?? '', /元旦.*法定（待通知）/);

    const form = page.locator('#calendar-import');
    assert.equal(await form.getByLabel('年份').inputValue(), '2027');
    // A notice for 2027 in the published form, written for this test.
    await form.getByLabel('通知全文').fill([
      '国务院办公厅关于2027年部分节假日安排的通知',
      '一、元旦：1月1日（周五）至3日（周日）放假，共3天。',
      '二、春节：2月5日（农历除夕、周五）至13日（农历正月初八、周六）放假调休，共9天。2月14日（周日）上班。',
    ].join('\n'));
    await b.screenshot(page, 'admin-calendar-import-zh-CN');
    await form.getByRole('button', { name: '导入' }).click();
    await page.waitForSelector('#calendar-grid td[data-date="2027-01-01"][data-source="statutory"]');
    await page.waitForSelector('#calendar-banner', { state: 'detached' });

    await page.evaluate(() => { location.hash = '#/calendar/2027-02'; });
    await page.waitForSelector('#calendar-grid td[data-date="2027-02-08"]');
    assert.equal(await page.getAttribute('td[data-date="2027-02-08"]', 'data-kind'), 'holiday');
    assert.equal(await page.getAttribute('td[data-date="2027-02-14"]', 'data-kind'), 'adjusted_workday');
    assert.equal((await b.t.services.settings.current()).calendar.statutoryYears.last, 2027);
  });
});
