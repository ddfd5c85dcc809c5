import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { messageIdFor } from '../../core/notifications/mail-transport.js';
import { configSchema } from '../../core/platform/config.js';
import { withCredentials } from '../../infra/documentdb/launcher.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { startSystem, within, type StartedSystem } from '../helpers/started-system.js';
import { HOTLINE_NUMBER } from '../../core/calls/telephony-settings.js';
import { sippCall } from '../telephony/sipp.js';
import { ApiClient } from './two-processes-cluster.js';

/**
 * kill -9 of each part of `npm start` while operators create tickets: the whole system started once
 * (scripts/start.ts in a temporary DATA_DIR, mail to a real SMTP server on loopback), then for each
 * fault a bounded load of 4 clients, each creating tickets with its own Idempotency-Key and sending
 * the same request again on any error or timeout until it is acknowledged. Asserted per fault: every
 * key acknowledged, one stored ticket per key (none without), a retry of an acknowledged key creates
 * nothing, each notice sent once (outbox and SMTP), and the system serving again within the bound
 * without anyone touching it. The figures are printed per fault.
 */

const clients = 4;
const createsPerClient = 10;
/** The kill goes out once this many creates of the fault's load are acknowledged. */
const killAfterAcks = 8;
/** How long one create is retried before the test gives up on it. */
const createBoundMs = 90_000;
const mailFrom = configSchema.shape.MAIL_FROM.parse(undefined);

interface Figures {
  fault: string;
  sent: number;
  acknowledged: number;
  stored: number;
  duplicates: number;
  /** Answers other than 201 and network failures seen by the load, by status. */
  failures: Record<string, number>;
  serveAgainMs: number;
  notices: number;
  mails: number;
}

const figures: Figures[] = [];

