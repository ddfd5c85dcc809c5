import type { BrowserContext, LaunchOptions, Page } from 'playwright-core';

/** Debian's Chromium, headless, without the background traffic that would blur what a page loads. */
export const headlessChromium: LaunchOptions = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--no-sandbox'],
};

/** One response of a page load, as Chromium received it. */
export interface Transfer {
  url: string;
  /** Bytes on the wire: headers and the (compressed) body; 0 when the browser's cache answered. */
  bytes: number;
  status: number;
  contentEncoding: string | null;
  cacheControl: string | null;
  fromCache: boolean;
}

export interface FirstScreen {
  /** From navigation to `body[data-ready=true]` (the page has drawn what it shows first), in ms. */
  ms: number;
  /** Sum of the transfers' bytes. */
  bytes: number;
  transfers: Transfer[];
}

/**
 * Loads `url` in `page` and waits until the page is ready (the consoles and the softphone set
 * `body[data-ready=true]` once their first view is drawn), then until every request of the load has
 * finished, and returns what Chromium transferred (its DevTools protocol's `encodedDataLength`, as
 * DevTools' "transferred" column) and the time. Live feeds (EventSource) never finish and are left out.
 */
export async function loadFirstScreen(page: Page, url: string): Promise<FirstScreen> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  interface Seen {
    url: string;
    response?: { url: string; status: number; headers: Record<string, string>; fromDiskCache?: boolean; fromMemoryCache?: boolean };
    bytes: number;
    done: boolean;
  }
  const requests = new Map<string, Seen>();
  let settled: () => void = () => {};
  const allDone = () => [...requests.values()].every((request) => request.done);
  const header = (headers: Record<string, string>, name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1] ?? null;
  cdp.on('Network.requestWillBeSent', (event) => {
    if (event.type !== 'EventSource' && !requests.has(event.requestId)) requests.set(event.requestId, { url: event.request.url, bytes: 0, done: false });
  });
  cdp.on('Network.responseReceived', (event) => {
    const request = requests.get(event.requestId);
    if (request) request.response = event.response;
  });
  const finish = (requestId: string, bytes: number) => {
    const request = requests.get(requestId);
    if (!request) return;
    request.done = true;
    request.bytes = bytes;
    if (allDone()) settled();
  };
  cdp.on('Network.loadingFinished', (event) => finish(event.requestId, event.encodedDataLength));
  cdp.on('Network.loadingFailed', (event) => finish(event.requestId, 0));
  try {
    const started = performance.now();
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
    const ms = performance.now() - started;
    if (!allDone()) await new Promise<void>((resolve) => (settled = resolve));
    const transfers = [...requests.values()].flatMap(({ response, bytes }): Transfer[] => (response ? [{
      url: response.url, bytes, status: response.status,
      contentEncoding: header(response.headers, 'content-encoding'), cacheControl: header(response.headers, 'cache-control'),
      fromCache: Boolean(response.fromDiskCache || response.fromMemoryCache),
    }] : []));
    return { ms, bytes: transfers.reduce((sum, transfer) => sum + transfer.bytes, 0), transfers };
  } finally {
    await cdp.detach();
  }
}

/** Signs the browser context in through the API (its cookie then goes with every page of the context). */
export async function signInContext(context: BrowserContext, base: string, username: string, password: string): Promise<void> {
  const res = await context.request.post(`${base}/api/auth/login`, { data: { username, password } });
  if (!res.ok()) throw new Error(`sign-in of ${username}: ${res.status()} ${await res.text()}`);
}
