import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { systemActor } from '../../core/accounts/access.js';
import type { TemplateData } from '../../templates/catalogue.js';
import { render } from '../../templates/render.js';
import { aCategory, aDepartment, aUser } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';

/**
 * Issue 6's walk through every console, each as its user: the citizen on the portal, the
 * dispatcher and the supervisor on their console, the department on its workspace — one ticket from
 * the web form to the satisfied survey, with the workers' use cases run in between as the jobs would.
 */
describe('One ticket through every console: portal → dispatch → department → review → survey → rates', function () {
  this.timeout(180_000);
  // Monday 2026-03-02 10:00 in China.
  const b = useBrowserApp({ at: '2026-03-02T02:00:00Z' });
  const phone = '13612345678';
  let housing: { id: string; name: string };
  let dispatcher: string;
  let supervisor: string;
  let staff: string;
  let outsider: string;
  let number: string;
  let ticketId: string;

  before(async () => {
    const s = b.t.services;
    housing = await aDepartment(s, { name: '市住房和城乡建设委员会' });
    const transport = await aDepartment(s, { name: '市交通委员会' });
    const property = await aCategory(s, { name: '物业管理', nameEn: 'Property management' });
    await aCategory(s, { name: '电梯运行', nameEn: 'Lifts', parentId: property.id });
    // A keyword rule proposes the department; below the threshold, so the dispatcher decides.
    await s.settings.update({ actor: systemActor, now: b.t.clock.now() }, { routingKeywords: [{ keyword: '电梯', departmentId: housing.id }], autoDispatchThreshold: 0.95 });
    dispatcher = (await aUser(s, ['dispatcher'])).username;
    supervisor = (await aUser(s, ['supervisor'])).username;
    staff = (await aUser(s, ['department_staff'], { departmentId: housing.id })).username;
    outsider = (await aUser(s, ['department_staff'], { departmentId: transport.id })).username;
  });

  const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ');
  const housingRates = async (page: Page) => {
    await page.goto(`${b.baseUrl()}/console/supervisor/#dashboard?from=2026-03-01&to=2026-03-07`);
    await page.reload();
    await page.waitForSelector('#rates-table');
    return page.locator('#rates-table tbody tr', { hasText: housing.name }).evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').replace(/\s+/g, ' ')));
  };

  it('the citizen submits a confidential request on the portal and follows it with number and phone', async () => {
    const page = await b.newPage('citizen', { viewport: { width: 390, height: 844 } });
    await page.goto(`${b.baseUrl()}/portal/`);
    await page.waitForSelector('#f-category-1 option:nth-child(2)', { state: 'attached' });
    await page.selectOption('#f-requestType', 'help');
    await page.selectOption('#f-category-1', { label: '物业管理' });
    await page.selectOption('#f-category-2', { label: '电梯运行' });
    await page.fill('#f-location-address', '朝阳区望京西园三区 5 号楼');
    await page.fill('#f-subject', '电梯停运一周');
    await page.fill('#f-content', '5 号楼电梯停运一周，老人上下楼困难，物业一直没有修。');
    await page.fill('#f-requester-phone', phone);
    await page.fill('#f-requester-name', '赵敏');
    await page.check('#f-requester-confidential');
    await page.click('#submit-form button[type=submit]');
    await page.waitForSelector('#ticket-number');
    number = (await page.textContent('#ticket-number'))!.trim();
    assert.match(number, /^\d{14}$/);
    ticketId = String((await b.t.services.tickets.tickets.findOne({ number }).lean())!._id);

    await page.click('#submitted a.button');
    await page.fill('#f-phone', phone);
    await page.click('#follow-form button[type=submit]');
    await page.waitForSelector('#ticket-state');
    assert.equal(await page.textContent('#ticket-state'), '已受理');
    await b.screenshot(page, 'journey-portal-follow');
  });

  it('the dispatcher sees the routing suggestion in the queue and dispatches with it', async () => {
    const routed = await b.t.services.routing.routePending(b.t.clock.now());
    assert.deepEqual({ proposed: routed.proposed, autoDispatched: routed.autoDispatched }, { proposed: 1, autoDispatched: 0 });
    const page = await b.signedInPage('/console/supervisor/', dispatcher);
    await page.waitForSelector(`[data-ticket="${ticketId}"]`);
    assert.match(await text(page, '[data-suggestion="1"]'), new RegExp(`${housing.name}.*90\\.0%`));
    await page.focus(`[data-ticket="${ticketId}"]`);
    await page.keyboard.press('1');
    await page.waitForSelector('#notice:not([hidden]):has-text("派单")');
    const ticket = await b.t.services.tickets.get(systemActor, ticketId, b.t.clock.now());
    assert.equal(ticket.state, 'dispatched');
    assert.equal(ticket.assignments[0]?.departmentId, housing.id);
  });

  it('a department user of another department cannot open the ticket by editing the URL', async () => {
    const page = await b.signedInPage('/console/workspace/', outsider);
    await page.goto(`${b.baseUrl()}/console/workspace/#/tickets/${ticketId}`);
    await page.waitForSelector('#refused');
    assert.match(await text(page, '#refused'), /无法打开此工单/);
    const body = await text(page, 'main');
    for (const secret of ['电梯停运一周', phone, '赵敏']) assert.ok(!body.includes(secret), `${secret} must not show`);
  });

  it('the department sees the requester masked, accepts, asks for information once and replies', async () => {
    const page = await b.signedInPage('/console/workspace/', staff);
    await page.waitForSelector(`#tickets tr[data-id="${ticketId}"]`);
    await page.goto(`${b.baseUrl()}/console/workspace/#/tickets/${ticketId}`);
    await page.waitForSelector(`#ticket[data-id="${ticketId}"]`);
    assert.equal(await text(page, '#confidential-mark'), '保密');
    const body = await text(page, 'main');
    assert.ok(!body.includes(phone) && !body.includes('赵敏'), 'the confidential requester is masked');

    const act = async (action: string, fields: Record<string, string> = {}) => {
      for (const [name, value] of Object.entries(fields)) await page.fill(`#action-${action} [name=${name}]`, value);
      const drawn = await page.$('#ticket');
      await page.click(`#action-${action} button[type=submit]`);
      await page.waitForFunction((old) => !old?.isConnected || !document.querySelector<HTMLElement>('#error')?.hidden, drawn);
      assert.equal(await page.isVisible('#error'), false, await text(page, '#error'));
    };
    await act('accept');
    await act('request_info', { items: '电梯维保单位名称\n停运开始日期' });
    assert.equal(await text(page, '#ticket-state'), '待补充材料');
    await act('receive_info');
    await act('reply', { text: '已督促物业联系维保单位，电梯已于今日恢复运行。' });
    assert.equal(await text(page, '#ticket-state'), '已答复待审核');
    await b.screenshot(page, 'journey-workspace');
  });

  it('the supervisor approves the reply, the citizen answers the survey from its link, and the rates and ranking change', async () => {
    const page = await b.signedInPage('/console/supervisor/', supervisor);
    const before = await housingRates(page);

    await page.click('[data-area="review"]');
    await page.click(`[data-ticket="${ticketId}"]`);
    await page.waitForSelector(`#detail >> text=${number}`);
    await page.click('[data-action="approve_reply"]');
    await page.waitForSelector('#notice:not([hidden])');
    assert.equal((await b.t.services.tickets.get(systemActor, ticketId, b.t.clock.now())).state, 'awaiting_callback');

    await b.t.services.callbacks.sendSurveys(b.t.clock.now());
    const notice = await b.t.services.outbox.notices.findOne({ template: 'callback-survey', to: phone }).lean();
    assert.ok(notice, 'the survey goes to the requester by SMS');
    const link = new URL(/https?:\/\/\S+/.exec(render('callback-survey', notice.locale, notice.data as TemplateData['callback-survey'], 'sms').text)![0]);
    const citizen = await b.newPage('citizen survey', { viewport: { width: 390, height: 844 } });
    await citizen.goto(`${b.baseUrl()}${link.pathname}${link.hash}`);
    await citizen.waitForSelector('#survey-form');
    await citizen.check('input[name=resolved][value=yes]');
    await citizen.check('input[name=satisfaction][value=satisfied]');
    await citizen.click('#survey-form button[type=submit]');
    await citizen.waitForSelector('#survey-thanks');
    await b.screenshot(citizen, 'journey-survey');
    assert.equal((await b.t.services.tickets.get(systemActor, ticketId, b.t.clock.now())).state, 'archived');

    const after = await housingRates(page);
    assert.equal(after.length, 1, 'the department is ranked');
    assert.notDeepEqual(after, before, 'the survey changed the department\'s rates');
    assert.match(after[0]!, /100\.0%/);
    await b.screenshot(page, 'journey-dashboard');
  });
});
