import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import WebSocket from 'ws';
import { buildConsoles } from '../../consoles/build.js';
import { connectDatabase } from '../../core/platform/database.js';
import { createServices } from '../../core/services.js';
import { freePort } from '../../infra/free-port.js';
import { spawnTiedToThisProcess, watchChild, type WatchedChild } from '../../infra/kamailio/tied-child.js';
import { startKamailio, type KamailioServer } from '../../infra/kamailio/launcher.js';
import { killGroup } from '../../infra/supervisor.js';
import { aDepartment, aUser } from '../builders/builders.js';
import { startProcess, stopProcess, waitUntil, type RunningProcess } from '../faults/two-processes-cluster.js';
import { testDatabaseUri } from '../helpers/global-setup.js';
import { SipUserAgent } from '../helpers/sip-user-agent.js';
import { ServerEvents, type ServerEvent } from '../helpers/server-events.js';

const template = fileURLToPath(new URL('../../infra/nginx/hotline12345.conf', import.meta.url));
const domain = 'hotline.local';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): Record<string, unknown>;
}


/**
 * The production topology on loopback: nginx with a self-signed certificate in front of two API
 * processes and Kamailio, rendered from infra/nginx/hotline12345.conf. Everything the test asks
 * goes over HTTPS or wss:// through nginx, trusting only that certificate.
 */
