import assert from 'node:assert/strict';
import supertest from 'supertest';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

describe('API: callbacks without a survey link, by phone from the operators\' queue', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let operator: SignedInAgent;
  let dispatcher: SignedInAgent;
  let staff: SignedInAgent;
  let department: { id: string };

  before(async () => {
    department = await aDepartment(t.services);
    operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: department.id })).username, testPassword);
  });

  it('when the requester left only a landline, then the ticket waits in the callback queue and the operator\'s answer archives it', async () => {
    const created = await operator.post('/api/tickets').send({ channel: 'phone', requestType: 'inquiry', requester: { phone: '010-88886666' }, subject: '咨询社保', content: '请问退休手续在哪里办理？' });
    const id = created.body.id;
    await dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: department.id });
    await staff.post(`/api/tickets/${id}/accept`).send({});
    await staff.post(`/api/tickets/${id}/reply`).send({ text: '请到区社保中心办理。' });
    await dispatcher.post(`/api/tickets/${id}/approve-reply`).send({});
    const report = await t.services.callbacks.sendSurveys(t.clock.now());
    assert.equal(report.noContact, 1);
    const queue = await operator.get('/api/callbacks/queue');
    assert.equal(queue.status, 200);
    assert.deepEqual(queue.body.items.map((i: { id: string; reason: string }) => [i.id, i.reason]), [[id, 'no_contact']]);
    assert.equal((await staff.get('/api/callbacks/queue')).status, 403);
    const answered = await operator.post(`/api/tickets/${id}/callback`).send({ resolved: true, satisfaction: 'basically_satisfied', comment: '已办好' });
    assert.equal(answered.body.state, 'closed');
    assert.deepEqual(await t.services.callbacks.followUpAll(t.clock.now()), { archived: 1, reopened: 0 });
    assert.equal((await dispatcher.get(`/api/tickets/${id}`)).body.state, 'archived');
    assert.deepEqual((await operator.get('/api/callbacks/queue')).body.items, []);
  });

  it('when a survey token is wrong, then 404 SURVEY_NOT_FOUND; bad answers get 400 naming the field', async () => {
    const missing = await supertest(t.app).get('/api/public/surveys/abcdefghijklmnopqrstuvwxyz');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'SURVEY_NOT_FOUND');
    const bad = await supertest(t.app).post('/api/public/surveys/abcdefghijklmnopqrstuvwxyz').send({ resolved: 'yes', satisfaction: 'great' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort(), ['resolved', 'satisfaction']);
  });
});
