import assert from 'node:assert/strict';
import supertest from 'supertest';
import { useTestApp, useTicketDesk } from '../helpers/test-app.js';

describe('API: callbacks without a survey link, by phone from the operators\' queue', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const desk = useTicketDesk(t);

  it('when the requester left only a landline, then the ticket waits in the callback queue and the operator\'s answer archives it', async () => {
    const created = await desk.operator.post('/api/tickets').send({ channel: 'phone', requestType: 'inquiry', requester: { phone: '010-88886666' }, subject: '咨询社保', content: '请问退休手续在哪里办理？' });
    const id = created.body.id;
    await desk.dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: desk.department.id });
    await desk.staff.post(`/api/tickets/${id}/accept`).send({});
    await desk.staff.post(`/api/tickets/${id}/reply`).send({ text: '请到区社保中心办理。' });
    await desk.dispatcher.post(`/api/tickets/${id}/approve-reply`).send({});
    const report = await t.services.callbacks.sendSurveys(t.clock.now());
    assert.equal(report.noContact, 1);
    const queue = await desk.operator.get('/api/callbacks/queue');
    assert.equal(queue.status, 200);
    assert.deepEqual(queue.body.items.map((i: { id: string; reason: string }) => [i.id, i.reason]), [[id, 'no_contact']]);
    assert.equal((await desk.staff.get('/api/callbacks/queue')).status, 403);
    const answered = await desk.operator.post(`/api/tickets/${id}/callback`).send({ resolved: true, satisfaction: 'basically_satisfied', comment: '已办好' });
    assert.equal(answered.body.state, 'closed');
    assert.deepEqual(await t.services.callbacks.followUpAll(t.clock.now()), { archived: 1, reopened: 0 });
    assert.equal((await desk.dispatcher.get(`/api/tickets/${id}`)).body.state, 'archived');
    assert.deepEqual((await desk.operator.get('/api/callbacks/queue')).body.items, []);
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
