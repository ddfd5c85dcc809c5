import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import os from 'node:os';
import { Types } from 'mongoose';
import path from 'node:path';
import { fixedClock } from '../../core/platform/clock.js';
import { NoticeSender } from '../../core/notifications/notice-sender.js';
import { smtpTransport } from '../../core/notifications/mail-transport.js';
import { fileTransport } from '../../core/notifications/file-transport.js';
import { DeadlineSweep } from '../../core/sla/deadline-sweep.js';
import { aDepartment, aUser } from '../builders/builders.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { useTestApp } from '../helpers/test-app.js';

const at = (china: string) => new Date(`${china}+08:00`);

describe('Workers: the deadline sweep across the 2026 National Day holiday', function () {
  // A bound for a hang, not for speed: every step awaits its result, and a loaded machine is slow.
  this.timeout(180_000);
  const t = useTestApp({ at: '2026-09-30T02:00:00Z' });
  let ticketId: string;
  let smtp: SmtpCapture;
  let sender: NoticeSender;

  before(async () => {
    smtp = await startSmtpCapture();
    sender = new NoticeSender(t.services.outbox, {
      email: smtpTransport({ host: smtp.host, port: smtp.port, secure: false, from: '12345 <noreply@hotline12345.test>' }),
      sms: fileTransport(path.join(os.tmpdir(), `hotline12345-sweep-sms-${process.pid}.jsonl`)),
    }, { name: 'sweep-test' });
    const department = await aDepartment(t.services, { contacts: { emails: ['street@dept.test'] } });
    await aUser(t.services, ['department_head'], { departmentId: department.id, email: 'head@dept.test' });
    await aUser(t.services, ['supervisor'], { email: 'supervisor@centre.test' });
    const ctx = { actor: systemActor, now: at('2026-09-30T10:00:00') };
    const { id } = await t.services.tickets.intake(ctx, {
      channel: 'phone', requestType: 'complaint', requester: { phone: '13800000000' }, subject: '路灯不亮', content: '小区门口路灯坏了一周。',
    });
    ticketId = id;
    await t.services.tickets.act(ctx, id, 'dispatch', { lead: department.id });
  });

  after(() => smtp.close());

  /** The sweep, then the notice sender, both at the given China time. */
  const sweepAt = async (china: string) => {
    const report = await t.services.deadlineSweep.run(at(china));
    await sender.sendDue(fixedClock(at(china)));
    return report;
  };
  const mails = (subject: RegExp) => smtp.messages.filter((m) => subject.test(m.subject ?? '')).map((m) => JSON.stringify(m.to)).sort();
  const actions = async () => (await t.services.tickets.events.find({ ticketId }).sort({ version: 1 }).lean()).map((e) => `${e.action}${e.data.level ? `:${e.data.level}` : ''}`);

  it('when 75 % of the accept limit has passed (16:45 the same day), then a yellow warning is recorded once', async () => {
    await sweepAt('2026-09-30T16:40:00');
    assert.deepEqual(await actions(), ['intake', 'dispatch']);
    const report = await sweepAt('2026-09-30T16:46:00');
    assert.equal(report.warned, 1);
    await sweepAt('2026-09-30T16:47:00');
    assert.deepEqual(await actions(), ['intake', 'dispatch', 'warn:yellow']);
  });

  it('when the holiday passes, then nothing turns red before work resumes; red at 10:00 on 10-08 urges the department', async () => {
    await sweepAt('2026-10-05T12:00:00');
    assert.deepEqual(await actions(), ['intake', 'dispatch', 'warn:yellow']);
    await sweepAt('2026-10-08T09:59:00');
    assert.deepEqual(await actions(), ['intake', 'dispatch', 'warn:yellow']);
    assert.equal(mails(/催办/).length, 0, 'no urge before the deadline');
    await sweepAt('2026-10-08T10:01:00');
    await smtp.waitFor(1);
    assert.equal(mails(/催办/).length, 1);
    assert.match(mails(/催办/)[0]!, /street@dept\.test/);
    assert.deepEqual(await actions(), ['intake', 'dispatch', 'warn:yellow', 'warn:red']);
    const ticket = await t.services.tickets.tickets.findById(ticketId).lean();
    assert.equal(ticket?.warning, 'red');
    assert.equal(ticket?.urgeCount, 1);
  });

  it('when still red one working day later, then it is supervised, and sweeping again changes nothing', async () => {
    await sweepAt('2026-10-09T09:59:00');
    assert.equal((await actions()).includes('supervise'), false);
    assert.equal(mails(/督办/).length, 0);
    await sweepAt('2026-10-09T10:01:00');
    await smtp.waitFor(3);
    const supervised = mails(/督办/);
    assert.equal(supervised.length, 2);
    assert.match(supervised.join(' '), /head@dept\.test/);
    assert.match(supervised.join(' '), /supervisor@centre\.test/);
    const before = await t.services.tickets.tickets.findById(ticketId).lean();
    assert.ok(before?.supervisedAt);
    const again = await sweepAt('2026-10-09T10:02:00');
    assert.equal(again.warned + again.supervised, 0);
    const caughtUp = await sweepAt('2026-10-20T10:00:00');
    assert.equal(caughtUp.warned + caughtUp.supervised, 0);
    const after = await t.services.tickets.tickets.findById(ticketId).lean();
    assert.equal(after?.version, before?.version);
    assert.deepEqual(await actions(), ['intake', 'dispatch', 'warn:yellow', 'warn:red', 'supervise']);
    assert.equal(mails(/催办/).length, 1, 'sweeping again mails nobody twice');
    assert.equal(mails(/督办/).length, 2);
  });
});

