/**
 * Calls through Kamailio: how many calls per second it sets up, how many fail, and how long a
 * citizen's call takes to reach the operator's screen.
 *   npm run bench -- calls [--rates 25,50,100,150,200] [--seconds 10] [--runs 3] [--agents 10] [--talk 1000] [--samples 20]
 *                          [--no-screen] [--no-media-relay]
 * (a) baseline, no proxy: SIPp callers → SIPp's built-in answering scenario, same call scenario and
 *     rates: what SIPp and this machine do alone.
 * (b) SIPp callers over UDP (test/telephony/scenarios/hotline-call.xml: INVITE, ACK, --talk ms, BYE)
 *     → Kamailio, which asks a routing stand-in in this process for an operator (round robin; the
 *     same HTTP contract as the API), rewrites every SDP through rtpengine when it is installed (UDP
 *     caller, WebSocket callee: as for a trunk call to a browser) and reports answered/ended to the
 *     stand-in → --agents sip.js softphones registered over WebSocket in this process, answering at
 *     once (signalling only: a fixed SDP, no media). Per rate --runs runs of --seconds of calls;
 *     the medians of completed calls per second, failed calls and INVITE→200 (p50/p95, SIPp's
 *     per-call response time), and the CPU seconds Kamailio + rtpengine and this process used.
 *     Rates above the first one with ≥ 1 % failed calls are skipped. --no-media-relay runs Kamailio
 *     without rtpengine, to see what the relay costs.
 * (c) the whole system, for --samples calls one after the other: the real API over an embedded
 *     FerretDB routes each call to an operator signed in to the softphone in headless Chromium; the
 *     caller has three earlier tickets. Measured from the INVITE leaving SIPp (its message log) to
 *     the page showing the call ringing, and to the caller's earlier tickets shown on the page (both
 *     by a MutationObserver in the page, same clock). The caller hangs up after 1.5 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createApp } from '../api/app.js';
import { systemActor } from '../core/accounts/access.js';
import { issueSipCredentials } from '../core/calls/sip-credentials.js';
import { systemClock } from '../core/platform/clock.js';
import { loadConfig } from '../core/platform/config.js';
import { createLogger } from '../core/platform/logger.js';
import { createServices, serviceSettings } from '../core/services.js';
import { projectRoot } from '../infra/documentdb/launcher.js';
import { startKamailio, type KamailioServer } from '../infra/kamailio/launcher.js';
import { spawnTiedToThisProcess } from '../infra/kamailio/tied-child.js';
import { buildSoftphone } from '../softphone/build.js';
import { SipUserAgent } from '../test/helpers/sip-user-agent.js';
import { openBenchDatabase } from './lib/database.js';
import { loadAverage, machineNotes, median, ms, percentile, rate, table } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    rates: { type: 'string', default: '25,50,100,150,200' },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    agents: { type: 'string', default: '10' },
    talk: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '20' },
    'no-screen': { type: 'boolean', default: false },
    'no-media-relay': { type: 'boolean', default: false },
  },
});
const rates = options.rates.split(',').map(Number);
const seconds = Number(options.seconds);
const runs = Math.max(1, Number(options.runs));
const agentCount = Number(options.agents);
const talkMs = Number(options.talk);
const samples = Number(options.samples);

const domain = 'hotline.local';
const secret = randomBytes(24).toString('base64url');
const token = randomBytes(24).toString('base64url');
const scenarios = path.join(projectRoot, 'test/telephony/scenarios');
const workDir = mkdtempSync(path.join(tmpdir(), 'bench-calls-'));
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

// Kamailio is started once with this server as its API; each part of the benchmark plugs in its handler.
let apiHandler: RequestListener = (_req, res) => res.writeHead(503).end();
const apiServer = createServer((req, res) => apiHandler(req, res));
await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
const apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;

const startedAt = performance.now();
console.log(`calls benchmark: rates ${rates.join(', ')} calls/s, ${seconds} s of calls per run, ${runs} runs per rate, ${agentCount} answering softphones, ${talkMs} ms talk`);
console.log(`machine: ${machineNotes()}; load average at start: ${loadAverage()}`);
console.log(`software: ${versionLine('kamailio', ['-v'], /version: (\S+ \S+)/)}, ${versionLine('sipp', ['-v'], /(SIPp v\S+)/)}, ${versionLine('rtpengine', ['--version'], /Version: (\S+)/)}`);

const runDir = path.join(workDir, 'kamailio');
let kamailio: KamailioServer | undefined;
const stopAll = async () => {
  await kamailio?.stop();
  apiServer.closeAllConnections();
  await new Promise((resolve) => apiServer.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
};
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
// sip.js 0.21 throws from a timer when a call's ACK is overdue after the call already ended (BYE
// first): "Invalid state transition from Terminated to Terminated" in Invitation.onAckTimeout. In
// a browser that is an error event; here it would end the process. Counted and reported instead.
let lateAckErrors = 0;
process.on('uncaughtException', (error) => {
  if (/Invalid state transition from Terminated to Terminated/.test(error.message)) {
    lateAckErrors += 1;
    return;
  }
  console.error(error);
  void stopAll().then(() => process.exit(1));
});
try {
  kamailio = await startKamailio({
    runDir, domain, secret, apiUrl, telephonyToken: token, defaultRingSeconds: 10, log: () => {}, ...(options['no-media-relay'] ? { mediaRelay: false } : {}),
  });
  console.log(`Kamailio on udp/tcp ${kamailio.sipPort}, ws ${kamailio.wsPort}; media relay: ${kamailio.rtpengineNgPort ? 'rtpengine (userspace)' : 'none'}`);
  await baselineAndProxy(kamailio);
  if (!options['no-screen']) await screen(kamailio);
} finally {
  await stopAll();
}
console.log(`\nload average at end: ${loadAverage()}; whole run ${ms(performance.now() - startedAt)}`);
process.exit(0);

// ---- (a) and (b) -------------------------------------------------------------------------

interface LoadRun {
  ok: number;
  failed: number;
  okPerSecond: number;
  setupMs: number[];
  proxyCpuSeconds: number;
  benchCpuSeconds: number;
}

async function baselineAndProxy(server: KamailioServer): Promise<void> {
  const agents = await answeringSoftphones(server);
  const events = { answered: 0, ended: 0, missed: 0 };
  let next = 0;
  apiHandler = (req, res) => {
    const url = new URL(req.url ?? '/', apiUrl);
    if (url.pathname === '/internal/telephony/route') {
      const user = `op-bench-${next++ % agentCount}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ targets: [`sip:${user}@${domain}`], ringSeconds: 10 }));
      return;
    }
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
      const event = (JSON.parse(body) as { event: keyof typeof events }).event;
      events[event] += 1;
      res.writeHead(204).end();
    });
  };

  const uas = await startSippAnswering();
  const rows: string[][] = [];
  try {
    let proxyFailing = false;
    for (const offered of rates) {
      const baseline: LoadRun[] = [];
      const proxied: LoadRun[] = [];
      for (let run = 0; run < runs; run++) {
        log(`rate ${offered}/s, run ${run + 1}: baseline`);
        baseline.push(await sippLoad(`127.0.0.1:${uas.port}`, offered));
        if (proxyFailing) continue;
        log(`rate ${offered}/s, run ${run + 1}: through Kamailio`);
        proxied.push(await sippLoad(`127.0.0.1:${server.sipPort}`, offered));
      }
      rows.push(summaryRow('baseline: SIPp → SIPp', offered, baseline));
      if (proxied.length > 0) rows.push(summaryRow('SIPp → Kamailio → softphones', offered, proxied));
      proxyFailing ||= proxied.length > 0 && median(proxied.map((r) => failedShare(r))) >= 0.01;
    }
  } finally {
    uas.stop();
    await Promise.all(agents.map((agent) => agent.stop().catch(() => {})));
  }
  console.log(`\n(a)/(b) call setup: SIPp over UDP at each offered rate for ${seconds} s, ${talkMs} ms calls; median of ${runs} runs`);
  console.log(table(['', 'offered/s', 'completed/s', 'failed', 'failed %', 'INVITE→200 p50', 'p95', 'CPU s Kamailio+rtpengine', 'CPU s softphones'], rows));
  console.log(`  Kamailio reported ${events.answered} answered, ${events.ended} ended, ${events.missed} missed calls to the routing stand-in over all runs`);
  console.log(`  sip.js errors in the answering softphones (a call's ACK overdue after it ended): ${lateAckErrors}`);
  const clean = rows.filter((row) => row[0]!.startsWith('SIPp → Kamailio') && Number(row[4]) < 0.1);
  console.log(`  highest offered rate through Kamailio with < 0.1 % failed calls: ${clean.length ? `${clean.at(-1)![1]} calls/s` : 'none of those tried'}`);
}

function summaryRow(name: string, offered: number, results: LoadRun[]): string[] {
  const pick = (f: (r: LoadRun) => number) => median(results.map(f));
  return [
    name, String(offered), rate(pick((r) => r.okPerSecond)), String(pick((r) => r.failed)), (pick((r) => failedShare(r)) * 100).toFixed(2),
    ms(pick((r) => percentile(r.setupMs, 50))), ms(pick((r) => percentile(r.setupMs, 95))),
    pick((r) => r.proxyCpuSeconds).toFixed(1), pick((r) => r.benchCpuSeconds).toFixed(1),
  ];
}

function failedShare(r: LoadRun): number {
  return r.failed / Math.max(1, r.ok + r.failed);
}

/** The operators' softphones: sip.js over WebSocket, registered, answering every call at once. */
async function answeringSoftphones(server: KamailioServer): Promise<SipUserAgent[]> {
  const agents: SipUserAgent[] = [];
  for (let i = 0; i < agentCount; i++) {
    const user = `op-bench-${i}`;
    const agent = await SipUserAgent.start({ wsUrl: server.wsUrl, domain, user, ...issueSipCredentials({ user, secret, now: new Date(), ttlSeconds: 3600 }) });
    const registered = await agent.register(3600);
    if (!registered.ok) throw new Error(`${user} could not register: ${JSON.stringify(registered)}`);
    agent.userAgent.delegate = { onInvite: (invitation) => void invitation.accept().catch(() => {}) };
    agents.push(agent);
  }
  return agents;
}

