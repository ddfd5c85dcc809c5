import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { newSecret } from '../../core/accounts/secrets.js';
import { issueSipCredentials, sipUserFor } from '../../core/calls/sip-credentials.js';
import { systemClock } from '../../core/platform/clock.js';
import { startKamailio, type KamailioServer } from '../../infra/kamailio/launcher.js';
import { buildSoftphone } from '../../softphone/build.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn } from '../helpers/test-app.js';
import { relayedLegs } from '../telephony/rtpengine-query.js';
import { sippCall, type SippCallOptions } from '../telephony/sipp.js';
import { nobodyReady, useTelephonyApp } from '../telephony/telephony-app.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.resolve(here, '../../test-artifacts');

interface CitizenOptions {
  wsUrl: string;
  domain: string;
  user: string;
  username: string;
  password: string;
}

/** The citizen page's helpers (test/browser/citizen-page.ts). */
interface CitizenWindow {
  citizen: {
    call(options: CitizenOptions & { dialled: string }): Promise<string>;
    register(options: CitizenOptions): Promise<void>;
    answer(): Promise<void>;
    packetsReceived(): Promise<number>;
    stop(): Promise<void>;
  };
}

/** Debian's Chromium, headless, with fake media devices that the page may use without asking. */
const chromiumOptions = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--no-sandbox',
  ],
};

