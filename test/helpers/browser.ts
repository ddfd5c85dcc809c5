import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildConsoles } from '../../consoles/build.js';
import { testPassword } from '../builders/builders.js';
import { headlessChromium } from './first-screen.js';
import { useTestApp, type TestContext } from './test-app.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Screenshots of the consoles land here: kept by CI as artefacts, git-ignored. */
export const artifactsDir = path.resolve(here, '../../test-artifacts/consoles');

export interface BrowserContextHelpers {
  t: TestContext;
  baseUrl(): string;
  /** A fresh browser context (cookies of its own) at 1366×768, zh-CN unless told. */
  newPage(name: string, options?: { locale?: string; viewport?: { width: number; height: number } }): Promise<Page>;
  /** A page of a staff console, signed in through its form. */
  signedInPage(console: string, username: string, name?: string): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  /** What the pages logged: printed when a test fails. */
  log: string[];
}

/**
 * A real API on a loopback port (the test app: real FerretDB, fixed clock), the consoles built (as
 * `npm run build` builds them for production with `production`), and headless Debian Chromium
 * driven by playwright-core. Call inside `describe`.
 */
export function useBrowserApp(options: { at?: string; production?: boolean } = {}): BrowserContextHelpers {
  const t = useTestApp(options);
  let server: Server;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const log: string[] = [];

  before(async function () {
    this.timeout(120_000);
    mkdirSync(artifactsDir, { recursive: true });
    server = createServer((req, res) => t.app(req, res));
    await Promise.all([
      buildConsoles({ production: options.production ?? false }),
      new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    ]);
    browser = await chromium.launch(headlessChromium);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(log.slice(-40).join('\n'));
    log.length = 0;
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  const baseUrl = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function newPage(name: string, pageOptions: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
    const context = await browser.newContext({ locale: pageOptions.locale ?? 'zh-CN', viewport: pageOptions.viewport ?? { width: 1366, height: 768 }, timezoneId: 'Asia/Shanghai' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => log.push(`[${name}] ${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => log.push(`[${name}] pageerror: ${error.message}`));
    return page;
  }

  async function signedInPage(consolePath: string, username: string, name = username): Promise<Page> {
    const page = await newPage(name);
    await page.goto(`${baseUrl()}${consolePath}`);
    await page.waitForSelector('#sign-in');
    await page.fill('#sign-in input[name=username]', username);
    await page.fill('#sign-in input[name=password]', testPassword);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#sign-out');
    return page;
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: true });
  }

  return { t, baseUrl, newPage, signedInPage, screenshot, log };
}
