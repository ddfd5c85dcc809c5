import assert from 'node:assert/strict';
import { asRollup } from '../../core/analytics/department-counters.js';
import { aDepartment, anArchivedTicket } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';

describe('Citizen portal: the published results page (结果公示) in zh-CN', function () {
  this.timeout(90_000);
  const b = useBrowserApp({ at: '2026-04-02T02:00:00Z' });

  before(async () => {
    const departments = [];
    for (const name of ['市住房和城乡建设委员会', '市交通委员会', '市城市管理委员会', '市水务局', '望京街道', '花家地街道', '市市场监督管理局']) {
      departments.push(await aDepartment(b.t.services, { name }));
    }
    // March: department i accepted i + 4 of 12 tickets on time and with more resolved and satisfied callbacks the later it comes: the last is the best.
    for (const [i, d] of departments.entries()) {
      await b.t.services.counters.record(`seed-${i}`, [asRollup({
        departmentId: d.id, day: '2026-03-20',
        counts: { dispatched: 12, acceptedOnTime: i + 4, resolutionAnswered: 10, resolved: 4 + i, satisfactionAnswered: 10, satisfied: 3 + i },
      })]);
    }
    await anArchivedTicket(b.t.services, b.t.clock.now(), {
      content: '李女士反映花家地北里5号楼2单元楼道堆满纸箱，电话13912345678，存在消防隐患。',
      reply: '经核实，物业已于4月2日清理楼道纸箱，并联系李女士（13912345678）确认。',
      requester: { name: '李红', phone: '13912345678', address: '花家地北里5号楼2单元' },
    }, departments[0]!.id);
  });

  it('when a citizen opens 结果公示, then last month\'s ranking shows three praised and three named, and the closed ticket without name, phone or address', async () => {
    const page = await b.newPage('results');
    await page.goto(`${b.baseUrl()}/portal/#/results`);
    await page.waitForSelector('#results-title');
    await page.waitForSelector('section[aria-labelledby="results-title"][data-loaded=true]');
    assert.equal(await page.getAttribute('a[data-route=results]', 'aria-current'), 'page');
    assert.match((await page.textContent('#results-ranking h3')) ?? '', /2026-03 承办单位三率排名/);
    assert.deepEqual(await page.$$eval('#results-ranking tr.praised th', (cells) => cells.map((c) => c.textContent)), [
      '市市场监督管理局 表扬', '花家地街道 表扬', '望京街道 表扬',
    ]);
    assert.equal(await page.locator('#results-ranking tr.named').count(), 3);
    const published = (await page.textContent('#results-tickets')) ?? '';
    assert.match(published, /清理楼道纸箱/);
    for (const secret of ['李红', '李女士', '13912345678', '5号楼']) assert.ok(!published.includes(secret), `${secret} is published: ${published}`);
    await b.screenshot(page, 'portal-public-results-zh-CN');
  });
});
