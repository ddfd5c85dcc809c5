import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileTransport } from '../../core/notifications/file-transport.js';
import { smtpTransport } from '../../core/notifications/mail-transport.js';
import { NoticeSender } from '../../core/notifications/notice-sender.js';
import { fixedClock } from '../../core/platform/clock.js';
import { testDatabaseUri } from '../helpers/global-setup.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { useTestApp } from '../helpers/test-app.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { systemActor } from '../../core/accounts/access.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const from = '12345 热线 <noreply@hotline12345.test>';
const noticeCount = 40;

describe('Workers: real worker processes sharing one database (outbox, webhooks)', function () {
  this.timeout(150_000);
  const t = useTestApp();
  let capture: SmtpCapture;
  let dataDir: string;
  const workers: { child: ChildProcess; output: string[] }[] = [];

  before(async () => {
    capture = await startSmtpCapture();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hotline-workers-'));
  });
  after(async () => {
    await Promise.all(workers.map(({ child }) => stop(child, 'SIGKILL')));
    await capture?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function startWorker() {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/worker.ts'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: dataDir,
        MONGODB_URI: testDatabaseUri(), MONGODB_DB: t.connection.name,
        SMTP_HOST: capture.host, SMTP_PORT: String(capture.port), SMTP_SECURE: 'false', MAIL_FROM: from,
      },
    });
    const worker = { child, output: [] as string[] };
    child.stdout?.on('data', (chunk: Buffer) => worker.output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => worker.output.push(chunk.toString()));
    workers.push(worker);
    return worker;
  }

  it('when one of two workers is killed mid-batch and started again, then every notice is delivered exactly once', async () => {
    await t.services.outbox.enqueue(
      Array.from({ length: noticeCount }, (_, i) => ({
        eventId: `workers:${i}`, template: 'ticket-received' as const, locale: 'zh-CN' as const, channel: 'email' as const,
        to: `citizen-${i}@example.test`, data: { number: `20260302${String(i).padStart(6, '0')}`, subject: '楼道堆放杂物', followUrl: null },
      })),
      new Date(),
    );
    // Slow answers keep a batch running long enough to kill a worker in the middle of it.
    capture.setDelay(150);
    const first = startWorker();
    const second = startWorker();
    const output = () => workers.flatMap((w) => w.output).join('');
    const outbox = t.services.outbox.notices;
    await waitFor(() => capture.messages.length >= 5, 60_000, output);

    // Kill whichever worker is sending right now, in the middle of its batch.
    let killedName = '';
    await waitForAsync(async () => !!(killedName = (await outbox.findOne({ state: 'sending' }).lean())?.claimedBy ?? ''), 30_000, output);
    const killed = [first, second].find((w) => `worker-${w.child.pid}` === killedName)!;
    const survivor = killed === first ? second : first;
    await stop(killed.child, 'SIGKILL');
    const restarted = startWorker();
    // Done when nothing is pending and only the killed worker's attempt (if any) is left claimed.
    await waitForAsync(
      async () => (await outbox.countDocuments({ state: { $ne: 'sent' }, claimedBy: { $ne: killedName } })) === 0,
      90_000,
      output,
    );
    await Promise.all([stop(survivor.child, 'SIGTERM'), stop(restarted.child, 'SIGTERM')]);

    // The killed worker's attempt is recovered once its lease has run out, as any later pass would.
    const later = new NoticeSender(t.services.outbox, { email: smtpTransport({ host: capture.host, port: capture.port, secure: false, from }), sms: fileTransport(path.join(dataDir, 'sms.jsonl')) }, { name: 'later' });
    await later.sendDue(fixedClock(new Date(Date.now() + 3 * 60_000)));
    await later.sendDue(fixedClock(new Date(Date.now() + 10 * 60_000)));

    const copies = capture.copiesByMessageId();
    assert.equal(copies.size, noticeCount, `distinct messages delivered: ${copies.size}`);
    assert.deepEqual([...copies.entries()].filter(([, n]) => n > 1), [], 'no message twice');
    assert.equal(await outbox.countDocuments({ state: 'sent' }), noticeCount);
  });

  it('when a worker process runs, then its webhooks.deliver job sends each ticket change to the receiver, signed, in order', async () => {
    const receiver = await startWebhookReceiver(() => new Date());
    try {
      const subscription = await t.services.webhooks.create({ actor: systemActor, now: new Date() }, { partner: '市交通委业务系统', url: receiver.url, events: ['ticket.created', 'ticket.cancelled'] });
      receiver.secret = subscription.secret;
      const ticket = await t.services.tickets.intake({ actor: systemActor, now: new Date() }, { channel: 'web', requestType: 'help', subject: '井盖缺失', content: '路口井盖丢失。', requester: {} });
      await t.services.tickets.act({ actor: systemActor, now: new Date() }, ticket.id, 'cancel', { reason: '重复来电' });
      const worker = startWorker();
      await waitFor(() => receiver.arrivals.length >= 2, 60_000, () => worker.output.join(''));
      await stop(worker.child, 'SIGTERM');
      assert.deepEqual(receiver.rejected, []);
      assert.deepEqual(receiver.events().map((e) => [e.type, e.body.id]), [['ticket.created', `${ticket.id}:1`], ['ticket.cancelled', `${ticket.id}:2`]]);
    } finally {
      await receiver.close();
    }
  });
});

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const waitFor = (condition: () => boolean, timeoutMs: number, diagnostics: () => string) => waitForAsync(async () => condition(), timeoutMs, diagnostics);

async function waitForAsync(condition: () => Promise<boolean>, timeoutMs: number, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out; worker output:\n${diagnostics().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
