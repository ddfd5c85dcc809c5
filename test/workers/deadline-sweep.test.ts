import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import os from 'node:os';
import { Types } from 'mongoose';
import path from 'node:path';
import { fixedClock } from '../../core/platform/clock.js';
import { NoticeSender } from '../../core/notifications/notice-sender.js';
import { smtpTransport } from '../../core/notifications/mail-transport.js';
import { fileTransport } from '../../core/notifications/file-transport.js';
import { DeadlineMinutes } from '../../core/sla/deadline-minutes.js';
import { aDepartment, aUser } from '../builders/builders.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { useTestApp } from '../helpers/test-app.js';

const at = (china: string) => new Date(`${china}+08:00`);

describe('Workers: the deadline sweep across the 2026 National Day holiday', () => {
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

describe('Workers: the minute lists the deadline sweep reads by _id', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let lists: DeadlineMinutes;
  before(() => {
    lists = new DeadlineMinutes(t.connection);
  });

  const minuteAfter = (minute: string, minutes: number) => new Date(new Date(`${minute}:00Z`).getTime() + minutes * 60_000).toISOString().slice(0, 16);
  const ticketDue = async (id: string) => (await t.services.tickets.tickets.findById(id).lean())!;

  it('when a ticket is dispatched, then accepted, then it is listed under each new deadline minute, and the sweep of the old minute reads it and leaves it alone', async () => {
    const department = await aDepartment(t.services);
    const staff = await aUser(t.services, ['department_staff'], { departmentId: department.id });
    const ctx = { actor: systemActor, now: at('2026-03-02T10:00:00') };
    const { id } = await t.services.tickets.intake(ctx, { channel: 'phone', requestType: 'help', requester: { phone: '13900000000' }, subject: '井盖松动', content: '路口井盖松动有响声。' });
    const received = (await ticketDue(id)).deadlineMinute!;
    await t.services.tickets.act(ctx, id, 'dispatch', { lead: department.id });
    const dispatched = (await ticketDue(id)).deadlineMinute!;
    const staffActor = { userId: staff.id, username: staff.username, roles: staff.roles, departmentId: department.id, via: 'session' as const };
    await t.services.tickets.act({ actor: staffActor, now: at('2026-03-02T10:05:00') }, id, 'accept', {});
    const accepted = (await ticketDue(id)).deadlineMinute!;
    assert.notEqual(dispatched, accepted);
    for (const minute of [received, dispatched, accepted]) assert.ok((await lists.listed(minute)).includes(id), `listed under ${minute}`);

    // The first sweep sets the mark; the next walks the minutes up to the dispatch clock's old yellow minute.
    await t.services.deadlineSweep.run(new Date(`${minuteAfter(dispatched, -3)}:00Z`));
    const report = await t.services.deadlineSweep.run(new Date(`${dispatched}:00Z`));
    assert.equal(report.minutes, 3);
    assert.ok(report.read >= 1);
    assert.equal(report.examined, 0);
    assert.equal(report.warned, 0);
  });

  it('when two writers list 40 tickets under one minute at once, then every ticket is listed once, in slots without a gap', async () => {
    const other = new DeadlineMinutes(t.connection);
    const ids = Array.from({ length: 40 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await Promise.all(ids.map((id, i) => (i % 2 ? lists : other).list(id, '2026-03-05T02:00')));
    const listed = await lists.listed('2026-03-05T02:00');
    assert.deepEqual([...listed].sort(), ids);
    assert.equal(await lists.entries.countDocuments({ _id: { $in: ids.map((_, slot) => `2026-03-05T02:00#${slot}`) } }), 40);
  });

  it('when the sweep walks a minute, then the entries of that minute a day earlier are purged and the minute itself is kept', async () => {
    const walked = '2026-03-04T03:00';
    const dayBefore = '2026-03-03T03:00';
    // As if the last sweep had run two minutes before.
    await t.connection.db!.collection<{ _id: string; through: string }>('sweep_marks').updateOne({ _id: 'deadlines' }, { $set: { through: minuteAfter(walked, -2) } }, { upsert: true });
    const [a, b, c] = Array.from({ length: 3 }, () => new Types.ObjectId().toHexString());
    await lists.list(a!, dayBefore);
    await lists.list(b!, dayBefore);
    await lists.list(c!, walked);
    const report = await t.services.deadlineSweep.run(new Date(`${walked}:00Z`));
    assert.equal(report.minutes, 2);
    assert.deepEqual(await lists.listed(dayBefore), []);
    assert.deepEqual(await lists.listed(walked), [c]);
  });
});