async function eventually<T>(read: () => Promise<T | null>, what: string, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('Softphone in Chromium (real API, real Kamailio, a citizen calling from a second page)', function () {
  this.timeout(60_000);

  const secret = newSecret();
  const token = newSecret();
  let citizenDir: string;
  let runDir: string;
  let kamailio: KamailioServer;
  let kamailioLog: string[] = [];
  let browser: Browser;
  const pageLog: string[] = [];

  // The API, plus the test-only citizen page on /test-citizen/ (same origin, so no CORS).
  const server = createServer((req, res) => {
    if (req.url === '/test-citizen/') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><meta charset="utf-8"><title>citizen</title><script type="module" src="/test-citizen/citizen.js"></script><body></body>');
    } else if (req.url === '/test-citizen/citizen.js') {
      res.setHeader('content-type', 'text/javascript');
      res.end(readFileSync(path.join(citizenDir, 'citizen.js')));
    } else {
      t.app(req, res);
    }
  });
  const baseUrl = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    citizenDir = mkdtempSync(path.join(tmpdir(), 'citizen-page-'));
    await Promise.all([
      buildSoftphone(),
      build({ entryPoints: [path.join(here, 'citizen-page.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: path.join(citizenDir, 'citizen.js'), logLevel: 'silent' }),
      new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    ]);
    runDir = mkdtempSync(path.join(tmpdir(), 'kamailio-softphone-'));
    kamailio = await startKamailio({
      runDir, domain: 'hotline.local', secret, apiUrl: baseUrl(), telephonyToken: token, log: (line) => kamailioLog.push(line),
    });
    browser = await chromium.launch(chromiumOptions);
  });

  after(async () => {
    await browser?.close();
    await kamailio?.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    for (const dir of [runDir, citizenDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      console.log(pageLog.slice(-40).join('\n'));
      console.log(kamailioLog.slice(-40).join('\n'));
    }
    kamailioLog = [];
  });

  const t = useTelephonyApp(() => ({ SIP_SECRET: secret, TELEPHONY_TOKEN: token, SIP_WS_URL: kamailio.wsUrl, RING_SECONDS: '15' }), { clock: systemClock });

  async function newPage(name: string, inBrowser = browser): Promise<Page> {
    const context = await inBrowser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('console', (message) => pageLog.push(`[${name}] ${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => pageLog.push(`[${name}] pageerror: ${error.message}`));
    return page;
  }

  /** The softphone page, signed in as a new operator and registered. */
  async function operatorPage(name: string, role: 'operator' | 'supervisor' = 'operator', inBrowser = browser) {
    const user = await aUser(t.services, [role]);
    const page = await signedInPage(name, user.username, inBrowser);
    return { user, page, api: await signIn(t.app, user.username, testPassword) };
  }

  /** A ready operator's page, with an earlier ticket of the citizen's number to show while a call from it rings. */
  async function readyOperatorKnowing(name: string, number: string, ticket: { requestType: string; subject: string; content: string }) {
    await nobodyReady(t);
    const operator = await operatorPage(name);
    const earlier = await operator.api.post('/api/tickets').send({ channel: 'phone', ...ticket, requester: { phone: number } });
    assert.equal(earlier.status, 201, JSON.stringify(earlier.body));
    await operator.page.click('[data-agent-state="ready"]');
    await operator.page.waitForSelector('#agent-state[data-state="ready"]');
    return { operator, earlier: earlier.body as { number: string } };
  }

  /** A trunk caller: SIPp over UDP from 127.0.0.1 dialling the hotline. */
  const trunkCall = (options: Omit<SippCallOptions, 'target' | 'dialled'>) => sippCall({ ...options, target: `127.0.0.1:${kamailio.sipPort}`, dialled: '12345' });

  async function signedInPage(name: string, username: string, inBrowser = browser): Promise<Page> {
    const page = await newPage(name, inBrowser);
    await page.goto(`${baseUrl()}/softphone/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#login-form input[name=username]', username);
    await page.fill('#login-form input[name=password]', testPassword);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#reg-state[data-state="registered"]', { timeout: 10_000 });
    return page;
  }

  /** A citizen's page with SIP credentials for their number (as a web-call or trunk stand-in). */
  async function citizenPage(number: string): Promise<{ page: Page; options: CitizenOptions }> {
    const page = await newPage(`citizen ${number}`);
    await page.goto(`${baseUrl()}/test-citizen/`);
    await page.waitForFunction(() => 'citizen' in window);
    const credentials = issueSipCredentials({ user: number, secret, now: new Date(), ttlSeconds: 3600 });
    return { page, options: { wsUrl: kamailio.wsUrl, domain: 'hotline.local', user: number, username: credentials.username, password: credentials.password } };
  }

  /**
   * The operator goes ready and answers a call from the citizen's page; both sides established
   * (a REFER before the citizen has the 200 would be dropped, as RFC 3261 dialogs go).
   */
  async function answeredCall(operator: Page, number: string) {
    await operator.click('[data-agent-state="ready"]');
    await operator.waitForSelector('#agent-state[data-state="ready"]');
    const citizen = await citizenPage(number);
    const callId = await citizen.page.evaluate((options) => (window as unknown as CitizenWindow).citizen.call({ ...options, dialled: '12345' }), citizen.options);
    await operator.waitForSelector('#call[data-state="ringing"]', { timeout: 10_000 });
    await operator.click('#answer');
    await operator.waitForSelector('#call[data-state="established"]', { timeout: 10_000 });
    await citizen.page.waitForSelector('body[data-call-state="Established"]', { state: 'attached' });
    return { citizen, callId };
  }

  it('serves the page with a CSP that lets it reach Kamailio and nothing inline', async () => {
    const res = await fetch(`${baseUrl()}/softphone/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /connect-src 'self' ws: wss:/);
    assert.match(csp, /script-src 'self'(;|$)/);
    const script = /src="(\/softphone\/assets\/softphone-\w+\.js)"/.exec(await res.text())?.[1];
    assert.equal((await fetch(`${baseUrl()}${script}`)).status, 200);
  });

  it('an operator signs in, goes ready, sees the caller\'s earlier tickets while it rings, answers with audio, holds, writes the ticket and hangs up', async () => {
    const citizenNumber = '13800138001';
    const operatorUser = await aUser(t.services, ['operator']);
    const seeded = await signIn(t.app, operatorUser.username, testPassword);
    const earlier = await seeded.post('/api/tickets').send({
      channel: 'phone', requestType: 'complaint', requester: { phone: citizenNumber }, subject: '楼道堆放杂物无人清理', content: '三单元楼道长期堆放杂物，存在消防隐患。',
    });
    assert.equal(earlier.status, 201, JSON.stringify(earlier.body));

    // The operator signs in on the page and goes ready.
    const operator = await newPage('operator');
    await operator.goto(`${baseUrl()}/softphone/`);
    await operator.waitForSelector('body[data-ready="true"]');
    await operator.fill('#login-form input[name=username]', operatorUser.username);
    await operator.fill('#login-form input[name=password]', testPassword);
    await operator.click('#login-form button[type=submit]');
    await operator.waitForSelector('#reg-state[data-state="registered"]', { timeout: 10_000 });
    await operator.click('[data-agent-state="ready"]');
    await operator.waitForSelector('#agent-state[data-state="ready"]');

    // The citizen calls 12345 from another page.
    const citizen = await newPage('citizen');
    await citizen.goto(`${baseUrl()}/test-citizen/`);
    await citizen.waitForFunction(() => 'citizen' in window);
    const credentials = issueSipCredentials({ user: citizenNumber, secret, now: new Date(), ttlSeconds: 3600 });
    const callOptions = { wsUrl: kamailio.wsUrl, domain: 'hotline.local', user: citizenNumber, username: credentials.username, password: credentials.password, dialled: '12345' };
    const callId = await citizen.evaluate((options) => (window as unknown as CitizenWindow).citizen.call(options), callOptions);

    // While it rings: the caller's number and earlier tickets, before answering.
    await operator.waitForSelector('#call[data-state="ringing"]', { timeout: 10_000 });
    await operator.waitForSelector('#caller-tickets[data-loaded="true"]');
    assert.equal(await operator.textContent('#caller-number'), citizenNumber);
    assert.equal(await operator.textContent('#call-id'), callId);
    const history = await operator.textContent('#caller-tickets');
    assert.ok(history?.includes(earlier.body.number) && history.includes('楼道堆放杂物无人清理'), `earlier tickets shown: ${history}`);
    assert.equal(await operator.inputValue('#ticket-form input[name=phone]'), citizenNumber);
    assert.equal(await operator.inputValue('#ticket-form input[name=callId]'), callId);
    await operator.screenshot({ path: path.join(artifacts, 'softphone-ringing.png'), fullPage: true });

    // Answer: audio flows both ways (browser ↔ browser, no media relay).
    await operator.click('#answer');
    await operator.waitForSelector('#call[data-state="established"]', { timeout: 10_000 });
    await citizen.waitForSelector('body[data-call-state="Established"]', { state: 'attached' });
    await operator.waitForFunction(() => Number(document.querySelector('#packets-received')?.textContent) > 0, undefined, { timeout: 10_000 });
    await eventually(async () => ((await citizen.evaluate(() => (window as unknown as CitizenWindow).citizen.packetsReceived())) > 0 ? true : null), 'audio at the citizen');

    // Hold and resume (re-INVITEs through Kamailio).
    await operator.click('#hold');
    await operator.waitForSelector('#call[data-state="held"]');
    await operator.screenshot({ path: path.join(artifacts, 'softphone-held.png'), fullPage: true });
    await operator.click('#hold');
    await operator.waitForSelector('#call[data-state="established"]');

    // Mute and unmute; a DTMF tone.
    await operator.click('#mute');
    await operator.waitForSelector('#mute[aria-pressed="true"]');
    await operator.click('#mute');
    await operator.waitForSelector('#mute[aria-pressed="false"]');
    await operator.click('[data-dtmf="1"]');
    assert.equal(await operator.isHidden('#error'), true, (await operator.textContent('#error')) ?? '');

    // The ticket, written during the call.
    await operator.selectOption('#ticket-form select[name=requestType]', 'complaint');
    await operator.fill('#ticket-form input[name=subject]', '楼道杂物仍未清理');
    await operator.fill('#ticket-form textarea[name=content]', '来电人反映三单元楼道杂物至今未清理，要求物业尽快处理。');
    await operator.check('#ticket-form input[name=resolvedOnCall]');
    await operator.fill('#ticket-form textarea[name=answer]', '已告知来电人可联系社区居委会协调物业清理。');
    // A photo the caller sent earlier by message, attached while writing the ticket.
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#888' } }).png().toBuffer();
    await operator.setInputFiles('#ticket-form input[name=files]', { name: '楼道.png', mimeType: 'image/png', buffer: photo });
    await operator.click('#ticket-form button[type=submit]');
    const ticketId = await (await operator.waitForSelector('#ticket-result[data-ticket-id]')).getAttribute('data-ticket-id');
    assert.ok(ticketId);
    assert.match((await operator.textContent('#ticket-result')) ?? '', /已上传文件: 1/);
    await operator.screenshot({ path: path.join(artifacts, 'softphone-in-call.png'), fullPage: true });

    // Hang up.
    await operator.click('#hangup');
    await operator.waitForSelector('#call[data-state="ended"]');
    await citizen.waitForSelector('body[data-call-state="Terminated"]', { state: 'attached' });
    await operator.waitForSelector('#agent-state[data-state="after_call_work"]');
    // The audio devices are listed (Chromium's fake ones) once the page has used the microphone.
    await operator.waitForSelector('#microphone option:nth-child(2)', { state: 'attached' });
    await operator.screenshot({ path: path.join(artifacts, 'softphone-ended.png'), fullPage: true });

    // The call record (Kamailio's events plus the browser's report) and the ticket are linked.
    const record = await eventually(async () => {
      const res = await seeded.get(`/api/calls/${encodeURIComponent(callId)}`);
      const body = res.body as { endedAt?: string; browser?: { endedAt?: string } | null };
      return res.status === 200 && body.endedAt && body.browser?.endedAt ? res.body : null;
    }, 'the complete call record');
    assert.deepEqual(
      [record.direction, record.caller, record.callee, record.operatorId, record.outcome],
      ['inbound', citizenNumber, '12345', operatorUser.id, 'answered'],
    );
    assert.deepEqual(record.ticketIds, [ticketId]);
    assert.ok(record.browser.audio.packetsReceived > 0, JSON.stringify(record.browser));
    assert.ok(record.browser.holdSeconds >= 0);
    assert.equal(record.browser.endedBy, 'local');
    const ticket = (await seeded.get(`/api/tickets/${ticketId}`)).body;
    assert.deepEqual([ticket.channel, ticket.callId, ticket.requester.phone], ['phone', callId, citizenNumber]);
    const events = (await seeded.get(`/api/tickets/${ticketId}/history`)).body.items as { action: string }[];
    assert.ok(events.some((event) => event.action === 'resolve_on_call'), JSON.stringify(events.map((event) => event.action)));
    const files = (await seeded.get(`/api/tickets/${ticketId}/attachments`)).body.items as { name: string; contentType: string }[];
    assert.deepEqual(files.map((file) => [file.name, file.contentType]), [['楼道.png', 'image/png']]);

    await citizen.evaluate(() => (window as unknown as CitizenWindow).citizen.stop());
  });

  it('a citizen on a plain-RTP phone (SIPp over UDP, PCMA) calls through rtpengine: the operator sees their earlier tickets, talks with audio both ways, holds and resumes, writes the ticket and hangs up', async () => {
    assert.ok(kamailio.rtpengineNgPort, 'rtpengine runs (Debian package rtpengine-daemon)');
    const number = '13200132008';
    const { operator, earlier } = await readyOperatorKnowing('operator (plain RTP caller)', number, { requestType: 'help', subject: '小区路灯不亮', content: '二号楼前的路灯已经一周不亮了。' });

    // SIPp calls, plays audio until the operator hangs up, and answers the hold and resume re-INVITEs.
    const callId = `sipp-audio-${Date.now()}`;
    const sipp = trunkCall({ scenario: 'hotline-call-with-audio.xml', caller: number, callId, audioSeconds: 30, timeoutSeconds: 30 });

    // While it rings: the caller's number and earlier tickets, before answering.
    await operator.page.waitForSelector('#call[data-state="ringing"]', { timeout: 10_000 });
    await operator.page.waitForSelector('#caller-tickets[data-loaded="true"]');
    assert.equal(await operator.page.textContent('#caller-number'), number);
    assert.equal(await operator.page.textContent('#call-id'), callId);
    const history = await operator.page.textContent('#caller-tickets');
    assert.ok(history?.includes(earlier.number) && history.includes('小区路灯不亮'), `earlier tickets shown: ${history}`);
    assert.equal(await operator.page.inputValue('#ticket-form input[name=phone]'), number);
    assert.equal(await operator.page.inputValue('#ticket-form input[name=callId]'), callId);

    await operator.page.click('#answer');
    await operator.page.waitForSelector('#call[data-state="established"]', { timeout: 10_000 });
    // SIPp's recording reaches the browser: rtpengine turned plain RTP into DTLS-SRTP over ICE.
    await operator.page.waitForFunction(() => Number(document.querySelector('#packets-received')?.textContent) > 20, undefined, { timeout: 10_000 });
    // The browser's microphone reaches SIPp's side: rtpengine received it over SRTP and relayed it as plain RTP.
    const legs = await eventually(async () => {
      const found = await relayedLegs(kamailio.rtpengineNgPort!, callId);
      return found.length === 2 && found.every((leg) => leg.packetsReceived > 20) ? found : null;
    }, 'packets from both ends at rtpengine');
    const toSipp = legs.find((leg) => leg.protocol === 'RTP/AVP');
    const toBrowser = legs.find((leg) => leg.protocol === 'UDP/TLS/RTP/SAVPF');
    assert.ok(toSipp && toBrowser, JSON.stringify(legs));
    assert.deepEqual([toSipp.codec, toBrowser.codec], ['PCMA/8000', 'PCMA/8000']);
    assert.ok(['ICE', 'DTLS-SRTP', 'rtcp-mux'].every((flag) => toBrowser.flags.includes(flag)), JSON.stringify(toBrowser.flags));
    assert.ok(!toSipp.flags.includes('ICE') && !toSipp.flags.includes('DTLS-SRTP'), JSON.stringify(toSipp.flags));

    // Hold and resume: re-INVITEs through Kamailio and rtpengine, which SIPp answers (sendonly, then sendrecv).
    await operator.page.click('#hold');
    await operator.page.waitForSelector('#call[data-state="held"]');
    await operator.page.click('#hold');
    await operator.page.waitForSelector('#call[data-state="established"]');
    assert.equal(await operator.page.isHidden('#error'), true, (await operator.page.textContent('#error')) ?? '');
    // Audio still flows both ways after the resume.
    const atResume = Number(await operator.page.textContent('#packets-received'));
    const legsAtResume = await relayedLegs(kamailio.rtpengineNgPort!, callId);
    await operator.page.waitForFunction((before) => Number(document.querySelector('#packets-received')?.textContent) > before + 20, atResume, { timeout: 10_000 });
    await eventually(async () => {
      const found = await relayedLegs(kamailio.rtpengineNgPort!, callId);
      const rising = found.length === 2 && found.every((leg) => leg.packetsReceived > (legsAtResume.find((before) => before.tag === leg.tag)?.packetsReceived ?? Infinity) + 20);
      return rising ? true : null;
    }, 'packets from both ends at rtpengine after the resume');

    // The ticket, written during the call.
    await operator.page.selectOption('#ticket-form select[name=requestType]', 'help');
    await operator.page.fill('#ticket-form input[name=subject]', '路灯仍未修复');
    await operator.page.fill('#ticket-form textarea[name=content]', '来电人再次反映二号楼前路灯不亮，要求尽快维修。');
    await operator.page.click('#ticket-form button[type=submit]');
    const ticketId = await (await operator.page.waitForSelector('#ticket-result[data-ticket-id]')).getAttribute('data-ticket-id');
    assert.ok(ticketId);

    // The operator hangs up; SIPp answers the BYE and ends as its scenario expects.
    await operator.page.click('#hangup');
    await operator.page.waitForSelector('#call[data-state="ended"]');
    const result = await sipp;
    assert.equal(result.exitCode, 0, result.diagnostics);

    // The call record (Kamailio's events plus the browser's report) and the ticket are linked.
    const record = await eventually(async () => {
      const res = await operator.api.get(`/api/calls/${encodeURIComponent(callId)}`);
      return res.status === 200 && res.body.endedAt && res.body.browser?.endedAt ? res.body : null;
    }, 'the complete call record');
    assert.deepEqual(
      [record.direction, record.caller, record.callee, record.operatorId, record.outcome, record.reason, record.endedBy],
      ['inbound', number, '12345', operator.user.id, 'answered', 'bye', 'callee'],
    );
    assert.ok(record.answeredAt && record.talkSeconds > 0, JSON.stringify(record));
    assert.deepEqual(record.ticketIds, [ticketId]);
    assert.equal(record.browser.endedBy, 'local');
    assert.equal(typeof record.browser.holdSeconds, 'number');
    assert.ok(record.browser.audio.packetsReceived > atResume + 20 && record.browser.audio.packetsSent > 20, JSON.stringify(record.browser.audio));
    assert.equal(record.browser.audio.codec, 'PCMA');
    const ticket = (await operator.api.get(`/api/tickets/${ticketId}`)).body;
    assert.deepEqual([ticket.channel, ticket.callId, ticket.requester.phone], ['phone', callId, number]);
  });

  it('a trunk call with the caller withheld (From anonymous, P-Asserted-Identity and Privacy: id): the operator still sees the number and its earlier tickets while it rings', async () => {
    const number = '13200132009';
    const { operator, earlier } = await readyOperatorKnowing('operator (withheld caller)', number, { requestType: 'inquiry', subject: '公积金提取', content: '请问提取公积金需要哪些材料？' });

    const callId = `sipp-withheld-${Date.now()}`;
    const sipp = trunkCall({ scenario: 'hotline-call-asserted.xml', caller: `+86${number}`, callId, talkMs: 1000, timeoutSeconds: 20 });
    await operator.page.waitForSelector('#call[data-state="ringing"]', { timeout: 10_000 });
    await operator.page.waitForSelector('#caller-tickets[data-loaded="true"]');
    assert.equal(await operator.page.textContent('#caller-number'), `+86${number}`);
    const history = await operator.page.textContent('#caller-tickets');
    assert.ok(history?.includes(earlier.number), `earlier tickets shown: ${history}`);

    await operator.page.click('#answer');
    await operator.page.waitForSelector('#call[data-state="ended"]', { timeout: 15_000 });
    const result = await sipp;
    assert.equal(result.exitCode, 0, result.diagnostics);
    const record = (await operator.api.get(`/api/calls/${callId}`)).body;
    assert.deepEqual([record.caller, record.callerWithheld], [number, true]);
  });

  it('with no operator ready the call becomes a missed call, and the operator calls back from the queue on the page', async () => {
    const number = '13900139002';
    await nobodyReady(t);
    const operator = await operatorPage('operator (callback)');
    await operator.page.click('[data-agent-state="not_ready"]');
    await operator.page.waitForSelector('#agent-state[data-state="not_ready"]');

    const citizen = await citizenPage(number);
    const missedCallId = await citizen.page.evaluate((options) => (window as unknown as CitizenWindow).citizen.call({ ...options, dialled: '12345' }), citizen.options);
    await citizen.page.waitForSelector('body[data-call-state="Terminated"]', { state: 'attached', timeout: 10_000 });
    await citizen.page.evaluate(() => (window as unknown as CitizenWindow).citizen.stop());
    const item = await eventually(async () => {
      const items = (await operator.api.get('/api/telephony/missed-calls')).body.items as { id: string; callIds: string[] }[];
      return items.find((candidate) => candidate.callIds.includes(missedCallId)) ?? null;
    }, 'the missed call in the queue');

    // The citizen is reachable again (registered); the operator calls back from the page.
    const reachable = await citizenPage(number);
    await reachable.page.evaluate((options) => (window as unknown as CitizenWindow).citizen.register(options), reachable.options);
    await operator.page.click('#refresh-missed');
    const callBack = await operator.page.waitForSelector(`button[data-missed-call-id="${item.id}"]`);
    await callBack.click();
    await operator.page.waitForSelector('#call[data-state="calling"]');
    await reachable.page.waitForSelector('body[data-incoming]', { state: 'attached', timeout: 10_000 });
    await reachable.page.evaluate(() => (window as unknown as CitizenWindow).citizen.answer());
    await operator.page.waitForSelector('#call[data-state="established"]', { timeout: 10_000 });
    await operator.page.waitForFunction(() => Number(document.querySelector('#packets-received')?.textContent) > 0, undefined, { timeout: 10_000 });
    const callbackCallId = await operator.page.textContent('#call-id');
    await operator.page.screenshot({ path: path.join(artifacts, 'softphone-callback.png'), fullPage: true });
    await operator.page.click('#hangup');
    await operator.page.waitForSelector('#call[data-state="ended"]');

    const done = await eventually(async () => {
      const items = (await operator.api.get('/api/telephony/missed-calls?state=done')).body.items as { id: string; outcome: string; callbackCallId: string }[];
      return items.find((candidate) => candidate.id === item.id) ?? null;
    }, 'the missed call done');
    assert.deepEqual([done.outcome, done.callbackCallId], ['reached', callbackCallId]);
    const record = await eventually(async () => {
      const res = await operator.api.get(`/api/calls/${encodeURIComponent(callbackCallId!)}`);
      return res.status === 200 && res.body.endedAt ? res.body : null;
    }, 'the callback call record');
    assert.deepEqual([record.direction, record.callee, record.operatorId, record.outcome], ['outbound', number, operator.user.id, 'answered']);
    await reachable.page.evaluate(() => (window as unknown as CitizenWindow).citizen.stop());
  });

  it('when the microphone is refused, answering shows it as an error and the browser reports it', async () => {
    const number = '13700137003';
    await nobodyReady(t);
    const operator = await operatorPage('operator (no microphone)');
    await operator.page.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await operator.page.click('[data-agent-state="ready"]');
    await operator.page.waitForSelector('#agent-state[data-state="ready"]');
    const citizen = await citizenPage(number);
    const callId = await citizen.page.evaluate((options) => (window as unknown as CitizenWindow).citizen.call({ ...options, dialled: '12345' }), citizen.options);
    await operator.page.waitForSelector('#call[data-state="ringing"]', { timeout: 10_000 });
    await operator.page.click('#answer');
    await operator.page.waitForSelector('#error:not([hidden])');
    assert.match((await operator.page.textContent('#error')) ?? '', /麦克风/);
    await operator.page.screenshot({ path: path.join(artifacts, 'softphone-microphone-refused.png'), fullPage: true });
    const record = await eventually(async () => {
      const res = await operator.api.get(`/api/calls/${encodeURIComponent(callId)}`);
      return res.status === 200 && res.body.browser?.error ? res.body : null;
    }, 'the browser report of the refused microphone');
    assert.equal(record.browser.error, 'microphone refused');
    await citizen.page.evaluate(() => (window as unknown as CitizenWindow).citizen.stop());
  });

  it('an operator transfers a call blind to a supervisor, whose page rings with the citizen\'s number', async () => {
    const number = '13600136004';
    await nobodyReady(t);
    const operator = await operatorPage('operator (transfer)');
    const supervisor = await operatorPage('supervisor', 'supervisor');
    const { citizen, callId } = await answeredCall(operator.page, number);

    await operator.page.fill('#transfer-form input[name=target]', sipUserFor(supervisor.user.username));
    await operator.page.click('#transfer-form button[type=submit]');
    await operator.page.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
    await supervisor.page.waitForSelector('#call[data-state="ringing"]', { timeout: 10_000 });
    assert.equal(await supervisor.page.textContent('#caller-number'), number);
    await supervisor.page.click('#answer');
    await supervisor.page.waitForSelector('#call[data-state="established"]', { timeout: 10_000 });
    await supervisor.page.screenshot({ path: path.join(artifacts, 'softphone-transferred.png'), fullPage: true });
    await supervisor.page.click('#hangup');
    await supervisor.page.waitForSelector('#call[data-state="ended"]');

    const record = await eventually(async () => {
      const res = await operator.api.get(`/api/calls/${encodeURIComponent(callId)}`);
      return res.status === 200 && res.body.browser?.transferredTo ? res.body : null;
    }, 'the transfer in the call record');
    assert.equal(record.browser.transferredTo, sipUserFor(supervisor.user.username));
    await citizen.page.evaluate(() => (window as unknown as CitizenWindow).citizen.stop());
  });

  it("an operator transfers a call to a department's number chosen from the list, and Kamailio rings the phone registered for that number", async () => {
    const number = '13300133007';
    await nobodyReady(t);
    const department = await aDepartment(t.services, { name: '市交通委员会（测试）', contacts: { phone: '010-65432100' } });
    // The department's desk phone: a SIP phone registered under the number, with credentials for it.
    const deskPhone = await citizenPage('01065432100');
    await deskPhone.page.evaluate((options) => (window as unknown as CitizenWindow).citizen.register(options), deskPhone.options);
    const operator = await operatorPage('operator (department transfer)');
    const { citizen, callId } = await answeredCall(operator.page, number);

    // The department is in the list with its number; choosing it fills the number in.
    await operator.page.selectOption('#transfer-department', { label: '市交通委员会（测试） · 010-65432100' });
    assert.equal(await operator.page.inputValue('#transfer-form input[name=target]'), '01065432100');
    await operator.page.screenshot({ path: path.join(artifacts, 'softphone-department-transfer.png'), fullPage: true });
    await operator.page.click('#transfer-form button[type=submit]');
    await operator.page.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });

    // The citizen's phone follows the REFER: a new call to the department's number, through Kamailio.
    const transferredCallId = await (await deskPhone.page.waitForSelector('body[data-incoming]', { state: 'attached', timeout: 10_000 })).getAttribute('data-incoming');
    assert.ok(transferredCallId && transferredCallId !== callId);
    await deskPhone.page.evaluate(() => (window as unknown as CitizenWindow).citizen.answer());
    await deskPhone.page.waitForSelector('body[data-call-state="Established"]', { state: 'attached', timeout: 10_000 });
    await eventually(async () => ((await deskPhone.page.evaluate(() => (window as unknown as CitizenWindow).citizen.packetsReceived())) > 0 ? true : null), 'audio at the department');

    const record = await eventually(async () => {
      const res = await operator.api.get(`/api/calls/${encodeURIComponent(callId)}`);
      return res.status === 200 && res.body.browser?.transferredToDepartmentId && res.body.endedAt ? res.body : null;
    }, 'the transfer in the call record');
    assert.deepEqual([record.browser.transferredTo, record.browser.transferredToDepartmentId, record.endedBy], ['01065432100', department.id, 'callee']);
    const transferred = await eventually(async () => {
      const res = await operator.api.get(`/api/calls/${encodeURIComponent(transferredCallId)}`);
      return res.status === 200 && res.body.answeredAt ? res.body : null;
    }, "the transferred call's record");
    assert.deepEqual([transferred.direction, transferred.caller, transferred.callee, transferred.outcome], ['inbound', number, '01065432100', 'answered']);
    for (const page of [citizen.page, deskPhone.page]) await page.evaluate(() => (window as unknown as CitizenWindow).citizen.stop());
  });

  it("when the operator's browser is killed mid-call, the citizen is hung up on, the call record is complete and the operator is not ready", async () => {
    const number = '13500135005';
    await nobodyReady(t);
    // The operator's own Chromium process, so that it can be killed outright (SIGKILL), not closed.
    const operatorChromium = await chromium.launchServer(chromiumOptions);
    try {
      const operator = await operatorPage('operator (killed)', 'operator', await chromium.connect(operatorChromium.wsEndpoint()));
      await operator.page.click('[data-agent-state="ready"]');
      await operator.page.waitForSelector('#agent-state[data-state="ready"]');
      const citizen = await citizenPage(number);
      const callId = await citizen.page.evaluate((options) => (window as unknown as CitizenWindow).citizen.call({ ...options, dialled: '12345' }), citizen.options);
      await operator.page.waitForSelector('#call[data-state="ringing"]', { timeout: 10_000 });
      await operator.page.click('#answer');
      await operator.page.waitForSelector('#call[data-state="established"]', { timeout: 10_000 });
      await citizen.page.waitForSelector('body[data-call-state="Established"]', { state: 'attached' });
      await operator.page.waitForFunction(() => Number(document.querySelector('#packets-received')?.textContent) > 0, undefined, { timeout: 10_000 });
      await eventually(async () => ((await operator.api.get('/api/telephony/agent-state')).body.state === 'on_call' ? true : null), 'the operator on the call');

      await operatorChromium.kill();
      // Kamailio sees the WebSocket close, hangs up on the citizen and reports the end.
      await citizen.page.waitForSelector('body[data-call-state="Terminated"]', { state: 'attached', timeout: 10_000 });
      const record = await eventually(async () => {
        const res = await operator.api.get(`/api/calls/${encodeURIComponent(callId)}`);
        return res.status === 200 && res.body.endedAt ? res.body : null;
      }, 'the ended call record');
      assert.deepEqual(
        [record.direction, record.caller, record.callee, record.operatorId, record.outcome, record.reason, record.endedBy],
        ['inbound', number, '12345', operator.user.id, 'answered', 'connection-lost', 'callee'],
      );
      assert.ok(record.answeredAt && record.talkSeconds >= 0 && record.ringSeconds >= 0, JSON.stringify(record));
      // The browser reported the ringing and then died: it never said how the call ended.
      assert.ok(record.browser?.ringingAt && !record.browser.endedAt, JSON.stringify(record.browser));

      // Not after-call work they cannot be doing, and never offered the next call: not ready.
      const state = (await operator.api.get('/api/telephony/agent-state')).body;
      assert.deepEqual([state.state, state.callId], ['not_ready', null]);
      const next = await citizenPage('13500135006');
      const nextCallId = await next.page.evaluate((options) => (window as unknown as CitizenWindow).citizen.call({ ...options, dialled: '12345' }), next.options);
      await next.page.waitForSelector('body[data-call-state="Terminated"]', { state: 'attached', timeout: 10_000 });
      const missed = await eventually(async () => {
        const res = await operator.api.get(`/api/calls/${encodeURIComponent(nextCallId)}`);
        return res.status === 200 && res.body.outcome ? res.body : null;
      }, 'the next call missed');
      assert.deepEqual([missed.outcome, missed.reason], ['missed', 'no-operator-ready']);

      // Back at a browser, the operator sees that state and chooses when to take calls again.
      const back = await signedInPage('operator (back)', operator.user.username);
      await back.waitForSelector('#agent-state[data-state="not_ready"]');
      await back.screenshot({ path: path.join(artifacts, 'softphone-after-browser-killed.png'), fullPage: true });
      for (const page of [citizen.page, next.page]) await page.evaluate(() => (window as unknown as CitizenWindow).citizen.stop());
    } finally {
      await operatorChromium.close().catch(() => {});
    }
  });

  it('when Kamailio goes away the page says so and registers again, with back-off, once it is back', async () => {
    const operator = await operatorPage('operator (reconnect)');
    const { sipPort, wsPort } = kamailio;
    await kamailio.stop();
    await operator.page.waitForSelector('#reg-state[data-state="reconnecting"]', { timeout: 10_000 });
    assert.equal(await operator.page.isVisible('#error'), true);
    await operator.page.screenshot({ path: path.join(artifacts, 'softphone-reconnecting.png'), fullPage: true });
    kamailio = await startKamailio({
      runDir, domain: 'hotline.local', secret, apiUrl: baseUrl(), telephonyToken: token, sipPort, wsPort, log: (line) => kamailioLog.push(line),
    });
    await operator.page.waitForSelector('#reg-state[data-state="registered"]', { timeout: 20_000 });
    assert.equal(await operator.page.isHidden('#error'), true);
  });

  it('a wrong password shows an error and no phone; the page switches to English', async () => {
    const page = await newPage('wrong-password');
    await page.goto(`${baseUrl()}/softphone/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#login-form input[name=username]', 'nobody');
    await page.fill('#login-form input[name=password]', 'wrong');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /登录失败/);
    assert.equal(await page.isHidden('#phone-view'), true);
    // zh-CN first, English on request.
    await page.click('#lang');
    assert.equal(await page.textContent('#login-form button[type=submit]'), 'Sign in');
  });
});
