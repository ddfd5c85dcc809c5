import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { systemActor } from '../../core/accounts/access.js';
import type { TemplateData } from '../../templates/catalogue.js';
import { render } from '../../templates/render.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';
import { signIn, type SignedInAgent } from '../helpers/test-app.js';

const phoneScreen = { width: 390, height: 844 };

describe('Citizen portal: submit on a phone, follow with number and phone, answer the survey from its link', function () {
  this.timeout(60_000);
  const b = useBrowserApp();
  let department: { id: string };
  let dispatcher: SignedInAgent;
  let staff: SignedInAgent;
  const tree = {} as Record<'city' | 'facilities' | 'lights' | 'transport', { id: string; version: number }>;

  before(async () => {
    department = await aDepartment(b.t.services, { name: '市城市管理委员会' });
    tree.city = await aCategory(b.t.services, { name: '城市管理', nameEn: 'City management', defaultDepartmentId: department.id });
    tree.facilities = await aCategory(b.t.services, { name: '市政设施', nameEn: 'Municipal facilities', parentId: tree.city.id });
    tree.lights = await aCategory(b.t.services, { name: '路灯照明', nameEn: 'Street lights', parentId: tree.facilities.id });
    tree.transport = await aCategory(b.t.services, { name: '交通出行', nameEn: 'Transport' });
    dispatcher = await signIn(b.t.app, (await aUser(b.t.services, ['dispatcher'])).username, testPassword);
    staff = await signIn(b.t.app, (await aUser(b.t.services, ['department_staff'], { departmentId: department.id })).username, testPassword);
  });

  const openPortal = async (name: string, at = '/portal/') => {
    const page = await b.newPage(name, { viewport: phoneScreen });
    await page.goto(`${b.baseUrl()}${at}`);
    await page.waitForSelector('body[data-ready=true]');
    return page;
  };
  const categoriesLoaded = (page: Page) => page.waitForSelector(`#f-category-1 option[value="${tree.city.id}"]`, { state: 'attached' });
  const fitsThePhone = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  /** A web ticket as the portal's form sends it, for the tests that start after intake. */
  const aWebTicket = async (phone: string, subject: string) => {
    const res = await supertest(b.t.app).post('/api/public/tickets').send({
      requestType: 'complaint', categoryId: tree.lights.id, location: { address: '望京街道花家地北里' }, subject, content: `${subject}，已经一个星期了。`, requester: { phone },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const ticket = await b.t.services.tickets.tickets.findOne({ number: res.body.number }).lean();
    return { number: res.body.number as string, id: String(ticket!._id) };
  };

  it('when a citizen on a phone picks a category down the tree and submits, then the ticket number is shown and the ticket holds what was typed', async () => {
    const page = await openPortal('submit');
    await categoriesLoaded(page);
    assert.equal(await page.isVisible('#f-category-2'), false, 'the next level appears once the one above is chosen');
    await page.selectOption('#f-requestType', 'complaint');
    await page.selectOption('#f-category-1', { label: '城市管理' });
    await page.selectOption('#f-category-2', { label: '市政设施' });
    await page.selectOption('#f-category-3', { label: '路灯照明' });
    assert.match((await page.textContent('.chosen')) ?? '', /城市管理 › 市政设施 › 路灯照明/);
    await page.fill('#f-location-address', '朝阳区望京街道花家地北里 3 号楼');
    await page.fill('#f-subject', '小区路灯不亮');
    await page.fill('#f-content', '3 号楼前的两盏路灯坏了一个星期，晚上很黑。');
    await page.fill('#f-requester-phone', '138 0013 8000');
    await page.fill('#f-requester-name', '王芳');
    await page.check('#f-requester-confidential');
    assert.ok(await fitsThePhone(page), 'nothing wider than the phone');
    await b.screenshot(page, 'portal-submit');

    await page.click('#submit-form button[type=submit]');
    await page.waitForSelector('#ticket-number');
    const number = (await page.textContent('#ticket-number'))!.trim();
    assert.match(number, /^\d{14}$/);
    assert.equal(await page.getAttribute('#submitted a.button', 'href'), `#/follow/${number}`);
    await b.screenshot(page, 'portal-submitted');
    await page.click('#submitted a.button');
    await page.waitForSelector('#follow-form', { state: 'visible' });
    assert.equal(await page.inputValue('#f-number'), number, 'following starts from the number just given');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-phone', 'and asks for the phone');

    const ticket = await b.t.services.tickets.tickets.findOne({ number }).lean();
    assert.ok(ticket);
    assert.equal(ticket.channel, 'web');
    assert.equal(ticket.categoryId, tree.lights.id);
    assert.equal(ticket.requestType, 'complaint');
    assert.equal(ticket.location.address, '朝阳区望京街道花家地北里 3 号楼');
    assert.deepEqual(
      { phone: ticket.requester.phone, name: ticket.requester.name, confidential: ticket.requester.confidential },
      { phone: '13800138000', name: '王芳', confidential: true },
    );
  });

  it('when a field is wrong, then the message stands beside it and names it, and everything typed stays; the API\'s refusals land there too', async () => {
    const retiring = await aCategory(b.t.services, { name: '井盖缺失', parentId: tree.facilities.id });
    const page = await openPortal('validation');
    await categoriesLoaded(page);

    // The keyboard way through the search: type, arrow down to a result, Enter.
    await page.focus('#f-category-search');
    await page.keyboard.type('井盖');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.equal(await page.inputValue('#f-category-3'), retiring.id);
    await page.selectOption('#f-requestType', 'report');
    await page.fill('#f-subject', '井盖丢了');
    await page.fill('#f-content', '路口的井盖不见了，很危险。');
    await page.fill('#f-requester-phone', '12ab');
    await page.click('#submit-form button[type=submit]');

    await page.waitForSelector('#f-requester-phone-error:not([hidden])');
    assert.match((await page.textContent('#f-requester-phone-error')) ?? '', /手机号或固定电话/);
    assert.match((await page.textContent('#error')) ?? '', /联系电话/);
    assert.equal(await page.getAttribute('#f-requester-phone', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-requester-phone', 'the focus goes to the field to fix');
    assert.equal(await page.inputValue('#f-subject'), '井盖丢了');
    assert.equal(await page.inputValue('#f-content'), '路口的井盖不见了，很危险。');
    await b.screenshot(page, 'portal-validation');

    // The administrators retire the category while the citizen fixes the phone: the API refuses it by name.
    await b.t.services.categories.remove({ actor: systemActor, now: b.t.clock.now() }, retiring.id);
    await page.fill('#f-requester-phone', '010-62345678');
    await page.click('#submit-form button[type=submit]');
    await page.waitForSelector('#f-categoryId-error:not([hidden])');
    assert.match((await page.textContent('#f-categoryId-error')) ?? '', /重新选择/);
    assert.match((await page.textContent('#error')) ?? '', /诉求分类/);
    assert.equal(await page.isVisible('#f-requester-phone-error'), false);
    assert.equal(await page.inputValue('#f-subject'), '井盖丢了');
    assert.equal(await page.inputValue('#f-requester-phone'), '010-62345678');
    assert.equal(await b.t.services.tickets.tickets.countDocuments({ subject: '井盖丢了' }), 0);
    await page.waitForFunction((id) => !document.querySelector(`#f-category-3 option[value="${id}"]`), retiring.id);
    assert.equal(await page.inputValue('#f-category-2'), tree.facilities.id, 'the levels above the retired category stay chosen');
    await b.screenshot(page, 'portal-validation-api');
  });

  it('when the number comes with a wrong phone, then nothing of the ticket shows; with the right phone, its state in plain words', async () => {
    const { number } = await aWebTicket('13900139000', '路灯闪烁');
    const page = await openPortal('follow', `/portal/#/follow/${number}`);
    assert.equal(await page.inputValue('#f-number'), number, 'the number from the link is filled in');
    await page.fill('#f-phone', '13900139001');
    await page.click('#follow-form button[type=submit]');
    await page.waitForSelector('#not-found');
    assert.doesNotMatch((await page.textContent('main')) ?? '', /路灯闪烁/);
    await b.screenshot(page, 'portal-follow-refused');

    // The API answers an unknown number and a wrong phone alike, so numbers cannot be probed.
    const wrongPhone = await supertest(b.t.app).get(`/api/public/tickets/${number}?phone=13900139001`);
    const noSuchTicket = await supertest(b.t.app).get(`/api/public/tickets/${number.slice(0, -4)}9999?phone=13900139000`);
    assert.equal(wrongPhone.status, 404);
    assert.deepEqual([noSuchTicket.status, noSuchTicket.body.error.code, noSuchTicket.body.error.message], [wrongPhone.status, wrongPhone.body.error.code, wrongPhone.body.error.message]);

    // The phone given as 13900139000, typed back the way people write it with the country code.
    await page.fill('#f-phone', '(+86) 139-0013-9000');
    await page.click('#follow-form button[type=submit]');
    await page.waitForSelector('#ticket');
    assert.equal(await page.textContent('#ticket-state'), '已受理');
    assert.match((await page.textContent('#ticket')) ?? '', /路灯闪烁[\s\S]*受理/);
    assert.ok(await fitsThePhone(page));
    await b.screenshot(page, 'portal-follow');

    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('#ticket-state')?.textContent === 'Received');
    assert.equal(await page.inputValue('#f-phone'), '(+86) 139-0013-9000', 'switching the language keeps what was typed');
    await b.screenshot(page, 'portal-follow-en');
  });

  it('when the reply is accepted, then the citizen follows it, answers the survey from the SMS link once, and a second visit says it was answered', async () => {
    const { number, id } = await aWebTicket('13700137000', '路灯不亮');
    assert.equal((await dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: department.id })).status, 200);
    assert.equal((await staff.post(`/api/tickets/${id}/accept`).send({})).status, 200);
    assert.equal((await staff.post(`/api/tickets/${id}/reply`).send({ text: '已更换灯泡，路灯恢复照明。' })).status, 200);
    assert.equal((await dispatcher.post(`/api/tickets/${id}/approve-reply`).send({})).body.state, 'awaiting_callback');

    const follow = await openPortal('replied', `/portal/#/follow/${number}`);
    await follow.fill('#f-phone', '13700137000');
    await follow.click('#follow-form button[type=submit]');
    await follow.waitForSelector('#ticket-reply');
    assert.equal(await follow.textContent('#ticket-state'), '已答复');
    assert.equal(await follow.textContent('#ticket-reply'), '已更换灯泡，路灯恢复照明。');

    // The survey link as the system sends it: the callbacks job writes the SMS to the outbox.
    await b.t.services.callbacks.sendSurveys(b.t.clock.now());
    const notice = await b.t.services.outbox.notices.findOne({ template: 'callback-survey', to: '13700137000' }).lean();
    assert.ok(notice);
    const sms = render('callback-survey', notice.locale, notice.data as TemplateData['callback-survey'], 'sms').text;
    const link = new URL(/https?:\/\/\S+/.exec(sms)![0]);
    assert.equal(link.pathname, '/portal/');
    const at = `${link.pathname}${link.hash}`;

    const page = await openPortal('survey', at);
    await page.waitForSelector('#survey-reply');
    assert.equal(await page.textContent('#survey-reply'), '已更换灯泡，路灯恢复照明。');
    assert.match((await page.textContent('#survey-title + div')) ?? '', new RegExp(number));
    await page.check('input[name=resolved][value=yes]');
    await page.check('input[name=satisfaction][value=basically_satisfied]');
    await page.fill('#f-comment', '修得挺快，就是等了两天。');
    assert.ok(await fitsThePhone(page));
    await b.screenshot(page, 'portal-survey');
    await page.click('#survey-form button[type=submit]');
    await page.waitForSelector('#survey-thanks');
    assert.match((await page.textContent('#survey-thanks')) ?? '', /已办结/);
    assert.equal(await page.isVisible('#survey-form'), false);
    await b.screenshot(page, 'portal-survey-answered');

    const ticket = await b.t.services.tickets.tickets.findById(id).lean();
    assert.equal(ticket?.state, 'archived');
    assert.deepEqual(
      { resolved: ticket?.callback?.resolved, satisfaction: ticket?.callback?.satisfaction, comment: ticket?.callback?.comment, via: ticket?.callback?.via },
      { resolved: true, satisfaction: 'basically_satisfied', comment: '修得挺快，就是等了两天。', via: 'survey' },
    );

    const again = await openPortal('survey again', at);
    await again.waitForSelector('#survey-gone');
    assert.match((await again.textContent('#survey-gone')) ?? '', /评价已提交/);
    assert.equal(await again.isVisible('#survey-form'), false);
    await b.screenshot(again, 'portal-survey-used');
    const token = link.hash.split('/').at(-1);
    assert.equal((await supertest(b.t.app).post(`/api/public/surveys/${token}`).send({ resolved: true, satisfaction: 'satisfied' })).status, 404, 'the link works once');
  });
});