describe('Faults: kill -9 of each part of the running system under load', function () {
  this.timeout(600_000);
  let system: StartedSystem;
  let smtp: SmtpCapture;
  let mongo: MongoClient;
  let db: Db;
  let operator: ApiClient;

  before(async function () {
    this.timeout(180_000);
    smtp = await startSmtpCapture();
    system = await startSystem({ SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), COOKIE_SECURE: 'false' });
    try {
      await within(150_000, 'the system ready at start', system.ready);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${system.output().slice(-4000)}`, { cause: err });
    }
    // The first administrator as an installer makes one (npm run create-admin), on the running database.
    const adminPassword = `admin-${randomUUID()}`;
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', 'scripts/create-admin.ts', '--username', 'faultadmin', '--password', adminPassword], {
        env: { ...process.env, DATA_DIR: system.dataDir, MONGODB_URI: '' }, timeout: 60_000,
      }, (err, _out, stderr) => (err ? reject(new Error(`create-admin: ${stderr}`)) : resolve())),
    );
    const admin = await ApiClient.signIn(system.baseUrl, 'faultadmin', adminPassword);
    const operatorPassword = `operator-${randomUUID()}`;
    const created = await admin.post('/api/users', { username: 'faultoperator', displayName: '话务员', password: operatorPassword, roles: ['operator'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    operator = await ApiClient.signIn(system.baseUrl, 'faultoperator', operatorPassword);

    const engineDir = path.join(system.dataDir, 'documentdb');
    const { uri } = JSON.parse(readFileSync(path.join(engineDir, 'server.json'), 'utf8')) as { uri: string };
    mongo = new MongoClient(withCredentials(engineDir, uri), { serverSelectionTimeoutMS: 5000 });
    db = mongo.db('hotline12345');
  });

  after(async function () {
    this.timeout(60_000);
    await mongo?.close().catch(() => {});
    if (system && system.child.exitCode === null) {
      system.child.kill('SIGTERM');
      await Promise.race([system.exited, new Promise((r) => setTimeout(r, 40_000))]);
    }
    system?.cleanUp();
    await smtp?.close();
    if (figures.length) {
      console.log('\n  fault              sent  acked  stored  dup  serve again  notices  mails  other answers');
      for (const f of figures) {
        console.log(`  ${f.fault.padEnd(17)} ${String(f.sent).padStart(5)} ${String(f.acknowledged).padStart(6)} ${String(f.stored).padStart(7)} ${String(f.duplicates).padStart(4)} ${`${(f.serveAgainMs / 1000).toFixed(1)} s`.padStart(12)} ${String(f.notices).padStart(8)} ${String(f.mails).padStart(6)}  ${JSON.stringify(f.failures)}`);
      }
    }
  });

  const ticketBody = (fault: string, key: string) => ({
    channel: 'email', requestType: 'inquiry', subject: `fault ${fault} ${key}`, content: `created under the ${fault} fault`,
    requester: { name: '市民', email: `${key}@citizens.example.com` },
  });

  /** POST /api/tickets with the operator's session; a timeout or a refused connection is status 0. */
  async function create(fault: string, key: string): Promise<{ status: number; id?: string; replayed: boolean }> {
    try {
      const res = await fetch(`${system.baseUrl}/api/tickets`, {
        method: 'POST',
        headers: { ...operator.headers(), 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(ticketBody(fault, key)),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json().catch(() => ({}))) as { id?: string };
      return { status: res.status, id: body.id, replayed: res.headers.get('idempotent-replayed') === 'true' };
    } catch {
      return { status: 0, replayed: false };
    }
  }

  /**
   * The load: `clients` clients, each creating `createsPerClient` tickets one after the other, each
   * sent again with the same key until acknowledged. `onAck` sees the running count of acknowledgements.
   */
  async function load(fault: string, onAck: (acks: number) => void) {
    const acknowledged = new Map<string, string>();
    const failures: Record<string, number> = {};
    let sent = 0;
    const client = async (c: number) => {
      for (let i = 0; i < createsPerClient; i++) {
        const key = `${fault}-${c}-${i}-${randomUUID().slice(0, 8)}`;
        const deadline = Date.now() + createBoundMs;
        for (;;) {
          sent++;
          const answer = await create(fault, key);
          if (answer.status === 201 || answer.status === 200) {
            assert.ok(answer.id, `${key}: acknowledged without an id`);
            acknowledged.set(key, answer.id);
            onAck(acknowledged.size);
            break;
          }
          failures[answer.status || 'no answer'] = (failures[answer.status || 'no answer'] ?? 0) + 1;
          if (Date.now() > deadline) throw new Error(`${key}: not acknowledged within ${createBoundMs / 1000} s; answers: ${JSON.stringify(failures)}\n${system.output().slice(-3000)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
    return { acknowledged, failures, sent };
  }

  /**
   * SIGKILL of the first process matching `pattern`; resolves with the time until a new one runs
   * and /readyz answers 200 (and `alsoServing`, if given, holds).
   */
  async function kill(name: string, pattern: RegExp, boundMs: number, alsoServing?: () => Promise<boolean>): Promise<number> {
    const before = system.find(pattern);
    assert.ok(before, `${name} not found among the running processes`);
    process.kill(before, 'SIGKILL');
    const killedAt = Date.now();
    await within(boundMs, `${name} restarted and /readyz 200`, async () => {
      const now = system.find(pattern);
      if (now === undefined || now === before) return undefined;
      if (!(await system.ready())) return undefined;
      return alsoServing && !(await alsoServing()) ? undefined : true;
    });
    return Date.now() - killedAt;
  }

  /** Runs the load, kills the target once `killAfterAcks` creates are acknowledged, then checks and records the figures. */
  async function faultUnderLoad(fault: string, name: string, pattern: RegExp, boundMs: number, afterKill?: () => void, servingAgain?: () => () => Promise<boolean>) {
    const mailsBefore = smtp.messages.length;
    let killing: Promise<number> | undefined;
    const run = await load(fault, (acks) => {
      if (acks >= killAfterAcks && !killing) {
        killing = kill(name, pattern, boundMs, servingAgain?.());
        afterKill?.();
      }
    });
    assert.ok(killing, 'the kill went out mid-load');
    const serveAgainMs = await killing;
    assert.equal(run.acknowledged.size, clients * createsPerClient, 'every create acknowledged');

    // Sending an acknowledged request again creates nothing: the same ticket comes back.
    for (const [key, id] of run.acknowledged) {
      const again = await create(fault, key);
      assert.deepEqual([again.status, again.id, again.replayed], [200, id, true], `${key} sent again`);
    }

    // Stored: one ticket per acknowledged key, the one acknowledged, and nothing else.
    const stored = await db.collection('tickets').find({ subject: { $regex: `^fault ${fault} ` } }, { projection: { subject: 1 } }).toArray();
    const bySubject = new Map<string, string[]>();
    for (const t of stored) bySubject.set(t.subject as string, [...(bySubject.get(t.subject as string) ?? []), String(t._id)]);
    const duplicates = stored.length - bySubject.size;
    for (const [key, id] of run.acknowledged) assert.deepEqual(bySubject.get(`fault ${fault} ${key}`), [id], `${key} stored once, as acknowledged`);
    assert.equal(bySubject.size, run.acknowledged.size, 'no ticket that was not acknowledged');
    assert.equal(duplicates, 0);

    // Each notice (one e-mail receipt per ticket) sent once: in the outbox, and as the SMTP server saw it.
    const ids = [...run.acknowledged.values()];
    const noticesOf = () => db.collection<{ _id: string; eventId: string; state: string; channel: string }>('outbox').find({ eventId: { $regex: `^(${ids.join('|')}):` } }).toArray();
    const notices = await within(150_000, `every notice of the ${fault} load sent`, async () => {
      const all = await noticesOf();
      return all.length === ids.length && all.every((n) => n.state === 'sent') ? all : undefined;
    }).catch(async (err: Error) => {
      const all = await noticesOf();
      throw new Error(`${err.message}: ${JSON.stringify(all.reduce<Record<string, number>>((acc, n) => ({ ...acc, [n.state]: (acc[n.state] ?? 0) + 1 }), {}))}\n${system.output().slice(-3000)}`, { cause: err });
    });
    assert.deepEqual(notices.map((n) => n.channel).filter((c) => c !== 'email'), []);
    const copies = smtp.copiesByMessageId();
    for (const notice of notices) assert.equal(copies.get(messageIdFor(notice._id, mailFrom)), 1, `notice ${notice._id}: mails received`);
    const mails = smtp.messages.slice(mailsBefore).length;
    assert.equal(mails, notices.length, 'no other mail');

    const row: Figures = { fault, sent: run.sent, acknowledged: run.acknowledged.size, stored: stored.length, duplicates, failures: run.failures, serveAgainMs, notices: notices.length, mails };
    figures.push(row);
    console.log(`    ${fault}: ${JSON.stringify(row)}`);
    return row;
  }

  it('when the API is killed mid-load, then every acknowledged create is stored once, retries create nothing, each notice is sent once, and it serves again within 30 s', async () => {
    await faultUnderLoad('api', 'the API', /api\/server\.ts/, 30_000);
  });

  it('when the workers are killed mid-load, then every acknowledged create is stored once, each notice is sent once, and they serve again (a mail sent) within 30 s', async () => {
    // Serving again: restarted, and a mail has gone out since the kill (the notices of the load after it).
    const mailsSince = () => {
      const atKill = smtp.messages.length;
      return async () => smtp.messages.length > atKill;
    };
    await faultUnderLoad('worker', 'the workers', /workers\/worker\.ts/, 30_000, undefined, mailsSince);
  });

  it('when the database is killed mid-load, then every acknowledged create is stored once, each notice is sent once, and the system serves again within 60 s', async () => {
    const row = await faultUnderLoad('database', 'PostgreSQL', /bin\/postgres -D/, 60_000);
    // Each distinct cause the API logged for a 500, with its code.
    const unhandled = [...new Set(system.output().split('\n').filter((line) => /unhandled error/.test(line)).map((line) => {
      const causes = [...line.matchAll(/caused by: (\w+): ([^\\]*)/g)].map((m) => `${m[1]}: ${m[2]}`);
      const code = /"code":(\d+)/.exec(line)?.[1];
      return `${causes.join(' / ') || line.slice(0, 300)}${code ? ` (code ${code})` : ''}`;
    }))].join('\n');
    assert.equal(row.failures['500'], undefined, `no 500 while the database is down; the API logged:\n${unhandled}`);
  });

  it('when Kamailio is killed mid-load, then a call during the outage is refused or recorded, tickets are stored once, and after it is back within 30 s a call is answered and recorded', async function () {
    const sip = /Kamailio ready: SIP on [^:\s]+:(\d+)/.exec(system.output());
    if (!sip) this.skip();
    const target = `127.0.0.1:${sip[1]}`;
    const call = (caller: string, timeoutSeconds: number) => {
      const callId = `fault-kamailio-${randomUUID()}`;
      return { callId, result: sippCall({ scenario: 'hotline-unanswered.xml', target, dialled: HOTLINE_NUMBER, caller, callId, timeoutSeconds }) };
    };
    const recordOf = async (callId: string) => {
      const res = await operator.get(`/api/calls/${encodeURIComponent(callId)}`);
      return res.status === 200 ? res.body : undefined;
    };
    // Before: a call nobody takes ends with 480 and is recorded as missed.
    const before = call('13700137000', 10);
    assert.equal((await before.result).exitCode, 0, 'a call before the fault');

    let during: ReturnType<typeof call> | undefined;
    const pattern = /^kamailio -f/;
    const row = await faultUnderLoad('kamailio', 'Kamailio', pattern, 30_000, () => {
      // Right after the kill, before the 1 s back-off is over: nothing listens on the SIP port.
      during = call('13700137001', 2);
    });
    assert.ok(during);
    const duringResult = await during.result;
    const duringRecord = await recordOf(during.callId);
    // Refused (SIPp saw no answer) or, had it reached a Kamailio back already, answered 480 and recorded.
    assert.ok(duringResult.exitCode !== 0 || duringRecord?.outcome === 'missed', `the call during the outage: SIPp ${duringResult.exitCode}, record ${JSON.stringify(duringRecord)}`);
    assert.equal(JSON.parse((await system.readyz()).body).dependencies.telephony, 'up');

    const afterCall = call('13700137002', 10);
    const afterResult = await afterCall.result;
    assert.equal(afterResult.exitCode, 0, `a call after the restart: ${afterResult.diagnostics}`);
    const record = await within(10_000, 'the call after the restart recorded', () => recordOf(afterCall.callId));
    assert.deepEqual([record.outcome, record.reason], ['missed', 'no-operator-ready']);
    console.log(`    kamailio calls: during the outage SIPp exit ${duringResult.exitCode} (${duringResult.exitCode === 0 ? 'reached a restarted Kamailio, recorded' : 'refused'}), after it ${afterResult.exitCode} and recorded ${record.outcome}`);
    assert.equal(row.duplicates, 0);
  });
});