describe('Workers: the deadline sweep reads due tickets by their next deadline', function () {
  this.timeout(180_000);
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const intakeAt = async (china: string) =>
    (await t.services.tickets.intake({ actor: systemActor, now: at(china) }, { channel: 'phone', requestType: 'help', requester: { phone: '13900000000' }, subject: '井盖松动', content: '路口井盖松动有响声。' })).id;
  const intakeMany = async (count: number, china: string) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await intakeAt(china));
    return ids;
  };
  const warnings = async (ids: string[]) => {
    const events = await t.services.tickets.events.find({ ticketId: { $in: ids }, action: 'warn' }).lean();
    return ids.map((id) => events.filter((e) => e.ticketId === id).map((e) => String(e.data.level)).sort().join(','));
  };
  /** Every warning recorded at most once per ticket and level, over the whole database. */
  const duplicateWarnings = async () => {
    const seen = new Map<string, number>();
    for (const e of await t.services.tickets.events.find({ action: 'warn' }).lean()) seen.set(`${e.ticketId} ${String(e.data.level)}`, (seen.get(`${e.ticketId} ${String(e.data.level)}`) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1);
  };

  it('when five tickets are due and one is not, then one sweep warns the five once, in batches, and leaves the other alone; a second sweep finds nothing due', async () => {
    // The dispatch clock runs 5 minutes: yellow after 3:45.
    const due = await intakeMany(5, '2026-03-02T10:00:00');
    const notDue = await intakeAt('2026-03-02T10:03:00');
    const sweep = new DeadlineSweep(t.services.tickets, t.services.repositories.tickets, { batchSize: 2, concurrency: 3 });
    const report = await sweep.run(at('2026-03-02T10:04:00'));
    // The next deadline stored: the five's red, before the sixth's yellow (10:06:45).
    assert.deepEqual(report, { examined: 5, warned: 5, supervised: 0, conflicts: 0, nextDueAt: at('2026-03-02T10:05:00') });
    assert.deepEqual(await warnings(due), Array(5).fill('yellow'));
    const untouched = await t.services.tickets.tickets.findById(notDue).lean();
    assert.equal(untouched?.version, 1);
    assert.deepEqual(await warnings([notDue]), ['']);
    for (const id of due) assert.ok((await t.services.tickets.tickets.findById(id).lean())!.nextDeadlineAt! > at('2026-03-02T10:04:00'));
    assert.deepEqual(await sweep.run(at('2026-03-02T10:04:00')), { examined: 0, warned: 0, supervised: 0, conflicts: 0, nextDueAt: at('2026-03-02T10:05:00') });
  });

  it('when two sweeps run at once (two workers), then each due ticket is warned once', async () => {
    const due = await intakeMany(6, '2026-03-02T11:00:00');
    const other = new DeadlineSweep(t.services.tickets, t.services.repositories.tickets, { batchSize: 3, concurrency: 2 });
    const now = at('2026-03-02T11:06:00');
    const [a, b] = await Promise.all([t.services.deadlineSweep.run(now), other.run(now)]);
    // Red now: the six new tickets (never yellow: each is warned yellow, then red), and the six of the
    // first test (five yellow already, one not).
    assert.equal(a.warned + b.warned, 6 * 2 + 5 + 2);
    assert.deepEqual(await warnings(due), Array(6).fill('red,yellow'));
    assert.deepEqual(await duplicateWarnings(), []);
    const again = await t.services.deadlineSweep.run(now);
    assert.equal(again.warned, 0);
  });

  it('when due tickets have nothing left to raise, then the sweep pages past them to the ones after them and ends', async () => {
    // Tickets whose stored deadline lies behind their clocks (as a write from an older rule might leave them):
    // due by the query, with nothing to raise, and not written by the sweep.
    const stale = await intakeMany(3, '2026-03-02T16:59:00');
    await t.connection.db!.collection('tickets').updateMany({ _id: { $in: stale.map((id) => new Types.ObjectId(id)) } }, { $set: { nextDeadlineAt: at('2026-03-02T09:00:00') } });
    const late = await intakeAt('2026-03-02T16:50:00');
    const sweep = new DeadlineSweep(t.services.tickets, t.services.repositories.tickets, { batchSize: 1, concurrency: 1 });
    const report = await sweep.run(at('2026-03-02T17:00:00'));
    assert.deepEqual(report, { examined: 4, warned: 2, supervised: 0, conflicts: 0, nextDueAt: null });
    assert.deepEqual(await warnings([late, ...stale]), ['red,yellow', '', '', '']);
    assert.deepEqual((await t.services.tickets.tickets.find({ _id: { $in: stale } }).lean()).map((ticket) => ticket.version), [1, 1, 1]);
  });
});
