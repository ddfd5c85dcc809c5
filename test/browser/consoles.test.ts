import assert from 'node:assert/strict';
import { aDepartment, aUser } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';

describe('Consoles: one shell for every staff console, and the portal without sign-in', function () {
  this.timeout(60_000);
  const b = useBrowserApp();

  it('serves each page with a same-origin-only CSP, and `/` leads to the portal', async () => {
    for (const at of ['/portal/', '/console/workspace/', '/console/supervisor/', '/console/admin/', '/console/']) {
      const res = await fetch(`${b.baseUrl()}${at}`);
      assert.equal(res.status, 200, at);
      assert.match(res.headers.get('content-security-policy') ?? '', /connect-src 'self';/, at);
    }
    const root = await fetch(`${b.baseUrl()}/`, { redirect: 'manual' });
    assert.equal(root.headers.get('location'), '/portal/');
    const script = /src="(\/console\/assets\/workspace-\w+\.js)"/.exec(await (await fetch(`${b.baseUrl()}/console/workspace/`)).text())?.[1];
    assert.equal((await fetch(`${b.baseUrl()}${script}`)).status, 200);
  });

  it('signs in through the form, shows only the consoles the role may open, switches to English and signs out', async () => {
    const department = await aDepartment(b.t.services);
    const head = await aUser(b.t.services, ['department_head'], { departmentId: department.id });
    const page = await b.signedInPage('/console/workspace/', head.username);
    assert.deepEqual(await page.locator('header nav a').allTextContents(), ['承办工作台']);
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('header nav a')?.textContent === 'Department workspace');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in');
  });

  it('tells a user whose role cannot use a console so, and shows nothing of it', async () => {
    const operator = await aUser(b.t.services, ['operator']);
    const page = await b.signedInPage('/console/admin/', operator.username);
    assert.match((await page.textContent('main')) ?? '', /您的角色不能使用此控制台/);
  });

  it('names the failure when the password is wrong', async () => {
    const page = await b.newPage('wrong password');
    await page.goto(`${b.baseUrl()}/console/supervisor/`);
    await page.fill('#sign-in input[name=username]', 'nobody');
    await page.fill('#sign-in input[name=password]', 'wrong');
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /登录失败/);
  });
});
