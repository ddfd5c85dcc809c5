import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { chinaDateKey } from '../../core/clocks/index.js';
import { fileTransport } from '../../core/notifications/file-transport.js';
import { smtpTransport } from '../../core/notifications/mail-transport.js';
import { NoticeSender } from '../../core/notifications/notice-sender.js';
import { systemClock } from '../../core/platform/clock.js';
import { connectDatabase } from '../../core/platform/database.js';
import { createServices, type Services } from '../../core/services.js';
import { freePort } from '../../infra/free-port.js';
import { aCategory, aDepartment, aUser } from '../builders/builders.js';
import { testDatabaseUri } from '../helpers/global-setup.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { ApiClient, startProcess, stopProcess, waitUntil, type Answer, type RunningProcess } from './two-processes-cluster.js';

const from = '12345 热线 <noreply@hotline12345.test>';
const ticketCount = 4;
const urgesPerTicket = 12;
const leadEmails = ['lights-1@district.test', 'lights-2@district.test'];
const supervisorEmail = 'supervisor@hotline.test';
const headEmail = 'head@district.test';

/** A successful (200) action as the client saw it: the version it produced is its place in the history. */
interface Acknowledged {
  ticketId: string;
  action: string;
  version: number;
  username: string;
  api: string;
}

describe('Faults: two API processes and two workers on one engine', function () {
  this.timeout(180_000);
  const dbName = `t_two_processes_${process.pid}`;
  let connection: Connection;
  let services: Services;
  let capture: SmtpCapture;
  let dataDir: string;
  const processes: RunningProcess[] = [];
  const apis: string[] = [];
  const diagnostics = () => processes.map((p) => `--- ${p.name} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'})\n${p.output().slice(-3000)}`).join('\n');

  let department: { id: string };
  let category: { id: string };
  const urgeNoticeMismatches: string[] = [];
  const users: Record<'operator' | 'dispatcher' | 'supervisor' | 'staff', { username: string; password: string }> = {} as never;

  before(async () => {
    connection = await connectDatabase(testDatabaseUri(), dbName);
    await connection.dropDatabase();
    services = await createServices(connection, { authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 } });
    capture = await startSmtpCapture();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hotline-two-processes-'));

    department = await aDepartment(services, { contacts: { emails: leadEmails, phone: '01062345678' } });
    category = await aCategory(services, { name: '路灯' });
    users.operator = await aUser(services, ['operator']);
    users.dispatcher = await aUser(services, ['dispatcher']);
    users.supervisor = await aUser(services, ['supervisor'], { email: supervisorEmail });
    users.staff = await aUser(services, ['department_staff'], { departmentId: department.id });
    await aUser(services, ['department_head'], { departmentId: department.id, email: headEmail });

    const common = {
      NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: dataDir, HOST: '127.0.0.1', COOKIE_SECURE: 'false',
      MONGODB_URI: testDatabaseUri(), MONGODB_DB: dbName,
      SMTP_HOST: capture.host, SMTP_PORT: String(capture.port), SMTP_SECURE: 'false', MAIL_FROM: from,
    };
    for (const n of [1, 2]) {
      const port = await freePort();
      processes.push(startProcess(`api-${n}`, 'api/server.ts', { ...common, PORT: String(port) }));
      apis.push(`http://127.0.0.1:${port}`);
    }
    for (const n of [1, 2]) processes.push(startProcess(`worker-${n}`, 'workers/worker.ts', { ...common, PORT: '0' }));

    const exitedEarly = async () => {
      const gone = processes.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (gone) throw new Error(`${gone.name} exited at start\n${diagnostics()}`);
    };
    await waitUntil('both APIs ready', async () => {
      await exitedEarly();
      const answers = await Promise.all(apis.map((url) => fetch(`${url}/readyz`).then((r) => r.status, () => 0)));
      return answers.every((s) => s === 200);
    }, 60_000, diagnostics);
    await waitUntil('both workers started', async () => {
      await exitedEarly();
      return processes.filter((p) => p.name.startsWith('worker')).every((p) => p.output().includes('workers started'));
    }, 60_000, diagnostics);
  });

  after(async () => {
    await Promise.all(processes.map((p) => stopProcess(p.child)));
    await capture?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await connection?.dropDatabase().catch(() => {});
    await connection?.close();
  });

  it('when both APIs take concurrent actions on the same tickets, then no update is lost, each event is in the history once, and every notice is stored and delivered exactly once', async () => {
    // Every person signed in on each API with a session of its own.
    const signIn = (who: keyof typeof users) => Promise.all(apis.map((url) => ApiClient.signIn(url, users[who].username, users[who].password)));
    const [operator, dispatcher, supervisor, staff] = await Promise.all([signIn('operator'), signIn('dispatcher'), signIn('supervisor'), signIn('staff')]);
    const acknowledged: Acknowledged[] = [];
    const unexpected: string[] = [];
    const record = (client: ApiClient, ticketId: string, action: string, answer: Answer, allowed: string[]) => {
      if (answer.status === 200) {
        acknowledged.push({ ticketId, action, version: answer.body.version as number, username: client.username, api: client.baseUrl });
        return 'ok';
      }
      const code = (answer.body.error as { code?: string } | undefined)?.code ?? '';
      if (answer.status !== 409 || !allowed.includes(code)) unexpected.push(`${action} ${ticketId} at ${client.baseUrl}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return code;
    };

    // Intake, half through each API: a requester with an e-mail address and a mobile phone.
    const ids = await Promise.all(Array.from({ length: ticketCount }, async (_, i) => {
      const res = await operator[i % 2]!.post('/api/tickets', {
        channel: 'phone', requestType: 'complaint', categoryId: category.id, subject: `路灯不亮 ${i}`, content: `小区门口的路灯坏了 ${i}`,
        requester: { name: `市民${i}`, phone: `1380013800${i}`, email: `citizen-${i}@example.test` },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    }));

    // The same ticket dispatched from both APIs at once, with the version each read: one wins, the
    // other is told VERSION_CONFLICT. (The workers' routing may step the version in between; then both lose and both retry.)
    const dispatchPairs: string[][] = [];
    await Promise.all(ids.map(async (id) => {
      for (let round = 0; round < 10; round++) {
        const read = await dispatcher[0]!.get(`/api/tickets/${id}`);
        assert.equal(read.body.state, 'received', JSON.stringify(read.body));
        const answers = await Promise.all(dispatcher.map((client) => client.post(`/api/tickets/${id}/dispatch`, { lead: department.id, version: read.body.version })));
        const codes = answers.map((answer, i) => record(dispatcher[i]!, id, 'dispatch', answer, ['VERSION_CONFLICT']));
        if (codes.includes('ok')) return void dispatchPairs.push(codes.sort());
      }
      assert.fail(`ticket ${id} not dispatched in 10 rounds`);
    }));
    assert.deepEqual(dispatchPairs, ids.map(() => ['VERSION_CONFLICT', 'ok']), 'each concurrent pair: exactly one dispatch wins');

    // Then, on every ticket at once through both APIs: urges with the version read (most must lose)
    // and without (the server's compare-and-set decides), and accept and supervise by two clients
    // each, retrying after a conflict as a console does until one of them has done it.
    const untilDone = async (client: ApiClient, id: string, action: string, body: Record<string, unknown>) => {
      for (let attempt = 0; attempt < 60; attempt++) {
        const code = record(client, id, action, await client.post(`/api/tickets/${id}/${action}`, body), ['VERSION_CONFLICT', 'INVALID_TRANSITION']);
        if (code !== 'VERSION_CONFLICT') return;
      }
      unexpected.push(`${action} ${id} at ${client.baseUrl}: still conflicting after 60 attempts`);
    };
    await Promise.all(ids.map(async (id) => {
      const read = (await supervisor[0]!.get(`/api/tickets/${id}`)).body;
      const urgers = [supervisor[0]!, dispatcher[1]!, dispatcher[0]!, supervisor[1]!];
      await Promise.all([
        ...Array.from({ length: urgesPerTicket }, async (_, i) => {
          const client = urgers[i % 4]!;
          const body = i % 3 === 0 ? { reason: `催办 ${i}`, version: read.version } : { reason: `催办 ${i}` };
          record(client, id, 'urge', await client.post(`/api/tickets/${id}/urge`, body), ['VERSION_CONFLICT']);
        }),
        ...staff.map((client) => untilDone(client, id, 'accept', {})),
        ...supervisor.map((client) => untilDone(client, id, 'supervise', { reason: '多次催办未果' })),
      ]);
    }));
    assert.deepEqual(unexpected, [], 'every answer is 200 or a 409 the client can act on');

    // No lost update: every acknowledged change is in its ticket at the version it was told, and
    // the ticket's fields and history hold exactly those changes.
    const byTicket = (id: string, action?: string) => acknowledged.filter((a) => a.ticketId === id && (!action || a.action === action));
    let urges = 0;
    for (const id of ids) {
      const ticket = (await services.tickets.tickets.findById(id).lean())!;
      const mine = byTicket(id);
      urges += byTicket(id, 'urge').length;
      assert.equal(byTicket(id, 'dispatch').length, 1, `${id}: one dispatch`);
      assert.equal(byTicket(id, 'accept').length, 1, `${id}: one accept`);
      assert.equal(byTicket(id, 'supervise').length, 1, `${id}: one supervise`);
      assert.ok(byTicket(id, 'urge').length >= 1, `${id}: some urge got through`);
      assert.equal(ticket.urgeCount, byTicket(id, 'urge').length, `${id}: urgeCount = urges answered 200`);
      assert.equal(ticket.state, 'in_handling');
      assert.ok(ticket.supervisedAt);
      assert.deepEqual([ticket.effects, ticket.effectsDueAt], [[], null], `${id} owes nothing`);
      const events = await services.tickets.events.find({ ticketId: id }).sort({ version: 1 }).lean();
      assert.deepEqual(events.map((e) => e.version), Array.from({ length: ticket.version }, (_, i) => i + 1), `${id}: history is versions 1..${ticket.version}, no gap, no duplicate`);
      assert.equal(new Set(mine.map((a) => a.version)).size, mine.length, `${id}: no two clients were told the same version`);
      for (const a of mine) {
        const event = events[a.version - 1]!;
        assert.deepEqual([event.action, event.actor.username], [a.action, a.username], `${id} v${a.version}`);
      }
      // Besides the acknowledged changes: the intake, and the workers' routing proposal at most.
      const others = events.filter((e) => !mine.some((a) => a.version === e.version)).map((e) => `${e.version} ${e.action} ${e.actor.via}`);
      assert.equal(others[0], '1 intake session');
      assert.ok(others.slice(1).every((o) => / propose_routing system$/.test(o)), others.join(', '));
      assert.equal(ticket.version, 1 + (others.length - 1) + mine.length, `${id}: version = 1 + every change`);
    }

    // Each change counted once in the roll-ups.
    const days = [-1, 0, 1].map((d) => chinaDateKey(new Date(Date.now() + d * 86_400_000)));
    const counted = (await services.counters.rollupTotals('departments', days)).get(department.id) ?? {};
    assert.deepEqual(
      [counted.dispatched, counted.accepted, counted.urged, counted.supervised],
      [ticketCount, ticketCount, urges, ticketCount],
      `roll-ups ${JSON.stringify(counted)}`,
    );

    // Each event's notices stored once: exactly the ones it calls for.
    const notices = await services.outbox.notices.find({}).lean();
    const expected: string[] = [];
    for (const [i, id] of ids.entries()) {
      expected.push(`${id}:1 ticket-received email citizen-${i}@example.test`, `${id}:1 ticket-received sms 1380013800${i}`);
      for (const a of byTicket(id)) {
        const to = a.action === 'supervise' ? [supervisorEmail, headEmail] : a.action === 'accept' ? [] : leadEmails;
        const template = { dispatch: 'ticket-dispatched', urge: 'ticket-urged', supervise: 'ticket-supervised' }[a.action as 'dispatch'];
        for (const address of to) expected.push(`${id}:${a.version} ${template} email ${address}`);
      }
    }
    const stored = notices.map((n) => `${n.eventId} ${n.template} ${n.channel} ${n.to}`);
    assert.deepEqual(stored.sort(), expected.sort(), 'notices: each event, template and recipient exactly once');
    // What each urge notice says, against its own event (checked in the next test): the n-th urge says n.
    for (const id of ids) {
      const urgeVersions = byTicket(id, 'urge').map((a) => a.version).sort((a, b) => a - b);
      for (const n of notices.filter((x) => x.template === 'ticket-urged' && x.eventId.startsWith(`${id}:`))) {
        const own = urgeVersions.filter((v) => v <= Number(n.eventId.split(':')[1])).length;
        if (n.data.urgeCount !== own) urgeNoticeMismatches.push(`${n.eventId} to ${n.to}: says urgeCount ${String(n.data.urgeCount)}, its event is urge no. ${own} (urges at versions ${urgeVersions.join(',')})`);
      }
    }

    // The workers send them (their agenda job runs on one worker at a time), with an extra sender in
    // this process racing them for the same notices.
    const emailIds = notices.filter((n) => n.channel === 'email').map((n) => n._id).sort();
    const smsIds = notices.filter((n) => n.channel === 'sms').map((n) => n._id).sort();
    const smsFile = path.join(dataDir, 'outbox', 'sms.jsonl');
    const racer = new NoticeSender(services.outbox, { email: smtpTransport({ host: capture.host, port: capture.port, secure: false, from }), sms: fileTransport(smsFile) }, { name: 'test-racer' });
    await waitUntil('every notice sent', async () => {
      // Whenever a worker is in the middle of a pass, the racer goes through the same due notices.
      if (await services.outbox.notices.exists({ state: 'sending', claimedBy: /^worker-/ })) await racer.sendDue(systemClock);
      return (await services.outbox.notices.countDocuments({ state: { $ne: 'sent' } })) === 0 && capture.messages.length >= emailIds.length;
    }, 60_000, diagnostics);

    const sent = await services.outbox.notices.find({}).lean();
    assert.deepEqual(sent.filter((n) => n.state !== 'sent' || n.attempts !== 1).map((n) => `${n._id} ${n.state} ${n.attempts}`), [], 'every notice sent in one attempt');
    const copies = capture.copiesByMessageId();
    assert.deepEqual([...copies.entries()].filter(([, count]) => count !== 1), [], 'no message delivered twice');
    assert.deepEqual([...copies.keys()].map((m) => m.replace(/^<([^@]+)@.*$/, '$1')).sort(), emailIds, 'every e-mail notice delivered, and nothing else');
    const smsLines = readFileSync(smsFile, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id).sort();
    assert.deepEqual(smsLines, smsIds, 'every SMS written once');

    const senders = new Map<string, number>();
    for (const n of sent) senders.set(n.claimedBy ?? '?', (senders.get(n.claimedBy ?? '?') ?? 0) + 1);
        console.log(`      two-processes: ${ticketCount} tickets, ${acknowledged.length} acknowledged changes (${urges} urges of ${ticketCount * urgesPerTicket}), ${notices.length} notices (${emailIds.length} mail, ${smsIds.length} SMS); senders ${JSON.stringify(Object.fromEntries(senders))}; by API ${JSON.stringify(Object.fromEntries(apis.map((u) => [u, acknowledged.filter((a) => a.api === u).length])))}`);
  });

  // Each change owes its effects with the ticket as it wrote it, whoever settles them.
  it('when a later change settles an earlier change\'s effects, then each urge notice still tells the count of its own urge', () => {
    assert.deepEqual(urgeNoticeMismatches, []);
  });
});
