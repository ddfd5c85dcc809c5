import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';
import { signIn, type SignedInAgent } from '../helpers/test-app.js';

// Monday 2026-03-02 10:00 China time, the test app's clock; Friday before it at the same hour.
const monday10 = '2026-03-02T02:00:00Z';
const monday0910 = '2026-03-02T01:10:00Z';
const friday10 = '2026-02-27T02:00:00Z';

const complaint = {
  channel: 'phone', requestType: 'complaint', requester: { name: '张三', phone: '13800138000' },
  subject: '楼道堆放杂物', content: '小区 3 号楼楼道长期堆放杂物，存在消防隐患。', location: { address: '望京西园三区 3 号楼' },
};

describe('Department workspace: inbox, ticket page and actions, live assignments', function () {
  this.timeout(120_000);
  const b = useBrowserApp();
  let operator: SignedInAgent;
  let dispatcher: SignedInAgent;
  let theirStaff: SignedInAgent;
  let ours: { id: string; name: string };
  let street: { id: string; name: string };
  let theirs: { id: string; name: string };
  let staff: { username: string };
  let page: Page;
  const tickets: Record<string, { id: string; number: string }> = {};

  async function dispatched(ticket: object, lead: string, assists: string[] = []): Promise<{ id: string; number: string }> {
    const created = await operator.post('/api/tickets').send({ ...complaint, ...ticket });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const res = await dispatcher.post(`/api/tickets/${created.body.id}/dispatch`).send({ lead, assists });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return created.body;
  }

  const text = async (selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ');
  const row = (id: string) => page.locator(`#tickets tr[data-id="${id}"]`);
  /** The list drawn again with this one ticket only (the rows of the filter before may still show for a moment). */
  const onlyRow = (id: string) =>
    page.waitForFunction((only) => {
      const rows = [...document.querySelectorAll<HTMLElement>('#tickets tbody tr')];
      return rows.length === 1 && rows[0]!.dataset.id === only;
    }, id);

  async function open(id: string): Promise<void> {
    await page.goto(`${b.baseUrl()}/console/workspace/#/tickets/${id}`);
    await page.waitForSelector(`#ticket[data-id="${id}"]`);
  }

  async function act(action: string, fields: Record<string, string> = {}): Promise<void> {
    for (const [name, value] of Object.entries(fields)) await page.fill(`#action-${action} [name=${name}]`, value);
    const drawn = await page.$('#ticket');
    await page.click(`#action-${action} button[type=submit]`);
    // Done once the page is drawn again from the reloaded ticket, or the alert line speaks.
    await page.waitForFunction((old) => !old?.isConnected || !document.querySelector<HTMLElement>('#error')?.hidden, drawn);
    assert.equal(await page.isVisible('#error'), false, await text('#error'));
  }

  before(async () => {
    ours = await aDepartment(b.t.services, { kind: 'district' });
    street = await aDepartment(b.t.services, { kind: 'street', parentId: ours.id });
    theirs = await aDepartment(b.t.services, { kind: 'bureau' });
    staff = await aUser(b.t.services, ['department_staff'], { departmentId: ours.id });
    theirStaff = await signIn(b.t.app, (await aUser(b.t.services, ['department_staff'], { departmentId: theirs.id })).username, testPassword);
    operator = await signIn(b.t.app, (await aUser(b.t.services, ['operator'])).username, testPassword);
    dispatcher = await signIn(b.t.app, (await aUser(b.t.services, ['dispatcher'])).username, testPassword);
    const clock = b.t.clock;
    // Last Friday's complaint: Saturday 28 February 2026 is a working day (Spring Festival swap), so
    // its one working day to accept ran out then, and today it is red.
    clock.set(friday10);
    tickets.red = await dispatched({ subject: '上周五的投诉：噪音扰民' }, ours.id);
    // An urgent one at 09:10: 50 of its 60 working minutes to accept are gone (yellow).
    clock.set(monday0910);
    tickets.yellow = await dispatched({ subject: '紧急：井盖缺失', urgency: 'urgent' }, ours.id);
    clock.set(monday10);
    await b.t.services.deadlineSweep.run(clock.now());
    tickets.street = await dispatched({ subject: '街道的工单：小广告' }, street.id);
    tickets.theirs = await dispatched({ subject: '别的部门的工单：公交站牌损坏' }, theirs.id);
    page = await b.signedInPage('/console/workspace/', staff.username);
  });

  it('when tickets are dispatched to the department, then the inbox lists them with warning, deadline and working time left', async () => {
    await page.waitForSelector('#tickets');
    assert.equal(await page.locator('#tickets tbody tr').count(), 3, 'our department\'s tickets and those below it, no others');
    assert.equal(await row(tickets.theirs!.id).count(), 0);
    const red = ((await row(tickets.red!.id).textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(red, /红牌/);
    assert.match(red, /2026\/03\/05 10:00/, 'the reply deadline: 5 working days from Friday 10:00, Saturday included');
    assert.match(red, /剩 21 小时 0 分/, '3 working days of 7 hours');
    const yellow = ((await row(tickets.yellow!.id).textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(yellow, /黄牌/);
    assert.match(yellow, /紧急/);
    assert.match(yellow, /剩 6 小时 10 分/, '24 calendar hours to reply end Tuesday 09:10: 370 working minutes from now');
    assert.match(((await row(tickets.street!.id).textContent()) ?? '').replace(/\s+/g, ' '), /街道的工单.*待签收.*主办.*2026\/03\/09 10:00.*剩 35 小时 0 分/);
    await b.screenshot(page, 'workspace-inbox');

    await page.selectOption('#filters select[name=departmentId]', { label: `${street.name}（含下级）` });
    await page.click('#filters button[type=submit]');
    await onlyRow(tickets.street!.id);
    await page.selectOption('#filters select[name=departmentId]', '');

    await page.selectOption('#filters select[name=warning]', 'red');
    await page.click('#filters button[type=submit]');
    await onlyRow(tickets.red!.id);

    await page.fill('#search input[name=q]', '井盖');
    await page.press('#search input[name=q]', 'Enter');
    await page.waitForSelector('#clear-search');
    assert.deepEqual(await page.locator('#tickets tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id)), [tickets.yellow!.id]);
  });

  it('when the user opens a ticket from the list with the keyboard, then its page shows facts, requester, parts and history', async () => {
    await page.focus(`#tickets a[href="#/tickets/${tickets.yellow!.id}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#ticket-title');
    assert.equal(new URL(page.url()).hash, `#/tickets/${tickets.yellow!.id}`);
    assert.match(await text('#ticket-title'), /紧急：井盖缺失/);
    assert.match(await text('#requester'), /张三/);
    assert.match(await text('#requester'), /13800138000/);
    assert.match(await text('#parts'), new RegExp(`${ours.name}.*本部门.*主办.*待签收`));
    assert.deepEqual(await page.locator('#history tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.action)), ['intake', 'dispatch', 'warn']);
    assert.match(await text('#history'), new RegExp(`派单.*待派单 → 待签收.*主办：${ours.name}`));
  });

  it('when the department accepts, requests information, replies in between and finally, then each step shows and the notice items reach the history', async () => {
    await act('accept');
    assert.equal(await text('#ticket-state'), '办理中');
    assert.match(await text('#notice'), /已提交：签收/);

    await act('request_info', { items: '门牌号\n现场照片\n  \n联系人电话' });
    assert.equal(await text('#ticket-state'), '待补充材料');
    assert.deepEqual(await page.locator('#info-items li').allTextContents(), ['门牌号', '现场照片', '联系人电话']);
    assert.match(await text('#history tr[data-action=request_info]'), /材料：门牌号；现场照片；联系人电话/);
    const history = await dispatcher.get(`/api/tickets/${tickets.yellow!.id}/history`);
    assert.deepEqual(history.body.items.find((e: { action: string }) => e.action === 'request_info').data.items, ['门牌号', '现场照片', '联系人电话']);
    assert.equal(await page.isVisible('#action-request_info'), false, 'the one-time notice is given once');

    await act('interim_reply', { text: '已联系物业，正在安排补装井盖。' });
    assert.match(await text('#history tr[data-action=interim_reply]'), /已联系物业/);
    await act('receive_info');
    assert.equal(await text('#ticket-state'), '办理中');

    // An empty reply: the API names the field, and the form stays as it was.
    await page.click('#action-reply button[type=submit]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await text('#error'), /400 VALIDATION_FAILED.*text/);
    await act('reply', { text: '井盖已于今日补装完毕。' });
    assert.equal(await text('#ticket-state'), '已答复待审核');
    assert.match(await text('#parts'), /已答复.*井盖已于今日补装完毕/);
    await b.screenshot(page, 'workspace-ticket');
  });

  it('when a ticket is not ours to handle, then the department returns it with a reason', async () => {
    tickets.misrouted = await dispatched({ subject: '地铁站扶梯故障' }, ours.id);
    await open(tickets.misrouted.id);
    await act('return', { reason: '地铁设施不属于本区，请改派市交通委。' });
    assert.equal(await text('#ticket-state'), '已退单');
    assert.match(await text('#history tr[data-action=return]'), /待签收 → 已退单.*地铁设施不属于本区/);
    assert.equal(await page.locator('#actions form').count(), 0);
  });

  it('when the department asks for an extension to a date not later than its deadline, then the API\'s refusal shows and the reason typed stays', async () => {
    await open(tickets.red!.id);
    await act('accept');
    await page.fill('#action-request_extension [name=reason]', '需协调燃气公司停气检修，周期较长。');
    await page.fill('#action-request_extension [name=until]', '2026-03-04T17:00');
    await page.click('#action-request_extension button[type=submit]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await text('#error'), /400 EXTENSION_NOT_LATER/);
    assert.equal(await page.inputValue('#action-request_extension [name=reason]'), '需协调燃气公司停气检修，周期较长。');

    await page.fill('#action-request_extension [name=until]', '2026-03-13T17:00');
    await act('request_extension');
    assert.match(await text('#ticket'), /延期申请待审批：至 2026\/03\/13 17:00（需协调燃气公司停气检修，周期较长。）/);
    const ticket = await dispatcher.get(`/api/tickets/${tickets.red!.id}`);
    assert.equal(ticket.body.pendingExtension.until, '2026-03-13T09:00:00.000Z');
  });

  it('when the department assists, then it sees its part beside the lead\'s and accepts and replies to its own', async () => {
    tickets.assisting = await dispatched({ subject: '占道经营' }, theirs.id, [ours.id]);
    assert.equal((await theirStaff.post(`/api/tickets/${tickets.assisting.id}/accept`).send({})).status, 200);
    await open(tickets.assisting.id);
    assert.match(await text('#parts tr[data-role=lead]'), new RegExp(`${theirs.name}.*主办`));
    assert.match(await text('#parts tr[data-role=assist]'), new RegExp(`${ours.name}.*本部门.*协办.*待签收`));
    assert.equal(await page.isVisible('#action-return'), false, 'only the lead returns');
    await act('accept');
    await act('reply', { text: '街道已配合清理占道摊位。' });
    assert.match(await text('#parts tr[data-role=assist]'), /已答复.*街道已配合清理占道摊位/);
    assert.match(await text('#parts tr[data-role=lead]'), /已签收/);
  });

  it('when the requester asked for confidentiality, then the department\'s screen shows 保密 and none of their data', async () => {
    tickets.confidential = await dispatched({ subject: '举报违建', requestType: 'report', requester: { name: '李四', phone: '13912345678', email: 'lisi@example.com', confidential: true } }, ours.id);
    await open(tickets.confidential.id);
    assert.equal(await text('#confidential-mark'), '保密');
    assert.match(await text('#requester'), /保密：诉求人要求保密/);
    const body = await text('body');
    for (const secret of ['李四', '13912345678', 'lisi@example.com']) assert.ok(!body.includes(secret), secret);
    await b.screenshot(page, 'workspace-confidential');
  });

  it('when the user edits the address to another department\'s ticket, then the refusal shows and nothing of the ticket', async () => {
    await page.goto(`${b.baseUrl()}/console/workspace/#/tickets/${tickets.theirs!.id}`);
    await page.waitForSelector('#refused');
    assert.match(await text('#refused'), /无法打开此工单（404）/);
    assert.equal(await page.locator('#ticket').count(), 0);
    const body = await text('body');
    assert.ok(!body.includes('公交站牌') && !body.includes(tickets.theirs!.number));
    await b.screenshot(page, 'workspace-refused');
  });

  it('when a ticket is dispatched to the department while the inbox is open, then it appears without reloading', async () => {
    await page.goto(`${b.baseUrl()}/console/workspace/#/`);
    // The list comes back as the user left it (red ones, searched): all open ones again.
    await page.waitForSelector('#clear-search');
    await page.selectOption('#filters select[name=warning]', '');
    await page.click('#filters button[type=submit]');
    await page.waitForFunction(() => !document.querySelector('#clear-search') && document.querySelectorAll('#tickets tbody tr').length > 1);
    await page.waitForSelector('#live-status[data-state=open]');
    await page.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true; });
    const fresh = await dispatched({ subject: '刚派来的工单：路灯不亮' }, ours.id);
    await page.waitForSelector(`#tickets tr.fresh[data-id="${fresh.id}"]`, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
    assert.match(await text('#notice'), new RegExp(`新派工单：${fresh.number} 刚派来的工单`));
    await b.screenshot(page, 'workspace-live');

    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('#inbox-title')?.textContent === "Our department's tickets");
    assert.equal(await page.locator(`#tickets tr.fresh[data-id="${fresh.id}"]`).count(), 1);
    assert.match(await text('#live-status'), /Live updates on/);
  });
});