/** SIPp's own answering scenario on a free port, for the baseline. */
async function startSippAnswering(): Promise<{ port: number; stop(): void }> {
  const port = 20000 + Math.floor(Math.random() * 10000);
  // Tied to this process: a crashed benchmark must not leave it answering on the port.
  const child = spawnTiedToThisProcess('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-t', 'u1', '-nostdin', '-aa']);
  child.stderr?.resume();
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (child.exitCode !== null) throw new Error(`sipp -sn uas exited with ${child.exitCode} (port ${port} taken?)`);
  return { port, stop: () => child.kill('SIGTERM') };
}

/** One SIPp run: `offered` calls per second for `seconds`, then waits for the last call to finish. */
async function sippLoad(target: string, offered: number): Promise<LoadRun> {
  const dir = mkdtempSync(path.join(workDir, 'sipp-'));
  const total = Math.round(offered * seconds);
  const cpuBefore = proxyCpuTicks();
  const benchBefore = process.cpuUsage();
  const exitCode = await runSipp([
    target, '-sf', path.join(scenarios, 'hotline-call.xml'), '-s', '12345', '-key', 'caller', '13800138000',
    '-i', '127.0.0.1', '-t', 'u1', '-r', String(offered), '-rp', '1000', '-m', String(total), '-l', String(Math.max(50, offered * 10)),
    '-d', String(talkMs), '-aa', '-nostdin', '-recv_timeout', '8000', '-timeout', `${seconds + 30}s`,
    '-trace_stat', '-stf', path.join(dir, 'stat.csv'), '-fd', '1', '-trace_rtt', '-rtt_freq', '1',
  ], dir);
  const bench = process.cpuUsage(benchBefore);
  const stat = lastStatLine(path.join(dir, 'stat.csv'));
  const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  const setupMs = rttFile
    ? readFileSync(path.join(dir, rttFile), 'utf8').trim().split('\n').slice(1).map((line) => Number(line.split(';')[1])).filter((v) => Number.isFinite(v))
    : [];
  const ok = Number(stat['SuccessfulCall(C)'] ?? 0);
  const failed = Number(stat['FailedCall(C)'] ?? 0) + Math.max(0, total - ok - Number(stat['FailedCall(C)'] ?? 0));
  if (exitCode !== 0 && exitCode !== 1) log(`sipp exited with ${exitCode}`);
  const elapsed = elapsedSeconds(stat['ElapsedTime(C)'] ?? '') - talkMs / 1000;
  rmSync(dir, { recursive: true, force: true });
  return {
    ok, failed, okPerSecond: ok / Math.max(elapsed, seconds), setupMs,
    proxyCpuSeconds: (proxyCpuTicks() - cpuBefore) / 100, benchCpuSeconds: (bench.user + bench.system) / 1e6,
  };
}

