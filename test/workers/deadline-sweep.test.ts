import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import os from 'node:os';
import path from 'node:path';
import { fixedClock } from '../../core/platform/clock.js';
import { NoticeSender } from '../../core/notifications/notice-sender.js';
import { smtpTransport } from '../../core/notifications/mail-transport.js';
import { fileTransport } from '../../core/notifications/file-transport.js';
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
