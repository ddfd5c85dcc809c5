import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { systemActor, type Actor } from '../../core/accounts/access.js';
import { aCategory, aDepartment, aUser } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';

describe('Supervisor console: dispatch, decisions, review, urging and the dashboard', function () {
  this.timeout(120_000);
  // Monday 2026-03-02 10:00 in China.
  const b = useBrowserApp({ at: '2026-03-02T02:00:00Z' });
  const ids: Record<string, string> = {};
  let housing: { id: string; name: string };
  let transport: { id: string; name: string };
  let dispatcherName: string;
  let supervisorName: string;

  const actorOf = (user: { id: string; username: string; roles: Actor['roles']; departmentId: string | null }): Actor =>
    ({ userId: user.id, username: user.username, roles: user.roles, departmentId: user.departmentId, via: 'session' });
  const ticket = (id: string) => b.t.services.tickets.get(systemActor, id, b.t.clock.now());

  before(async () => {
    const s = b.t.services;
    housing = await aDepartment(s, { name: '市住房和城乡建设委员会' });
    transport = await aDepartment(s, { name: '市交通委员会' });
    const street = await aDepartment(s, { kind: 'street', name: '望京街道' });
    const category = await aCategory(s, { name: '物业管理' });
    dispatcherName = (await aUser(s, ['dispatcher'])).username;
    supervisorName = (await aUser(s, ['supervisor'])).username;
    const operator = actorOf(await aUser(s, ['operator']));
    const dispatcher = actorOf(await aUser(s, ['dispatcher'], { username: 'desk-helper' }));
    const staff = actorOf(await aUser(s, ['department_staff'], { departmentId: housing.id }));
    const at = () => ({ now: b.t.clock.now() });
    const intake = async (subject: string) => (await s.tickets.intake({ actor: operator, ...at() }, {
      channel: 'phone', requestType: 'complaint', categoryId: category.id, requester: { name: '王女士', phone: '13900001111' },
      location: { address: '望京某小区', departmentId: street.id }, subject, content: `${subject}，请相关部门尽快处理。`,
    })).id;
    const dispatched = async (subject: string) => {
      const id = await intake(subject);
      await s.tickets.act({ actor: dispatcher, ...at() }, id, 'dispatch', { lead: housing.id });
      return id;
    };

    ids.queue = await intake('小区电梯停运一周');
    await s.tickets.act({ actor: systemActor, ...at() }, ids.queue, 'propose_routing', {
      suggestions: [
        { departmentId: housing.id, categoryId: category.id, label: '物业管理', confidence: 0.87, source: 'classifier' },
        { departmentId: transport.id, categoryId: null, label: '道路交通', confidence: 0.08, source: 'classifier' },
      ],
    });
    ids.returned = await dispatched('公交站牌损坏');
    await s.tickets.act({ actor: staff, ...at() }, ids.returned, 'return', { reason: '公交设施属交通委职责' });
    ids.extension = await dispatched('小区供暖不热');
    await s.tickets.act({ actor: staff, ...at() }, ids.extension, 'accept', {});
    await s.tickets.act({ actor: staff, ...at() }, ids.extension, 'request_extension', { until: new Date('2026-03-16T02:00:00Z'), reason: '需协调供热公司检修管线' });
    for (const name of ['sendBack', 'approve']) {
      ids[name] = await dispatched(name === 'sendBack' ? '楼道堆放杂物' : '小区垃圾清运不及时');
      await s.tickets.act({ actor: staff, ...at() }, ids[name]!, 'accept', {});
      await s.tickets.act({ actor: staff, ...at() }, ids[name]!, 'reply', { text: '已联系物业处理。' });
    }
    ids.late = await dispatched('物业乱收费');
    // Two days later the accept limit (one working day) of the unaccepted ticket has passed: the sweep turns it red.
    b.t.clock.advance(2 * 86_400_000);
    await s.deadlineSweep.run(b.t.clock.now());
    assert.equal((await ticket(ids.late)).warning, 'red');
  });

  /** The console confirms each action by name; earlier confirmations may still be showing. */
  const waitForNotice = (page: Page, action: string) => page.waitForSelector(`#notice:not([hidden]):has-text("已完成：${action}")`);

  it('a dispatcher dispatches a new ticket from the queue to a suggested department with one key', async () => {
    const page = await b.signedInPage('/console/supervisor/', dispatcherName);
    await page.waitForSelector('[data-suggestion="1"]');
    assert.match((await page.textContent('[data-suggestion="1"]')) ?? '', /市住房和城乡建设委员会.*87\.0%/);
    await b.screenshot(page, 'supervisor-queue');
    await page.focus(`[data-ticket="${ids.queue}"]`);
    await page.keyboard.press('1');
    await waitForNotice(page, '派单');
    const dispatched = await ticket(ids.queue!);
    assert.equal(dispatched.state, 'dispatched');
    assert.equal(dispatched.assignments[0]?.departmentId, housing.id);
    assert.equal(dispatched.routing.taken, 0);
  });

  it('a dispatcher approves a return with another department, and denies an extension with a reason', async () => {
    const page = await b.signedInPage('/console/supervisor/#decisions', dispatcherName);
    await page.click(`[data-ticket="${ids.returned}"]`);
    await page.waitForSelector('#detail >> text=公交设施属交通委职责');
    await page.selectOption('#lead', transport.id);
    await page.click('[data-action="approve_return"]');
    await waitForNotice(page, '同意退单并改派');
    const redispatched = await ticket(ids.returned!);
    assert.equal(redispatched.state, 'dispatched');
    assert.equal(redispatched.assignments[0]?.departmentId, transport.id);

    await page.click(`[data-ticket="${ids.extension}"]`);
    await page.waitForSelector('#detail >> text=需协调供热公司检修管线');
    await b.screenshot(page, 'supervisor-decisions');
    await page.click('[data-action="deny_extension"]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /请填写理由/);
    await page.fill('#reason', '可在期限内完成检修');
    await page.click('[data-action="deny_extension"]');
    await waitForNotice(page, '不同意延期');
    const denied = await ticket(ids.extension!);
    assert.equal(denied.pendingExtension, null);
    assert.equal(denied.assignments[0]?.replyDueAt?.toISOString(), '2026-03-09T02:00:00.000Z', 'the deadline stays');
  });

  it('a supervisor sends one reply back and approves another, and urges an overdue ticket by hand', async () => {
    const page = await b.signedInPage('/console/supervisor/#review', supervisorName);
    await page.click(`[data-ticket="${ids.sendBack}"]`);
    await page.waitForSelector('#detail >> text=已联系物业处理。');
    await page.fill('#reason', '未说明杂物清理时间');
    await page.click('[data-action="send_back"]');
    await waitForNotice(page, '驳回');
    assert.equal((await ticket(ids.sendBack!)).state, 'in_handling');
    await page.click(`[data-ticket="${ids.approve}"]`);
    await page.waitForSelector(`#detail >> text=${(await ticket(ids.approve!)).number}`);
    await page.click('[data-action="approve_reply"]');
    await waitForNotice(page, '审核通过');
    assert.equal((await ticket(ids.approve!)).state, 'awaiting_callback');

    await page.click('[data-area="oversee"]');
    await page.click(`[data-ticket="${ids.late}"]`);
    const before = (await ticket(ids.late!)).urgeCount;
    await page.fill('#reason', '请今日内签收');
    await b.screenshot(page, 'supervisor-oversee');
    await page.click('[data-action="urge"]');
    await waitForNotice(page, '催办');
    assert.equal((await ticket(ids.late!)).urgeCount, before + 1);
  });

  it('a supervisor reads the dashboard and the ranking, follows a number to its tickets, and exports the CSV', async () => {
    const page = await b.signedInPage('/console/supervisor/#dashboard?from=2026-03-01&to=2026-03-07', supervisorName);
    await page.waitForSelector('#rates-table');
    // Housing holds the late ticket, the sent-back one and the denied extension; transport the re-dispatched return.
    assert.equal(await page.textContent(`[data-link="open-${housing.id}"]`), '4');
    assert.equal(await page.textContent(`[data-link="overdue-${housing.id}"]`), '1');
    assert.equal(await page.textContent('[data-link="intake-total"]'), '0', 'nothing was taken in on the clock\'s day (two days after the tickets)');
    const ranking = await page.locator('#rates-table tbody tr').evaluateAll((rows) => rows.map((r) => [r.className, r.querySelector('td:nth-child(2)')?.textContent]));
    assert.ok(ranking.length >= 2);
    assert.equal(ranking[0]?.[0], 'top');
    assert.equal(await page.textContent('#hot-categories td'), '物业管理');
    await b.screenshot(page, 'supervisor-dashboard');

    const download = page.waitForEvent('download');
    await page.click('#export-csv');
    const csv = await readFile((await (await download).path())!, 'utf8');
    assert.ok(csv.startsWith('\uFEFF'));
    assert.match(csv, /市住房和城乡建设委员会,4,1,/);
    assert.match(csv, /物业管理,\d+,0,\d+/);

    await page.click(`[data-link="overdue-${housing.id}"]`);
    await page.waitForSelector(`[data-ticket="${ids.late}"]`);
    assert.equal(await page.locator('[data-ticket-row]').count(), 1);
    await page.click('#back');
    await page.waitForSelector(`[data-link="open-${housing.id}"]`);
    await page.click(`[data-link="open-${housing.id}"]`);
    await page.waitForSelector(`[data-ticket="${ids.late}"]`);
    assert.equal(await page.locator('[data-ticket-row]').count(), 4);
    await b.screenshot(page, 'supervisor-tickets');

    await page.click('#back');
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('#rates-table th')?.textContent === 'Rank');
    assert.equal(await page.textContent('[data-area="queue"]'), 'Dispatch queue');
    await b.screenshot(page, 'supervisor-dashboard-en');
  });

  it('a dispatcher sees what the routing job dispatched on its own and undoes it, with a reason, within the window', async () => {
    const s = b.t.services;
    const lifts = await aCategory(s, { name: '电梯安全', defaultDepartmentId: transport.id });
    const { id } = await s.tickets.intake({ actor: systemActor, now: b.t.clock.now() }, {
      channel: 'web', requestType: 'complaint', categoryId: lifts.id, requester: { phone: '13900002222' },
      subject: '住宅电梯困人', content: '小区 3 号楼电梯经常困人，物业不修。',
    });
    await s.routing.routePending(b.t.clock.now());
    assert.equal((await ticket(id)).state, 'dispatched');
    const page = await b.signedInPage('/console/supervisor/', dispatcherName);
    await page.click(`[data-ticket="${id}"]`);
    await page.waitForSelector('[data-action="undo_auto_dispatch"]');
    await b.screenshot(page, 'supervisor-auto-dispatched');
    await page.fill('#reason', '电梯安全属市场监管局');
    await page.click('[data-action="undo_auto_dispatch"]');
    await waitForNotice(page, '撤回自动派单');
    const undone = await ticket(id);
    assert.deepEqual([undone.state, undone.routing.status], ['received', 'undone']);
    await page.waitForSelector(`[data-ticket="${id}"]`);
    assert.equal(await page.locator(`[data-ticket="${id}"]`).count(), 1, 'back in the queue, no longer in the undoable list');
  });
});
