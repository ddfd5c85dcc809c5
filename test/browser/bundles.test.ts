import assert from 'node:assert/strict';
import { buildSoftphone } from '../../softphone/build.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';
import { loadFirstScreen, signInContext, type FirstScreen } from '../helpers/first-screen.js';

/** A bundle's name carries its content's hash (esbuild's: 8 characters, A–Z and 0–9). */
const hashedBundle = /\/assets\/(chunks\/)?[\w-]+-[A-Z0-9]{8}\.(js|css)$/;
const firstScreenBudget = 300 * 1024;

describe('Bundles: each console\'s first screen is small, compressed and cached for good', function () {
  this.timeout(120_000);
  const b = useBrowserApp({ production: true });
  const users = new Map<string, string>();

  before(async function () {
    this.timeout(120_000);
    await buildSoftphone({ production: true });
    const department = await aDepartment(b.t.services);
    users.set('workspace', (await aUser(b.t.services, ['department_staff'], { departmentId: department.id })).username);
    users.set('supervisor', (await aUser(b.t.services, ['supervisor'])).username);
    users.set('admin', (await aUser(b.t.services, ['administrator'])).username);
  });

  /** A cold load (a fresh browser context: empty cache) of the page, signed in as the console's user when it has one. */
  async function coldLoad(at: string, name: string): Promise<FirstScreen> {
    const page = await b.newPage(name);
    const username = users.get(name);
    if (username) await signInContext(page.context(), b.baseUrl(), username, testPassword);
    return loadFirstScreen(page, `${b.baseUrl()}${at}`);
  }

  for (const [name, at] of [['portal', '/portal/'], ['workspace', '/console/workspace/'], ['supervisor', '/console/supervisor/'], ['admin', '/console/admin/'], ['softphone', '/softphone/']] as const) {
    it(`${name}: the first screen transfers at most 300 KB, its bundles brotli-compressed under hashed names, kept a year; the page is checked again`, async () => {
      const screen = await coldLoad(at, name);
      const listing = screen.transfers.map((transfer) => `${transfer.bytes} ${transfer.contentEncoding ?? '-'} ${transfer.url}`).join('\n');
      assert.ok(screen.bytes <= firstScreenBudget, `${name}: ${screen.bytes} bytes\n${listing}`);
      const bundles = screen.transfers.filter((transfer) => /\/assets\//.test(transfer.url));
      assert.ok(bundles.some((transfer) => transfer.url.endsWith('.js')) && bundles.some((transfer) => transfer.url.endsWith('.css')), listing);
      for (const bundle of bundles) {
        assert.match(bundle.url, hashedBundle);
        assert.equal(bundle.contentEncoding, 'br', bundle.url);
        assert.equal(bundle.cacheControl, 'public, max-age=31536000, immutable', bundle.url);
      }
      const page = screen.transfers.find((transfer) => transfer.url === `${b.baseUrl()}${at}`);
      assert.equal(page?.cacheControl, 'no-cache');
      assert.equal(page?.contentEncoding, 'br');
    });
  }

  it('the supervisor\'s queue loads no chart code; the dashboard fetches it and draws its charts', async () => {
    const queue = await coldLoad('/console/supervisor/', 'supervisor');
    assert.ok(!queue.transfers.some((transfer) => /dashboard/.test(transfer.url)), queue.transfers.map((transfer) => transfer.url).join('\n'));

    const page = await b.newPage('supervisor charts');
    await signInContext(page.context(), b.baseUrl(), users.get('supervisor')!, testPassword);
    const chunk = page.waitForResponse((response) => /\/assets\/chunks\/dashboard-[A-Z0-9]{8}\.js$/.test(response.url()));
    await page.goto(`${b.baseUrl()}/console/supervisor/#dashboard`);
    assert.equal((await chunk).headers()['content-encoding'], 'br');
    await page.waitForSelector('.chart canvas');
    // Drawn: the axes and the legend leave pixels on the canvas even with nothing counted.
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLCanvasElement>('.chart canvas')].every((canvas) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return data.some((value, i) => i % 4 === 3 && value > 0);
    }));
    await b.screenshot(page, 'bundles-supervisor-dashboard');
  });

  it('sends brotli to a client that takes it, gzip to one without brotli, the file itself to one without either, and varies by Accept-Encoding', async () => {
    const html = await (await fetch(`${b.baseUrl()}/portal/`, { headers: { 'accept-encoding': 'identity' } })).text();
    const script = /src="(\/console\/assets\/portal-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const plain = await fetch(`${b.baseUrl()}${script}`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.match(plain.headers.get('content-type') ?? '', /javascript/);
    const gzip = await fetch(`${b.baseUrl()}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gzip.headers.get('content-encoding'), 'gzip');
    assert.match(gzip.headers.get('content-type') ?? '', /javascript/);
    assert.equal(gzip.headers.get('vary'), 'Accept-Encoding');
    const brotli = await fetch(`${b.baseUrl()}${script}`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(brotli.headers.get('content-encoding'), 'br');
    // fetch undoes the compression: the same script each way.
    const text = await plain.text();
    assert.equal(await gzip.text(), text);
    assert.equal(await brotli.text(), text);
    assert.equal((await fetch(`${b.baseUrl()}/console/assets/portal.js`)).status, 404, 'only hashed names are served');
  });
});
