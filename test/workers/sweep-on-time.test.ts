import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';
import { systemActor } from '../../core/accounts/access.js';
import type { JobName } from '../../core/jobs/job-names.js';
import { fileTransport } from '../../core/notifications/file-transport.js';
import { NoticeSender } from '../../core/notifications/notice-sender.js';
import { createLogger } from '../../core/platform/logger.js';
import { WebhookSender } from '../../core/webhooks/webhook-sender.js';
import { registerJobs } from '../../workers/register-jobs.js';
import { useTestApp } from '../helpers/test-app.js';

const at = (china: string) => new Date(`${china}+08:00`);

describe('Workers: warnings land at their instant, yellow always before red', function () {
  this.timeout(120_000);
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let agenda: Agenda;

  before(async () => {
    agenda = new Agenda({ backend: new MongoBackend({ mongo: t.connection.db as unknown as Db, collection: 'jobs' }), name: 'sweep-on-time-test' });
    const noticeSender = new NoticeSender(t.services.outbox, {
      sms: fileTransport(path.join(os.tmpdir(), `hotline12345-on-time-sms-${process.pid}.jsonl`)),
      email: fileTransport(path.join(os.tmpdir(), `hotline12345-on-time-mail-${process.pid}.jsonl`)),
    }, { name: 'sweep-on-time-test' });
    // The handlers as the worker registers them, run here by hand at the fixed clock's instants.
    const webhookSender = new WebhookSender(t.services.webhooks, { name: 'sweep-on-time-test', disableAfterFailures: 12, retryBaseMs: 30_000, retryMaxMs: 3_600_000, timeoutMs: 10_000 });
    await registerJobs(agenda, { services: t.services, clock: t.clock, logger: createLogger('silent'), noticeSender, webhookSender });
  });

  const intakeAt = async (china: string) =>
    (await t.services.tickets.intake({ actor: systemActor, now: at(china) }, { channel: 'phone', requestType: 'help', requester: { phone: '13900000000' }, subject: '井盖松动', content: '路口井盖松动有响声。' })).id;
  const runJobAt = async (name: JobName, now: Date) => {
    t.clock.set(now);
    await agenda.definitions[name]!.fn(agenda.create(name) as never);
  };
  const wakeJobs = () => t.connection.db!.collection('jobs').find({ name: 'tickets.sweep-at-due' }).toArray();
  const warnings = async (ticketId: string) =>
    (await t.services.tickets.events.find({ ticketId, action: 'warn' }).sort({ version: 1 }).lean()).map((e) => ({ level: String(e.data.level), at: e.at.toISOString() }));

  it('when the minute sweep runs before a 5-minute dispatch clock turns yellow, then it schedules one run at 3:45 exactly, which warns yellow then, and the next at 5:00 warns red', async () => {
    const id = await intakeAt('2026-03-02T10:00:00');
    await runJobAt('tickets.sweep-deadlines', at('2026-03-02T10:01:00'));
    let wake = await wakeJobs();
    assert.equal(wake.length, 1);
    assert.equal((wake[0]!.nextRunAt as Date).toISOString(), at('2026-03-02T10:03:45').toISOString());

    await runJobAt('tickets.sweep-at-due', wake[0]!.nextRunAt as Date);
    assert.deepEqual(await warnings(id), [{ level: 'yellow', at: at('2026-03-02T10:03:45').toISOString() }]);
    wake = await wakeJobs();
    assert.equal(wake.length, 1, 'the one wake-up job is moved, not added to');
    assert.equal((wake[0]!.nextRunAt as Date).toISOString(), at('2026-03-02T10:05:00').toISOString());

    await runJobAt('tickets.sweep-at-due', wake[0]!.nextRunAt as Date);
    assert.deepEqual((await warnings(id)).map((w) => `${w.level} ${w.at}`), [
      `yellow ${at('2026-03-02T10:03:45').toISOString()}`,
      `red ${at('2026-03-02T10:05:00').toISOString()}`,
    ]);
  });

  it('when a sweep first comes after the deadline (workers were down), then it records the yellow warning and then the red one', async () => {
    const id = await intakeAt('2026-03-02T11:00:00');
    await runJobAt('tickets.sweep-deadlines', at('2026-03-02T11:07:00'));
    assert.deepEqual((await warnings(id)).map((w) => w.level), ['yellow', 'red']);
    const ticket = await t.services.tickets.tickets.findById(id).lean();
    assert.equal(ticket?.warnedLevel, 'red');
    await runJobAt('tickets.sweep-deadlines', at('2026-03-02T11:08:00'));
    assert.deepEqual((await warnings(id)).map((w) => w.level), ['yellow', 'red'], 'nothing is raised twice');
  });
});
