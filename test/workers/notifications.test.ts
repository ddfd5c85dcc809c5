import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressObject, ParsedMail } from 'mailparser';
import { systemActor } from '../../core/accounts/access.js';
import { fileTransport } from '../../core/notifications/file-transport.js';
import { messageIdFor, smtpTransport } from '../../core/notifications/mail-transport.js';
import { NoticeSender } from '../../core/notifications/notice-sender.js';
import { smsGatewayTransport } from '../../core/notifications/sms-gateway.js';
import type { NoticeRequest } from '../../core/notifications/outbox.js';
import type { Transport } from '../../core/notifications/transport.js';
import { aDepartment } from '../builders/builders.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { useTestApp } from '../helpers/test-app.js';

const from = '12345 热线 <noreply@hotline12345.test>';
const leaseMs = 120_000;
const never = () => new Promise<never>(() => {});

const recipientOf = (mail: ParsedMail) => (mail.to as AddressObject).value[0]!.address;

describe('Workers: notices from the outbox, exactly once', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const ctx = () => ({ actor: systemActor, now: t.clock.now() });
  let capture: SmtpCapture;
  let mail: Transport;
  let smsFile: string;
  let tmp: string;
  // The services' tickets enqueue the notices of every change (their onEvent hook).
  const tickets = () => t.services.tickets;

  const sender = (name: string, email: Transport = mail) => new NoticeSender(t.services.outbox, { email, sms: fileTransport(smsFile) }, { name, leaseMs });
  const notices = () => t.services.outbox.notices.find().lean();
  const departmentWith = (emails: string[]) => aDepartment(t.services, { contacts: { emails } });
  const requesterNotices = (count: number, prefix: string): NoticeRequest[] =>
    Array.from({ length: count }, (_, i) => ({
      eventId: `${prefix}:${i}`, template: 'ticket-received', locale: 'zh-CN', channel: 'email', to: `${prefix}-${i}@example.test`,
      data: { number: `2026030200${String(i).padStart(4, '0')}`, subject: '楼道堆放杂物', followUrl: null },
    }));
  const assertEachDeliveredOnce = async (expected: number) => {
    const copies = capture.copiesByMessageId();
    assert.equal(copies.size, expected, `distinct messages: ${[...copies.keys()].join(' ')}`);
    assert.ok([...copies.values()].every((n) => n === 1), JSON.stringify([...copies]));
    const stored = await notices();
    assert.deepEqual(new Set(stored.map((n) => n.state)), new Set(['sent']));
    assert.deepEqual(new Set(copies.keys()), new Set(stored.map((n) => messageIdFor(n._id, from))));
  };

  before(async () => {
    capture = await startSmtpCapture();
    mail = smtpTransport({ host: capture.host, port: capture.port, secure: false, from });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'hotline-notices-'));
    smsFile = path.join(tmp, 'sms.jsonl');
  });
  beforeEach(async () => {
    capture.clear();
    capture.refuseNext(0, 451);
    capture.setDelay(0);
    await t.services.outbox.notices.deleteMany({});
  });
  after(async () => {
    await capture?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('when a confidential requester\'s ticket is dispatched, then each department contact gets one mail with the number and without the requester', async () => {
    const lead = await departmentWith(['lead-a@dept.test', 'lead-b@dept.test']);
    const assist = await departmentWith(['assist@dept.test']);
    const { id, number } = await tickets().intake(ctx(), {
      channel: 'phone', requestType: 'complaint', subject: '楼道堆放杂物', content: '楼道里长期堆放杂物，存在消防隐患。',
      requester: { name: '李四', phone: '13800138000', email: 'lisi@example.test', confidential: true },
    });
    await tickets().act(ctx(), id, 'dispatch', { lead: lead.id, assists: [assist.id] });

    const report = await sender('a').sendDue(t.clock);

    assert.deepEqual(report, { sent: 5, retried: 0, failed: 0, recovered: 0 });
    const toDepartments = capture.messages.filter((m) => recipientOf(m)?.endsWith('@dept.test'));
    assert.deepEqual(toDepartments.map(recipientOf).sort(), ['assist@dept.test', 'lead-a@dept.test', 'lead-b@dept.test']);
    for (const message of toDepartments) {
      assert.ok(message.text?.includes(number) && message.subject?.includes(number));
      for (const part of [message.subject, message.text, String(message.html)]) {
        assert.ok(!part?.includes('李四') && !part?.includes('13800138000'), part);
      }
    }
    const [toRequester] = capture.messages.filter((m) => recipientOf(m) === 'lisi@example.test');
    assert.ok(toRequester?.text?.includes(`/portal/#/follow/${number}`) && !toRequester.text.includes('13800138000'), toRequester?.text);
    const sms = readFileSync(smsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { to: string; text: string });
    assert.deepEqual(sms.map((s) => s.to), ['13800138000']);
    assert.ok(sms[0]!.text.includes(number));
  });

  it('when a requester did not ask for confidentiality, then the dispatch mail carries their name and phone', async () => {
    const lead = await departmentWith(['open@dept.test']);
    const { id } = await tickets().intake(ctx(), {
      channel: 'phone', requestType: 'help', subject: '路灯不亮', content: '小区门口路灯坏了一周。', requester: { name: '赵六', phone: '010-62345678' },
    });
    await tickets().act(ctx(), id, 'dispatch', { lead: lead.id });
    await sender('a').sendDue(t.clock);
    assert.equal(capture.messages.length, 1, 'a landline gets no SMS and there is no e-mail: only the department is told');
    assert.ok(capture.messages[0]!.text?.includes('赵六 01062345678'));
  });

  it('when the same event is enqueued twice and two passes run, then its notice is sent once', async () => {
    const lead = await departmentWith(['twice@dept.test']);
    const { id } = await tickets().intake(ctx(), { channel: 'phone', requestType: 'help', subject: '井盖缺失', content: '路口井盖丢失。', requester: {} });
    const view = await tickets().act(ctx(), id, 'dispatch', { lead: lead.id });
    const ticket = await t.services.tickets.tickets.findById(id).lean();
    const event = await t.services.tickets.events.findById(`${id}:${view.version}`).lean();

    assert.equal(await t.services.notices.enqueueFor(ticket as never, event!), 0, 'nothing new the second time');
    await sender('a').sendDue(t.clock);
    await sender('b').sendDue(t.clock);

    assert.equal(capture.messages.length, 1);
    await assertEachDeliveredOnce(1);
  });

  it('when a sender is killed after the server took a message but before marking it, then no second copy is sent after the lease', async () => {
    await t.services.outbox.enqueue(requesterNotices(3, 'killed-after'), t.clock.now());
    // Delivers, then never returns: to the database this sender died between sending and marking.
    const dying: Transport = { deliver: async (message, commit) => (await mail.deliver(message, commit), never()) };
    void sender('dying', dying).sendDue(t.clock);
    await capture.waitFor(1);
    await until(async () => (await notices()).some((n) => n.state === 'sending' && n.committedAt));

    const meanwhile = await sender('live').sendDue(t.clock);
    assert.deepEqual(meanwhile, { sent: 2, retried: 0, failed: 0, recovered: 0 }, 'the claimed notice is left alone within the lease');
    t.clock.advance(leaseMs + 1000);
    const later = await sender('live').sendDue(t.clock);

    assert.deepEqual(later, { sent: 0, retried: 0, failed: 0, recovered: 1 });
    await assertEachDeliveredOnce(3);
    const recovered = (await notices()).find((n) => n.claimedBy === 'dying');
    assert.match(recovered?.lastError ?? '', /unconfirmed/);
  });

  it('when a sender is killed after claiming a notice but before handing it over, then another sender sends it once after the lease', async () => {
    await t.services.outbox.enqueue(requesterNotices(1, 'killed-before'), t.clock.now());
    void sender('dying', { deliver: never }).sendDue(t.clock);
    await until(async () => (await notices())[0]?.state === 'sending');

    assert.deepEqual(await sender('live').sendDue(t.clock), { sent: 0, retried: 0, failed: 0, recovered: 0 });
    t.clock.advance(leaseMs + 1000);
    assert.deepEqual(await sender('live').sendDue(t.clock), { sent: 0, retried: 0, failed: 0, recovered: 1 });
    t.clock.advance(60_000);
    assert.deepEqual(await sender('live').sendDue(t.clock), { sent: 1, retried: 0, failed: 0, recovered: 0 });

    await assertEachDeliveredOnce(1);
    assert.equal((await notices())[0]!.attempts, 2);
  });

  it('when the commit of an SMTP attempt is refused, then the server never completes the message', async () => {
    const message = { id: 'abandoned-attempt', channel: 'email' as const, to: 'nobody@example.test', subject: 'x', text: 'x' };
    await assert.rejects(mail.deliver(message, () => Promise.reject(new Error('taken over'))), /taken over/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(capture.messages.length, 0);
  });

  it('when the SMTP server keeps refusing for a while, then the notice is retried after 1, 5, 30 and 120 minutes and then kept as failed', async () => {
    capture.refuseNext(5, 451);
    await t.services.outbox.enqueue(requesterNotices(1, 'refused'), t.clock.now());
    const s = sender('a');
    const start = t.clock.now().getTime();

    assert.equal((await s.sendDue(t.clock)).retried, 1);
    assert.equal((await notices())[0]!.nextAttemptAt?.getTime(), start + 60_000);
    assert.deepEqual(await s.sendDue(t.clock), { sent: 0, retried: 0, failed: 0, recovered: 0 }, 'not before it is due');
    for (const wait of [60_000, 5 * 60_000, 30 * 60_000]) {
      t.clock.advance(wait);
      assert.equal((await s.sendDue(t.clock)).retried, 1);
    }
    t.clock.advance(2 * 3_600_000);
    assert.equal((await s.sendDue(t.clock)).failed, 1);

    const [failure, ...others] = await t.services.outbox.failures(systemActor);
    assert.equal(others.length, 0);
    assert.equal(failure?.attempts, 5);
    assert.match(failure?.lastError ?? '', /451/);
    assert.equal(capture.messages.length, 0);
    t.clock.advance(24 * 3_600_000);
    assert.deepEqual(await s.sendDue(t.clock), { sent: 0, retried: 0, failed: 0, recovered: 0 }, 'a failed notice stays failed');
  });

  it('when the SMTP server refuses a message for good, then the notice fails at once', async () => {
    capture.refuseNext(1, 550);
    await t.services.outbox.enqueue(requesterNotices(1, 'permanent'), t.clock.now());
    assert.equal((await sender('a').sendDue(t.clock)).failed, 1);
    assert.equal((await notices())[0]!.attempts, 1);
  });

  it('when SMS go through the HTTP gateway, then each is posted once with the token and its outbox id; a refusal for good fails it', async () => {
    const received: { headers: IncomingHttpHeaders; body: { id: string; to: string; text: string } }[] = [];
    const gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(body) });
        res.statusCode = received.length === 1 ? 200 : 400;
        res.end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
      const s = new NoticeSender(t.services.outbox, { email: mail, sms: smsGatewayTransport({ url, token: 'gateway-secret' }) }, { name: 'a' });
      await t.services.outbox.enqueue(['13900000001', '13900000002'].map((to, i) => ({
        eventId: `sms:${i}`, template: 'ticket-received' as const, locale: 'zh-CN' as const, channel: 'sms' as const, to,
        data: { number: `2026030200000${i}`, subject: '噪音', followUrl: null },
      })), t.clock.now());

      assert.deepEqual(await s.sendDue(t.clock), { sent: 1, retried: 0, failed: 1, recovered: 0 });
      assert.ok(received.every((r) => r.headers.authorization === 'Bearer gateway-secret' && r.headers['idempotency-key'] === r.body.id));
      const stateOf = new Map((await notices()).map((n) => [n._id, n.state]));
      assert.deepEqual(received.map((r) => stateOf.get(r.body.id)), ['sent', 'failed'], 'the accepted one sent, the refused one failed');
      assert.ok(received[0]!.body.text.includes('【12345热线】'));
    } finally {
      gateway.close();
    }
  });

  it('when three senders run at once on the same outbox, then every notice is delivered exactly once', async () => {
    await t.services.outbox.enqueue(requesterNotices(30, 'concurrent'), t.clock.now());
    const reports = await Promise.all(['a', 'b', 'c'].map((name) => sender(name).sendDue(t.clock)));
    assert.equal(reports.reduce((sum, r) => sum + r.sent, 0), 30);
    await assertEachDeliveredOnce(30);
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