describe('System: nginx terminating TLS in front of two API processes and Kamailio', function () {
  this.timeout(90_000);
  const dbName = `t_nginx_${process.pid}`;
  const secret = randomBytes(24).toString('base64url');
  const token = randomBytes(24).toString('base64url');
  let dir: string;
  let ca: Buffer;
  let connection: Connection;
  let kamailio: KamailioServer | undefined;
  let nginx: { child: ReturnType<typeof spawnTiedToThisProcess>; watched: WatchedChild } | undefined;
  const apis: RunningProcess[] = [];
  const apiPorts: number[] = [];
  let httpsPort: number;
  let httpPort: number;
  let base: string;
  let accessLog: string;
  const agents: SipUserAgent[] = [];
  const originalWebSocket = (globalThis as unknown as { WebSocket: unknown }).WebSocket;
  const users: Record<'operator' | 'dispatcher' | 'staff', { username: string; password: string }> = {} as never;
  let department: { id: string };

  const diagnostics = () =>
    [
      ...apis.map((p) => `--- ${p.name} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'})\n${p.output().slice(-2000)}`),
      `--- nginx\n${nginx?.watched.stderr() ?? ''}${dir && existsSync(path.join(dir, 'logs/error.log')) ? readFileSync(path.join(dir, 'logs/error.log'), 'utf8').slice(-2000) : ''}`,
    ].join('\n');

  /** One HTTPS request through nginx, trusting only the test's certificate; 10 s at most. */
  function https(pathname: string, options: { method?: string; headers?: Record<string, string>; body?: unknown; port?: number } = {}): Promise<Reply> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const requestOptions: RequestOptions = {
      host: '127.0.0.1', port: options.port ?? httpsPort, path: pathname, method: options.method ?? 'GET', ca, agent: false, timeout: 10_000,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers },
    };
    return new Promise((resolve, reject) => {
      const req = request(requestOptions, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${requestOptions.method} ${pathname} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Signed in through nginx: the session cookie (Secure) and the CSRF token. */
  async function signIn(who: keyof typeof users) {
    const res = await https('/api/auth/login', { method: 'POST', body: { username: users[who].username, password: users[who].password } });
    assert.equal(res.status, 200, res.text);
    const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    assert.ok(setCookies.length > 0, 'sign-in sets a cookie');
    for (const c of setCookies) assert.match(c, /;\s*Secure/i, `cookie over TLS is Secure: ${c}`);
    const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
    const csrf = res.json().csrfToken as string;
    const requestIds: string[] = [String(res.headers['x-request-id'])];
    const call = async (method: string, pathname: string, body?: unknown) => {
      const headers: Record<string, string> = { cookie };
      if (method !== 'GET') headers['x-csrf-token'] = csrf;
      const reply = await https(pathname, { method, headers, body });
      requestIds.push(String(reply.headers['x-request-id']));
      return reply;
    };
    return { cookie, csrf, requestIds, get: (p: string) => call('GET', p), post: (p: string, body: unknown = {}) => call('POST', p, body) };
  }

  /** The live feed through nginx: events as they arrive. */
  function openStream(cookie: string): Promise<{ res: IncomingMessage; events: ServerEvent[]; next(predicate: (e: ServerEvent) => boolean, timeoutMs?: number): Promise<ServerEvent>; close(): void }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: httpsPort, path: '/api/live/tickets', ca, agent: false, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
        const stream = new ServerEvents();
        res.setEncoding('utf8').on('data', (chunk: string) => stream.add(chunk));
        res.on('error', () => {});
        const next = (predicate: (e: ServerEvent) => boolean, timeoutMs = 10_000) => stream.next(predicate, timeoutMs);
        resolve({ res, events: stream.events, next, close: () => req.destroy() });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('the live feed did not answer within 10 s')));
      req.on('error', reject);
      req.end();
    });
  }

  before(async function () {
    for (const command of ['nginx', 'openssl']) {
      if (spawnSync(command, ['-v'], { stdio: 'ignore' }).error) throw new Error(`${command} is not installed (scripts/setup.sh installs it: apt-get install nginx openssl)`);
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-nginx-'));
    for (const sub of ['logs', 'tmp', 'kamailio', 'data']) mkdirSync(path.join(dir, sub));

    // A self-signed certificate for 127.0.0.1; the test trusts it and nothing else.
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const openssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(openssl.status, 0, openssl.stderr);
    ca = readFileSync(cert);
    await buildConsoles();

    [httpsPort, httpPort] = [await freePort(), await freePort()];
    for (let i = 0; i < 2; i++) apiPorts.push(await freePort());
    base = `https://127.0.0.1:${httpsPort}`;

    connection = await connectDatabase(testDatabaseUri(), dbName);
    await connection.dropDatabase();
    const services = await createServices(connection, { authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 } });
    department = await aDepartment(services);
    users.operator = await aUser(services, ['operator']);
    users.dispatcher = await aUser(services, ['dispatcher']);
    users.staff = await aUser(services, ['department_staff'], { departmentId: department.id });

    // Kamailio calls one API directly for its internal endpoints, as in production.
    kamailio = await startKamailio({
      runDir: path.join(dir, 'kamailio'), domain, secret, telephonyToken: token, apiUrl: `http://127.0.0.1:${apiPorts[0]}`, mediaRelay: false,
    });

    const common = {
      NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', DATA_DIR: path.join(dir, 'data'),
      MONGODB_URI: testDatabaseUri(), MONGODB_DB: dbName, TRUST_PROXY: 'true', COOKIE_SECURE: 'true', PUBLIC_URL: base,
      SIP_SECRET: secret, TELEPHONY_TOKEN: token, SIP_DOMAIN: domain, SIP_HOST: '127.0.0.1', SIP_PORT: String(kamailio.sipPort),
      SIP_WS_PORT: String(kamailio.wsPort), SIP_WS_URL: `wss://127.0.0.1:${httpsPort}/sip`, LIVE_POLL_MS: '200',
    };
    apiPorts.forEach((port, i) => apis.push(startProcess(`api-${i + 1}`, 'api/server.ts', { ...common, PORT: String(port) })));

    // nginx: the repository's template with loopback addresses, in a prefix of its own.
    const site = readFileSync(template, 'utf8')
      .replaceAll('__SERVER_NAME__', '127.0.0.1')
      .replaceAll('__LISTEN__', `127.0.0.1:${httpsPort}`)
      .replaceAll('__HTTP_LISTEN__', `127.0.0.1:${httpPort}`)
      .replaceAll('__CERT__', cert)
      .replaceAll('__KEY__', key)
      .replaceAll('__API_1__', `127.0.0.1:${apiPorts[0]}`)
      .replaceAll('__API_2__', `127.0.0.1:${apiPorts[1]}`)
      .replaceAll('__KAMAILIO_WS__', `127.0.0.1:${kamailio.wsPort}`)
      .replaceAll('__LOG_DIR__', path.join(dir, 'logs'));
    const unreplaced = site.split('\n').filter((line) => !line.trimStart().startsWith('#') && /__[A-Z0-9_]+__/.test(line));
    assert.deepEqual(unreplaced, [], 'every placeholder replaced');
    writeFileSync(path.join(dir, 'hotline12345.conf'), site);
    const temp = (name: string) => path.join(dir, 'tmp', name);
    writeFileSync(path.join(dir, 'nginx.conf'), [
      'worker_processes 1;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'logs/error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      `  client_body_temp_path ${temp('body')}; proxy_temp_path ${temp('proxy')}; fastcgi_temp_path ${temp('fastcgi')};`,
      `  uwsgi_temp_path ${temp('uwsgi')}; scgi_temp_path ${temp('scgi')};`,
      // As Debian's nginx.conf: nginx may compress what it passes on, and must leave compressed bundles as they are.
      '  gzip on;',
      `  include ${path.join(dir, 'hotline12345.conf')};`,
      '}',
      '',
    ].join('\n'));
    accessLog = path.join(dir, 'logs/hotline12345.access.log');
    // As root, nginx's workers run as www-data: they may need to write buffered bodies here.
    spawnSync('chmod', ['0711', dir]);
    spawnSync('chmod', ['0777', path.join(dir, 'tmp')]);
    const args = ['-c', path.join(dir, 'nginx.conf'), '-p', `${dir}/`, '-e', path.join(dir, 'logs/error.log'), '-g', 'daemon off;'];
    const check = spawnSync('nginx', ['-t', ...args.slice(0, 6)], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(check.status, 0, `nginx -t: ${check.stderr}`);
    const child = spawnTiedToThisProcess('nginx', args);
    nginx = { child, watched: watchChild(child, 'nginx', () => {}) };

    await waitUntil('both APIs ready (database and Kamailio answer)', async () => {
      const gone = apis.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (gone) throw new Error(`${gone.name} exited at start\n${diagnostics()}`);
      const answers = await Promise.all(apiPorts.map((port) => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)));
      return answers.every((s) => s === 200);
    }, 45_000, diagnostics);
    await waitUntil('nginx to answer over TLS', async () => {
      if (nginx?.child.exitCode !== null) throw new Error(`nginx exited\n${diagnostics()}`);
      return (await https('/healthz').then((r) => r.status, () => 0)) === 200;
    }, 10_000, diagnostics);

    // sip.js opens its socket with the global WebSocket (the ws package here): trust the test's
    // certificate for wss:// as for HTTPS.
    (globalThis as unknown as { WebSocket: unknown }).WebSocket = class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { ca });
      }
    };
  });

  after(async () => {
    (globalThis as unknown as { WebSocket: unknown }).WebSocket = originalWebSocket;
    await Promise.all(agents.map((agent) => agent.stop().catch(() => {})));
    if (nginx && nginx.child.exitCode === null && nginx.child.signalCode === null) {
      const exited = once(nginx.child, 'exit');
      nginx.child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(nginx!.watched.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      nginx.watched.release();
    }
    await Promise.all(apis.map((p) => stopProcess(p.child)));
    await kamailio?.stop();
    await connection?.dropDatabase().catch(() => {});
    await connection?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('when staff sign in, act on a ticket, listen to the live feed and register a softphone over https and wss, then everything works through nginx and both API processes serve', async () => {
    // Plain HTTP only redirects to https.
    const plain = await fetch(`http://127.0.0.1:${httpPort}/console/`, { redirect: 'manual' });
    assert.equal(plain.status, 301);
    assert.equal(plain.headers.get('location'), 'https://127.0.0.1/console/');

    // The internal telephony endpoints are not reachable from outside.
    assert.equal((await https('/internal/telephony/route?callId=x&caller=y', { headers: { 'x-telephony-token': token } })).status, 404);

    const [operator, dispatcher, staff] = [await signIn('operator'), await signIn('dispatcher'), await signIn('staff')];

    // The CSRF token is required through the proxy as directly.
    const forged = await https('/api/tickets', { method: 'POST', headers: { cookie: operator.cookie }, body: { subject: 'x' } });
    assert.equal(forged.status, 403, forged.text);

    // The department listens to the live feed through nginx (unbuffered server-sent events).
    const stream = await openStream(staff.cookie);
    try {
      assert.equal(stream.res.statusCode, 200);
      assert.match(stream.res.headers['content-type'] ?? '', /^text\/event-stream/);
      await stream.next((e) => e.event === 'ready');

      // Intake by the operator, dispatch to the department by the dispatcher, acceptance by the staff.
      const created = await operator.post('/api/tickets', {
        channel: 'phone', requestType: 'complaint', requester: { name: '王五', phone: '13800000009' }, subject: '路灯不亮', content: '小区门口路灯坏了一周。',
      });
      assert.equal(created.status, 201, created.text);
      const ticket = created.json() as { id: string; number: string };
      const dispatched = await dispatcher.post(`/api/tickets/${ticket.id}/dispatch`, { lead: department.id });
      assert.equal(dispatched.status, 200, dispatched.text);

      const told = await stream.next((e) => e.event === 'assigned' && (e.data as { ticket: { id: string } }).ticket.id === ticket.id);
      assert.equal((told.data as { action: string }).action, 'dispatch');
      assert.equal((told.data as { ticket: { number: string } }).ticket.number, ticket.number);

      const accepted = await staff.post(`/api/tickets/${ticket.id}/accept`);
      assert.equal(accepted.status, 200, accepted.text);
      const read = await staff.get(`/api/tickets/${ticket.id}`);
      assert.equal(read.status, 200, read.text);
      assert.equal(read.json().state, 'in_handling');
    } finally {
      stream.close();
    }

    // A softphone: credentials from the API, registration over wss:// through nginx to Kamailio.
    const issued = await operator.post('/api/telephony/credentials');
    assert.equal(issued.status, 200, issued.text);
    const credentials = issued.json() as { username: string; password: string; sipUri: string; wsUrl: string; domain: string };
    assert.equal(credentials.wsUrl, `wss://127.0.0.1:${httpsPort}/sip`);
    const user = /^sip:([^@]+)@/.exec(credentials.sipUri)?.[1];
    assert.ok(user, credentials.sipUri);
    const phone = await SipUserAgent.start({ wsUrl: credentials.wsUrl, domain: credentials.domain, user, username: credentials.username, password: credentials.password });
    agents.push(phone);
    assert.deepEqual(await phone.register(60), { ok: true });
    await phone.unregister();
    await phone.stop();

    // Both API processes served: nginx's request ids are in each process's own request log, and
    // nginx's access log names both upstreams.
    const requestIds = [...operator.requestIds, ...dispatcher.requestIds, ...staff.requestIds];
    assert.ok(requestIds.every((id) => /^[0-9a-f]{32}$/.test(id)), `nginx set every request id: ${requestIds.join(', ')}`);
    const servedBy = apis.map((api) => requestIds.filter((id) => api.output().includes(id)).length);
    assert.equal(servedBy[0]! + servedBy[1]!, requestIds.length, `each request logged by one API: ${servedBy.join(' + ')} of ${requestIds.length}\n${diagnostics()}`);
    assert.ok(servedBy.every((n) => n > 0), `both APIs served requests: ${servedBy.join(', ')}`);
    // A stream or a WebSocket is logged when it closes.
    const log = () => readFileSync(accessLog, 'utf8');
    await waitUntil('the closed live feed and WebSocket in the access log', () => Promise.resolve(/"GET \/sip" 101 /.test(log()) && /"GET \/api\/live\/tickets" 200 /.test(log())), 10_000, log);
    for (const port of apiPorts) assert.ok(log().includes(`upstream=127.0.0.1:${port}`), `access log names 127.0.0.1:${port}`);
    assert.doesNotMatch(log(), /callId=/, 'no query strings in the access log');
  });

  it('when a browser loads a console through nginx, then the page and its bundles arrive compressed as the API sent them, the hashed bundles kept a year and the page checked again', async () => {
    const page = await https('/console/supervisor/', { headers: { 'accept-encoding': 'identity' } });
    assert.equal(page.status, 200);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const script = /src="(\/console\/assets\/supervisor-[A-Z0-9]{8}\.js)"/.exec(page.text)?.[1];
    assert.ok(script, page.text);
    const compressedPage = await https('/console/supervisor/', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(compressedPage.headers['content-encoding'], 'br');
    for (const [offered, encoding] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['identity', undefined]] as const) {
      const bundle = await https(script, { headers: { 'accept-encoding': offered } });
      assert.equal(bundle.status, 200, `${script} ${offered}`);
      assert.equal(bundle.headers['content-encoding'], encoding, offered);
      assert.equal(bundle.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.match(String(bundle.headers.vary), /Accept-Encoding/);
      assert.match(String(bundle.headers['content-type']), /javascript/);
    }
  });
});
