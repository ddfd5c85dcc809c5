import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { systemActor } from '../../core/accounts/access.js';
import { aUser } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';

describe('Administration console: an administrator keeps users, departments, categories, rules, limits, calendar, templates and webhooks', function () {
  this.timeout(90_000);
  const b = useBrowserApp();
  let page: Page;
  let adminName: string;
  const violations: string[] = [];

  before(async () => {
    const admin = await aUser(b.t.services, ['administrator']);
    adminName = admin.username;
    page = await b.signedInPage('/console/admin/', admin.username, 'admin');
    page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()); });
  });

  const open = async (hash: string) => {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForSelector(`#section[data-section="${hash.split('/')[1]}"] #section-title`);
  };
  /** Clicks a form's button and waits for the API's answer to the write it sends. */
  const submit = async (button: Locator) => {
    const answered = page.waitForResponse((res) => res.url().includes('/api/') && res.request().method() !== 'GET');
    await button.click();
    return answered;
  };
  const noticeSays = async (text: RegExp) => {
    await page.waitForFunction((source) => new RegExp(source).test(document.querySelector('#notice:not([hidden])')?.textContent ?? ''), text.source);
    assert.equal(await page.isHidden('#error'), true, (await page.textContent('#error')) ?? '');
  };

  it('creates a department, then a staff user in it, both from the forms', async () => {
    await open('#/departments');
    const form = page.locator('#new-department');
    await form.getByLabel('编码').fill('WATER-01');
    await form.getByLabel('名称', { exact: true }).fill('市水务局');
    await form.getByLabel('类型').selectOption('bureau');
    await form.getByLabel('联系邮箱（逗号分隔）').fill('duty@water.example.cn');
    await submit(form.getByRole('button', { name: '新建' }));
    await noticeSays(/已创建/);
    await page.waitForSelector('ul.tree li[data-code="WATER-01"]');
    const [water] = await b.t.services.departments.list(systemActor, {}).then((all) => all.filter((d) => d.code === 'WATER-01'));
    assert.ok(water);
    assert.deepEqual(water.contacts.emails, ['duty@water.example.cn']);
    await page.getByRole('button', { name: '编辑 市水务局' }).click();
    const edit = page.locator('#edit-department');
    await edit.getByLabel('联系电话').fill('010-96116');
    await submit(edit.getByRole('button', { name: '保存' }));
    await noticeSays(/已保存/);
    const edited = await b.t.services.departments.get(systemActor, water.id);
    assert.deepEqual([edited.contacts, edited.version], [{ emails: ['duty@water.example.cn'], phone: '010-96116' }, water.version + 1]);
    await b.screenshot(page, 'admin-departments');

    await open('#/users');
    const user = page.locator('#new-user');
    await user.getByLabel('用户名').fill('water.staff');
    await user.getByLabel('姓名').fill('水务承办员');
    await user.getByLabel('初始密码').fill('a long enough password');
    await user.getByRole('checkbox', { name: '承办人员' }).check();
    await user.getByLabel('所属部门').selectOption({ label: '市水务局' });
    await submit(user.getByRole('button', { name: '新建' }));
    await noticeSays(/已创建/);
    await page.waitForSelector('#users tr[data-username="water.staff"]');
    assert.match((await page.textContent('#users tr[data-username="water.staff"]')) ?? '', /承办人员.*市水务局/);
    const [stored] = await b.t.services.users.list(systemActor, { departmentId: water.id });
    assert.deepEqual([stored?.username, stored?.roles], ['water.staff', ['department_staff']]);
    await b.screenshot(page, 'admin-users');
  });

  it('edits a user (roles, disabled, password reset); an edit of a version someone else changed says to reload and keeps the input', async () => {
    await open('#/users');
    await page.getByRole('button', { name: '编辑 water.staff' }).click();
    const form = page.locator('#edit-user');
    const [stored] = (await b.t.services.users.list(systemActor, {})).filter((u) => u.username === 'water.staff');
    assert.ok(stored);
    await b.t.services.users.update({ actor: systemActor, now: b.t.clock.now() }, stored.id, { version: stored.version, phone: '010-12345' });
    await form.getByLabel('姓名').fill('水务承办员（改）');
    await submit(form.getByRole('button', { name: '保存' }));
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /VERSION_CONFLICT · 该记录已被他人修改。请点击“重新加载”/);
    assert.equal(await form.getByLabel('姓名').inputValue(), '水务承办员（改）');

    await page.click('#reload');
    await page.getByRole('button', { name: '编辑 water.staff' }).click();
    assert.equal(await form.getByLabel('电话').inputValue(), '010-12345');
    await form.getByRole('checkbox', { name: '部门负责人' }).check();
    await form.getByLabel('启用', { exact: true }).uncheck();
    await form.getByLabel('重置密码（留空则不改）').fill('another long password');
    await submit(form.getByRole('button', { name: '保存' }));
    await noticeSays(/已保存/);
    const changed = await b.t.services.users.get(systemActor, stored.id);
    assert.deepEqual([changed.roles, changed.active], [['department_staff', 'department_head'], false]);
    const [event] = await b.t.services.audit.list({ entityType: 'user', entityId: stored.id, action: 'user.update', limit: 1 });
    assert.equal(event?.actor.username, adminName);
    assert.equal((event?.changes as { password?: string } | undefined)?.password, 'changed');
    assert.match((await page.textContent('#users tr[data-username="water.staff"]')) ?? '', /停用/);
  });

  it('keeps the input and names the field when the API refuses a save', async () => {
    await open('#/departments');
    const form = page.locator('#new-department');
    await form.getByLabel('编码').fill('bad code');
    await form.getByLabel('名称', { exact: true }).fill('格式错误的部门');
    await submit(form.getByRole('button', { name: '新建' }));
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /VALIDATION_FAILED.*code/);
    assert.equal(await form.getByLabel('编码').inputValue(), 'bad code');
    assert.equal(await form.getByLabel('名称', { exact: true }).inputValue(), '格式错误的部门');
    assert.equal(await form.getByLabel('编码').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'code');
  });

  it('creates a category routed to the department and gives it its own reply limit, showing what it inherits', async () => {
    await open('#/categories');
    const create = page.locator('#new-category');
    await create.getByLabel('名称', { exact: true }).fill('供水管网');
    await create.getByLabel('默认承办部门').selectOption({ label: '市水务局' });
    await submit(create.getByRole('button', { name: '新建' }));
    await noticeSays(/已创建/);
    const editor = page.locator('#edit-category');
    await editor.waitFor();
    const complaint = editor.locator('tr[data-slot="reply.normal.complaint"]');
    assert.match((await complaint.textContent()) ?? '', /沿用：5 工作日（全局默认）/);
    await complaint.getByLabel('答复（投诉） 时长').fill('3');
    await complaint.getByLabel('答复（投诉） 单位').selectOption('working_days');
    await submit(editor.getByRole('button', { name: '保存' }));
    await noticeSays(/已保存/);
    const [category] = (await b.t.services.categories.list(systemActor, {})).filter((c) => c.name === '供水管网');
    assert.deepEqual(category?.limits, { reply: { normal: { complaint: { amount: 3, unit: 'working_days' } } } });
    assert.equal(await page.locator('#edit-category tr[data-slot="reply.normal.complaint"] input').inputValue(), '3');

    // A sub-category inherits the parent's own limit; the rest still come from the defaults.
    await page.locator('#edit-category').getByRole('button', { name: '取消' }).click();
    await create.getByLabel('名称', { exact: true }).fill('管道爆裂');
    await create.getByLabel('上级分类').selectOption({ label: '供水管网' });
    await submit(create.getByRole('button', { name: '新建' }));
    await page.locator('#edit-category').waitFor();
    assert.match((await page.textContent('#edit-category tr[data-slot="reply.normal.complaint"]')) ?? '', /沿用：3 工作日（上级分类“供水管网”）/);
    assert.match((await page.textContent('#edit-category tr[data-slot="reply.urgent"]')) ?? '', /沿用：24 小时（自然时间）（全局默认）/);
    const toggle = page.getByRole('button', { name: '展开或收起“供水管网”' });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.equal(await page.isVisible('li[data-code="01.01"]'), true);
    await toggle.click();
    assert.equal(await page.isVisible('li[data-code="01.01"]'), false);
    await b.screenshot(page, 'admin-categories');
  });

  it('adds a routing keyword to the department and sets the automatic-dispatch threshold and its undo window', async () => {
    await open('#/routing');
    await page.click('#add-keyword');
    const row = page.locator('#routing tbody tr').last();
    await row.getByLabel('关键词', { exact: true }).fill('爆管');
    await row.getByLabel('所属部门').selectOption({ label: '市水务局' });
    await page.getByLabel('自动派单置信度阈值（0–1，1 表示不自动派单）').fill('0.85');
    await page.getByLabel('自动派单可撤回时长（分钟）').fill('45');
    await submit(page.locator('#routing').getByRole('button', { name: '保存' }));
    await noticeSays(/已保存/);
    const settings = await b.t.services.settings.current();
    const [water] = (await b.t.services.departments.list(systemActor, {})).filter((d) => d.code === 'WATER-01');
    assert.deepEqual(settings.routingKeywords, [{ keyword: '爆管', departmentId: water?.id }]);
    assert.equal(settings.autoDispatchThreshold, 0.85);
    assert.equal(settings.autoDispatchUndoMinutes, 45);
  });

  it('changes a default limit; thresholds out of order are refused with the field named', async () => {
    await open('#/limits');
    const form = page.locator('#default-limits');
    await form.locator('tr[data-slot="callback"]').getByLabel('回访 时长').fill('3');
    await form.getByLabel('黄牌（时限已用比例，0–1）').fill('0.8');
    await submit(form.getByRole('button', { name: '保存' }));
    await noticeSays(/已保存/);
    const settings = await b.t.services.settings.current();
    assert.deepEqual([settings.limits.callback, settings.thresholds], [{ amount: 3, unit: 'working_days' }, { yellow: 0.8, red: 1 }]);

    await form.getByLabel('红牌（时限已用比例，0–1）').fill('0.5');
    await form.getByLabel('黄牌（时限已用比例，0–1）').fill('0.6');
    await submit(form.getByRole('button', { name: '保存' }));
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /INVALID_WARNING_THRESHOLDS/);
    assert.equal(await form.getByLabel('黄牌（时限已用比例，0–1）').getAttribute('aria-invalid'), 'true');
    assert.equal(await form.getByLabel('黄牌（时限已用比例，0–1）').inputValue(), '0.6');
    assert.deepEqual((await b.t.services.settings.current()).thresholds, { yellow: 0.8, red: 1 });
  });

  it('shows October 2026 with National Day off and the adjusted Saturday worked; a holiday added shows at once', async () => {
    await open('#/calendar/2026-10');
    await page.waitForSelector('#calendar-grid td[data-date="2026-10-01"]');
    assert.equal(await page.getAttribute('td[data-date="2026-10-01"]', 'data-kind'), 'holiday');
    assert.match((await page.textContent('td[data-date="2026-10-01"]')) ?? '', /节假日.*国庆节.*法定/);
    assert.equal(await page.getAttribute('td[data-date="2026-10-10"]', 'data-kind'), 'adjusted_workday');
    assert.equal(await page.getAttribute('td[data-date="2026-10-09"]', 'data-kind'), 'workday');

    const form = page.locator('#calendar-override');
    await form.getByLabel('日期').fill('2026-10-09');
    await form.getByLabel('类型').selectOption('false');
    await form.getByLabel('名称（可选）').fill('城市日');
    await submit(form.getByRole('button', { name: '保存' }));
    await page.waitForSelector('td[data-date="2026-10-09"][data-kind="holiday"][data-source="override"]');
    assert.match((await page.textContent('td[data-date="2026-10-09"]')) ?? '', /城市日.*管理员设定/);
    assert.match((await page.textContent('#overrides')) ?? '', /2026-10-09 · 节假日 · 城市日/);
    await b.screenshot(page, 'admin-calendar');

    await submit(page.getByRole('button', { name: '移除 2026-10-09 的设定' }));
    await page.waitForSelector('td[data-date="2026-10-09"][data-kind="workday"]');
    assert.equal((await b.t.services.settings.current()).calendarOverrides.length, 0);
  });

  it('previews a template in Chinese and in English, the mail in a sandboxed frame with its own styles and no CSP violation', async () => {
    await open('#/templates');
    const picker = page.locator('#template-picker');
    await picker.getByLabel('模板').selectOption('ticket-urged');
    await picker.getByLabel('语言').selectOption('zh-CN');
    await picker.getByRole('button', { name: '预览' }).click();
    await page.waitForSelector('#template-preview[data-locale="zh-CN"]');
    assert.equal(await page.textContent('#preview-subject'), '【催办】工单 20260302000003');
    assert.equal(await page.getAttribute('#preview-html', 'sandbox'), '');
    const mail = page.frameLocator('#preview-html').locator('body > div');
    assert.match((await mail.textContent()) ?? '', /20260302000003/);
    assert.equal(await mail.evaluate((div) => getComputedStyle(div).whiteSpace), 'pre-wrap');
    await b.screenshot(page, 'admin-templates');

    await picker.getByLabel('语言').selectOption('en');
    await picker.getByRole('button', { name: '预览' }).click();
    await page.waitForSelector('#template-preview[data-locale="en"]');
    assert.equal(await page.textContent('#preview-subject'), '[Urged] Ticket 20260302000003');
    assert.match((await page.textContent('#preview-text')) ?? '', /20260302000003/);

    // SMS: text only, and only for templates sent by SMS.
    await picker.getByLabel('模板').selectOption('ticket-received');
    await picker.getByLabel('渠道').selectOption('sms');
    await picker.getByRole('button', { name: '预览' }).click();
    await page.waitForSelector('#template-preview[data-channel="sms"]');
    assert.equal(await page.locator('#preview-html').count(), 0);
    assert.deepEqual(violations, []);
  });

  it('subscribes a receiver to webhooks: the secret shows once, the delivery log lists a ticket\'s intake, and the subscription can be turned off', async () => {
    await open('#/webhooks');
    const form = page.locator('#new-webhook');
    await form.getByLabel('接收方名称').fill('区网格化管理平台');
    await form.getByLabel('接收地址（http/https）').fill('https://grid.example.gov.cn/hotline');
    await form.getByRole('checkbox', { name: '归档' }).uncheck();
    await submit(form.getByRole('button', { name: '新建' }));
    await noticeSays(/已创建/);
    const secret = (await page.locator('#secret-value').textContent()) ?? '';
    const [stored] = await b.t.services.webhooks.list(systemActor);
    assert.ok(stored && secret.startsWith(stored.secretHint.slice(0, 10)) && secret.length > 40, secret);
    assert.ok(!stored.events.includes('ticket.archived') && stored.events.includes('ticket.created'));

    await b.t.services.tickets.intake({ actor: systemActor, now: b.t.clock.now() }, {
      channel: 'web', requestType: 'help', subject: '路灯不亮', content: '路口路灯坏了。', requester: {},
    });
    const row = page.locator('#webhooks tr[data-partner="区网格化管理平台"]');
    await row.getByRole('button', { name: '推送记录' }).click();
    await page.waitForSelector('#webhook-deliveries tr[data-delivery]');
    assert.match((await page.textContent('#webhook-deliveries tbody')) ?? '', /受理.*待推送/s);
    await b.screenshot(page, 'admin-webhooks');

    await submit(row.getByRole('button', { name: '停用' }));
    await noticeSays(/已保存/);
    await page.waitForSelector('#webhooks tr[data-partner="区网格化管理平台"] button:text("启用")');
    assert.equal(await page.locator('#secret-value').count(), 0, 'the secret is gone once the page is redrawn');
    assert.equal((await b.t.services.webhooks.get(systemActor, stored.id)).enabled, false);
  });

  it('is usable from the keyboard: a tab followed with Enter lands on its section heading', async () => {
    await open('#/users');
    await page.focus('.tabs a[href="#/calendar"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'section-title' && document.activeElement.textContent === '工作日历');
    assert.equal(await page.getAttribute('.tabs a[href="#/calendar"]', 'aria-current'), 'page');
  });

  it('switches to English and back', async () => {
    await open('#/users');
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('.tabs a[aria-current="page"]')?.textContent === 'Users and roles');
    assert.equal(await page.textContent('#section-title'), 'Users and roles');
    await b.screenshot(page, 'admin-users-en');
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('#section-title')?.textContent === '用户与角色');
  });

  it('refuses a non-administrator: the console shows nothing of its own and the API answers 403', async () => {
    const supervisor = await aUser(b.t.services, ['supervisor']);
    const other = await b.signedInPage('/console/admin/#/templates', supervisor.username, 'supervisor');
    assert.match((await other.textContent('main')) ?? '', /您的角色不能使用此控制台/);
    assert.equal(await other.locator('.tabs').count(), 0);
    const status = await other.evaluate(async () => (await fetch('/api/templates')).status);
    assert.equal(status, 403);
  });
});