/** User plus system CPU ticks (1/100 s) of Kamailio's and rtpengine's processes: their command lines name the run directory. */
function proxyCpuTicks(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(runDir)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks;
}

function lastStatLine(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0]!.split(';');
  const last = lines.at(-1)!.split(';');
  return Object.fromEntries(header.map((name, i) => [name, last[i] ?? '']));
}

/** SIPp's "HH:MM:SS:micro" durations. */
function elapsedSeconds(value: string): number {
  const [h, m, s, micro] = value.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0) + (micro ?? 0) / 1e6;
}

function runSipp(args: string[], cwd: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('sipp', args, { cwd, stdio: 'ignore' });
    child.once('error', (error) => reject(new Error(`cannot run sipp (Debian package sip-tester): ${error.message}`)));
    child.once('exit', (code) => resolve(code));
  });
}

// ---- (c) -----------------------------------------------------------------------------------

async function screen(server: KamailioServer): Promise<void> {
  log('screen: starting FerretDB, the API and Chromium');
  const db = await openBenchDatabase('calls');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--no-sandbox'],
  });
  try {
    const config = loadConfig({ SIP_SECRET: secret, TELEPHONY_TOKEN: token, SIP_WS_URL: server.wsUrl, SIP_DOMAIN: domain, RING_SECONDS: '10' });
    const services = await createServices(db.connection, serviceSettings(config));
    const app = createApp({ services, clock: systemClock, logger: createLogger('silent'), cookieSecure: false, trustProxy: false });
    apiHandler = app;
    await buildSoftphone();
    const password = 'bench-calls-password';
    const username = 'bench-operator';
    await services.users.create({ actor: systemActor, now: new Date() }, { username, displayName: username, password, roles: ['operator'], departmentId: null, email: null });
    const caller = '13800138001';
    await seedEarlierTickets(username, password, caller);

    const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
    await page.goto(`${apiUrl}/softphone/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#login-form input[name=username]', username);
    await page.fill('#login-form input[name=password]', password);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#reg-state[data-state="registered"]', { timeout: 10_000 });
    await page.click('[data-agent-state="ready"]');
    await page.waitForSelector('#agent-state[data-state="ready"]');
    // Wall-clock instants per Call-ID, taken as the DOM changes. A string: tsx would wrap named
    // functions of a closure in a helper the page does not have.
    await page.evaluate(`
      window.seen = {};
      new MutationObserver(() => {
        const now = Date.now();
        const id = document.querySelector('#call-id')?.textContent ?? '';
        if (!id) return;
        const entry = (window.seen[id] ??= {});
        if (document.querySelector('#call')?.getAttribute('data-state') === 'ringing') entry.ringing ??= now;
        if (entry.ringing && document.querySelector('#caller-tickets')?.getAttribute('data-loaded') === 'true'
          && document.querySelectorAll('#caller-tickets li[data-ticket-id]').length > 0) entry.tickets ??= now;
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    `);

    const dir = mkdtempSync(path.join(workDir, 'screen-'));
    const scenario = path.join(dir, 'ring-then-cancel.xml');
    writeFileSync(scenario, ringThenCancelScenario());
    log(`screen: ${samples} calls, one every 2.5 s`);
    await runSipp([
      `127.0.0.1:${server.sipPort}`, '-sf', scenario, '-s', '12345', '-key', 'caller', caller, '-i', '127.0.0.1', '-t', 'u1',
      '-r', '1', '-rp', '2500', '-m', String(samples), '-l', '1', '-aa', '-nostdin', '-recv_timeout', '15000', '-timeout', `${samples * 3 + 30}s`,
      '-trace_msg', '-message_file', path.join(dir, 'messages.log'),
    ], dir);
    const sentAt = inviteInstants(path.join(dir, 'messages.log'));
    const seen = (await page.evaluate('window.seen')) as Record<string, { ringing?: number; tickets?: number }>;
    const ringing: number[] = [];
    const tickets: number[] = [];
    for (const [callId, at] of sentAt) {
      const shown = seen[callId];
      if (shown?.ringing) ringing.push(shown.ringing - at);
      if (shown?.tickets) tickets.push(shown.tickets - at);
    }
    console.log(`\n(c) the whole system: SIPp → Kamailio → the API (routing over FerretDB) → the softphone in headless Chromium; ${sentAt.size} calls one at a time`);
    console.log(table(['from the INVITE leaving SIPp to', 'n', 'p50', 'p95', 'max'], [
      ['the call ringing on the page', String(ringing.length), ms(percentile(ringing, 50)), ms(percentile(ringing, 95)), ms(Math.max(...ringing))],
      ["the caller's 3 earlier tickets on the page", String(tickets.length), ms(percentile(tickets, 50)), ms(percentile(tickets, 95)), ms(Math.max(...tickets))],
    ]));
  } finally {
    await browser.close();
    await db.close();
  }
}

/** Earlier tickets of the caller, written through the API as the operator. */
async function seedEarlierTickets(username: string, password: string, phone: string): Promise<void> {
  const login = await fetch(`${apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  for (const subject of ['楼道堆放杂物无人清理', '小区路灯不亮', '夜间施工噪音扰民']) {
    const res = await fetch(`${apiUrl}/api/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ channel: 'phone', requestType: 'complaint', requester: { phone }, subject, content: `${subject}，请尽快处理。` }),
    });
    if (res.status !== 201) throw new Error(`seeding a ticket failed: ${res.status} ${await res.text()}`);
  }
}

/** Call-ID → when SIPp sent its INVITE, from `-trace_msg` (local time, microseconds). */
function inviteInstants(file: string): Map<string, number> {
  const instants = new Map<string, number>();
  for (const block of readFileSync(file, 'utf8').split(/^-{20,} /m)) {
    const stamp = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(block);
    if (!stamp || !/message sent[^\n]*\n\s*INVITE /.test(block)) continue;
    const callId = /^Call-ID:\s*(\S+)/im.exec(block)?.[1];
    if (callId && !instants.has(callId)) instants.set(callId, new Date(`${stamp[1]}T${stamp[2]}`).getTime());
  }
  return instants;
}

/** The caller rings for 1.5 s after the 180 and hangs up (CANCEL); nobody answers. */
function ringThenCancelScenario(): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="hotline call, rings, caller hangs up">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[caller]@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- [pid][call_number] 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
      a=sendrecv

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180"/>
  <pause milliseconds="1500"/>
  <send>
    <![CDATA[
      CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 CANCEL
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <recv response="487"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;
}

function versionLine(command: string, args: string[], pattern: RegExp): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return pattern.exec(`${result.stdout ?? ''}${result.stderr ?? ''}`)?.[1] ?? `${command} (version unknown)`;
}
