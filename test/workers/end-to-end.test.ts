import assert from 'node:assert/strict';
import supertest from 'supertest';
import { NoticeSender } from '../../core/notifications/notice-sender.js';
import { smtpTransport } from '../../core/notifications/mail-transport.js';
import { fileTransport } from '../../core/notifications/file-transport.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';
import os from 'node:os';
import path from 'node:path';

describe('Workers end to end: web intake to archive, through a dissatisfied callback', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let smtp: SmtpCapture;
  let sender: NoticeSender;
  let dispatcher: SignedInAgent;
  let staff: SignedInAgent;
  let department: { id: string };
  let categoryId: string;

  before(async () => {
    smtp = await startSmtpCapture();
    sender = new NoticeSender(t.services.outbox, {
      email: smtpTransport({ host: smtp.host, port: smtp.port, secure: false, from: '12345 热线 <noreply@hotline12345.test>' }),
      sms: fileTransport(path.join(os.tmpdir(), `hotline12345-sms-${process.pid}.jsonl`)),
    }, { name: 'e2e' });
    department = await aDepartment(t.services, { name: '住建委', contacts: { emails: ['housing@dept.test'] } });
    categoryId = (await aCategory(t.services, { name: '城乡建设', defaultDepartmentId: department.id })).id;
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: department.id })).username, testPassword);
  });
  after(() => smtp.close());

  const runWorkers = async () => {
    await t.services.routing.routePending(t.clock.now());
    await t.services.callbacks.sendSurveys(t.clock.now());
    await t.services.callbacks.followUpAll(t.clock.now());
    await sender.sendDue(t.clock);
  };
  const mailsTo = (to: string, subject: RegExp) => smtp.messages.filter((m) => m.to && JSON.stringify(m.to).includes(to) && subject.test(m.subject ?? ''));
  const surveyToken = () => {
    const mail = mailsTo('citizen@example.test', /评价/).at(-1);
    const match = /\/survey\/([A-Za-z0-9_-]+)/.exec(mail?.text ?? '');
    assert.ok(match, `no survey link in: ${mail?.text}`);
    return match[1]!;
  };
  const handle = async (id: string) => {
    t.clock.advance(3_600_000);
    assert.equal((await staff.post(`/api/tickets/${id}/accept`).send({})).status, 200);
    t.clock.advance(3_600_000);
    assert.equal((await staff.post(`/api/tickets/${id}/reply`).send({ text: '已安排维修。' })).status, 200);
    assert.equal((await dispatcher.post(`/api/tickets/${id}/approve-reply`).send({})).body.state, 'awaiting_callback');
    await runWorkers();
  };

  it('when a citizen is dissatisfied once and then satisfied, then the ticket is reopened, archived, every mail arrives once, and the counters agree', async () => {
    const submitted = await supertest(t.app).post('/api/public/tickets').send({
      requestType: 'complaint', categoryId, requester: { name: '王五', phone: '010-62345678', email: 'citizen@example.test' },
      subject: '楼道灯坏了', content: '我家楼道的灯坏了两个星期，晚上上下楼很不安全。',
    });
    assert.equal(submitted.status, 201);
    const { items: [listed] } = (await dispatcher.get(`/api/tickets?phone=010-62345678`)).body;
    const id: string = listed.id;

    await runWorkers();
    assert.equal((await dispatcher.get(`/api/tickets/${id}`)).body.state, 'dispatched', 'routed and dispatched by the routing job');
    await handle(id);
    const dissatisfied = await supertest(t.app).post(`/api/public/surveys/${surveyToken()}`).send({ resolved: false, satisfaction: 'dissatisfied', comment: '灯还是不亮' });
    assert.equal(dissatisfied.body.outcome, 'reopened');
    const reopened = (await dispatcher.get(`/api/tickets/${id}`)).body;
    assert.equal(reopened.state, 'dispatched');
    assert.equal(reopened.assignments[0].departmentId, department.id);
    assert.equal((await supertest(t.app).post(`/api/public/surveys/${surveyToken()}`).send({ resolved: true, satisfaction: 'satisfied' })).status, 404, 'a link works once');

    await runWorkers();
    await handle(id);
    const satisfied = await supertest(t.app).post(`/api/public/surveys/${surveyToken()}`).send({ resolved: true, satisfaction: 'satisfied' });
    assert.equal(satisfied.body.outcome, 'archived');
    await runWorkers();

    assert.equal(mailsTo('citizen@example.test', /受理|received/i).length, 1);
    assert.equal(mailsTo('housing@dept.test', /派|dispatch/i).length, 2);
    assert.equal(mailsTo('citizen@example.test', /评价/).length, 2);
    assert.ok([...smtp.copiesByMessageId().values()].every((copies) => copies === 1));

    const history = (await dispatcher.get(`/api/tickets/${id}/history`)).body.items.map((e: { action: string }) => e.action);
    assert.deepEqual(history, [
      'intake', 'propose_routing', 'dispatch', 'accept', 'reply', 'approve_reply', 'send_survey', 'callback', 'reopen',
      'accept', 'reply', 'approve_reply', 'send_survey', 'callback', 'archive',
    ]);

    const day = (await t.services.counters.totals('2026-03-01', '2026-03-31')).get(department.id);
    assert.deepEqual(
      { dispatched: day?.dispatched, accepted: day?.accepted, acceptedOnTime: day?.acceptedOnTime, replied: day?.replied, repliedOnTime: day?.repliedOnTime, reopened: day?.reopened, satisfactionAnswered: day?.satisfactionAnswered, satisfied: day?.satisfied, dissatisfied: day?.dissatisfied, resolutionAnswered: day?.resolutionAnswered, resolved: day?.resolved, archived: day?.archived },
      { dispatched: 2, accepted: 2, acceptedOnTime: 2, replied: 2, repliedOnTime: 2, reopened: 1, satisfactionAnswered: 2, satisfied: 1, dissatisfied: 1, resolutionAnswered: 2, resolved: 1, archived: 1 },
    );
    const ranking = await dispatcher.get('/api/analytics/ranking?from=2026-03-01&to=2026-03-31');
    const row = ranking.body.rows.find((r: { departmentId: string }) => r.departmentId === department.id);
    assert.equal(row.rates.satisfaction, 0.5);
    assert.equal(row.rates.response, 1);
  });
});
