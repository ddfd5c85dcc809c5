import assert from 'node:assert/strict';
import supertest from 'supertest';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

const webRequest = {
  requestType: 'complaint',
  requester: { name: '张三', phone: '13800138000', confidential: false },
  subject: '小区楼道堆放杂物',
  content: '我住的小区楼道里长期堆放杂物，存在消防隐患，请尽快处理。',
};

describe('API: a ticket from intake to archive', () => {
  // Monday 2026-03-02 10:00 China time.
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let operator: SignedInAgent;
  let dispatcher: SignedInAgent;
  let staff: SignedInAgent;
  let assistStaff: SignedInAgent;
  let lead: { id: string };
  let assist: { id: string };

  before(async () => {
    lead = await aDepartment(t.services, { kind: 'bureau' });
    assist = await aDepartment(t.services, { kind: 'street' });
    operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: lead.id })).username, testPassword);
    assistStaff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: assist.id })).username, testPassword);
  });

  it('when a ticket goes through dispatch, accept, replies, review, callback and archive, then every step is an event', async () => {
    const created = await operator.post('/api/tickets').send({ ...webRequest, channel: 'phone', callId: 'call-1' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.state, 'received');
    assert.match(created.body.number, /^20260302\d{6}$/);
    const id = created.body.id;
    assert.ok(created.body.allowedActions.includes('dispatch') === false, 'operators do not dispatch');

    const dispatched = await dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: lead.id, assists: [assist.id] });
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    assert.equal(dispatched.body.state, 'dispatched');
    // Normal complaint: accept within 1 working day, reply within 5 working days (Monday → next Monday 10:00).
    assert.equal(dispatched.body.assignments[0].acceptDueAt, '2026-03-03T02:00:00.000Z');
    assert.equal(dispatched.body.assignments[0].replyDueAt, '2026-03-09T02:00:00.000Z');

    assert.equal((await staff.post(`/api/tickets/${id}/accept`).send({})).body.state, 'in_handling');
    assert.equal((await assistStaff.post(`/api/tickets/${id}/accept`).send({})).body.state, 'in_handling');
    const leadReply = await staff.post(`/api/tickets/${id}/reply`).send({ text: '已清理楼道杂物。' });
    assert.equal(leadReply.body.state, 'in_handling', 'waits for the assisting department');
    const assistReply = await assistStaff.post(`/api/tickets/${id}/reply`).send({ text: '街道已配合检查。' });
    assert.equal(assistReply.body.state, 'replied');
    assert.equal((await dispatcher.post(`/api/tickets/${id}/approve-reply`).send({})).body.state, 'awaiting_callback');
    const callback = await operator.post(`/api/tickets/${id}/callback`).send({ resolved: true, satisfaction: 'satisfied' });
    assert.equal(callback.body.state, 'closed');
    assert.equal((await dispatcher.post(`/api/tickets/${id}/archive`).send({})).body.state, 'archived');

    const history = await dispatcher.get(`/api/tickets/${id}/history`);
    assert.deepEqual(history.body.items.map((e: { action: string }) => e.action), ['intake', 'dispatch', 'accept', 'accept', 'reply', 'reply', 'approve_reply', 'callback', 'archive']);
    assert.ok(history.body.items.every((e: { actor: { username: string }; at: string }) => e.actor.username && e.at));
  });

  it('when the public web form is retried 20 times at once with one Idempotency-Key, then exactly one ticket exists', async () => {
    const key = 'retry-key-0001';
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => supertest(t.app).post('/api/public/tickets').set('Idempotency-Key', key).send({ ...webRequest, requester: { ...webRequest.requester, phone: '13900000001' } })),
    );
    const numbers = new Set(responses.map((r) => r.body.number));
    assert.equal(numbers.size, 1, JSON.stringify(responses.map((r) => [r.status, r.body])));
    assert.deepEqual([...new Set(responses.map((r) => r.status))].sort(), [200, 201]);
    assert.equal(await t.services.tickets.tickets.countDocuments({ 'requester.phone': '13900000001' }), 1);
    const follow = await supertest(t.app).get(`/api/public/tickets/${[...numbers][0]}?phone=13900000001`);
    assert.equal(follow.status, 200);
    assert.equal(follow.body.state, 'received');
    const wrongPhone = await supertest(t.app).get(`/api/public/tickets/${[...numbers][0]}?phone=13900000002`);
    assert.equal(wrongPhone.status, 404);
  });

  it('when an administrator sets a category\'s limits, then tickets of it and of its sub-categories get those deadlines', async () => {
    const admin = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
    const parent = await admin.post('/api/categories').send({ name: '供水' });
    const child = await admin.post('/api/categories').send({ name: '停水', parentId: parent.body.id });
    const set = await admin.patch(`/api/categories/${parent.body.id}`).send({
      version: parent.body.version, limits: { accept: { normal: { amount: 2, unit: 'working_hours' } }, reply: { normal: { complaint: { amount: 1, unit: 'working_days' } } } },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const bad = await admin.patch(`/api/categories/${parent.body.id}`).send({ version: set.body.version, limits: { accept: { normal: { amount: -1, unit: 'weeks' } } } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort(), ['limits.accept.normal.amount', 'limits.accept.normal.unit']);
    const created = await operator.post('/api/tickets').send({ ...webRequest, channel: 'phone', categoryId: child.body.id });
    const dispatched = await dispatcher.post(`/api/tickets/${created.body.id}/dispatch`).send({ lead: lead.id });
    // Monday 10:00 China time: two working hours end at noon; one working day ends Tuesday 10:00.
    assert.equal(dispatched.body.assignments[0].acceptDueAt, '2026-03-02T04:00:00.000Z');
    assert.equal(dispatched.body.assignments[0].replyDueAt, '2026-03-03T02:00:00.000Z');

    // The sub-category sets its own reply limit only: the parent's accept limit still applies, limit by limit.
    const own = await admin.patch(`/api/categories/${child.body.id}`).send({ version: child.body.version, limits: { reply: { normal: { complaint: { amount: 3, unit: 'working_days' } } } } });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    const second = await operator.post('/api/tickets').send({ ...webRequest, channel: 'phone', categoryId: child.body.id });
    const both = await dispatcher.post(`/api/tickets/${second.body.id}/dispatch`).send({ lead: lead.id });
    assert.equal(both.body.assignments[0].acceptDueAt, '2026-03-02T04:00:00.000Z');
    assert.equal(both.body.assignments[0].replyDueAt, '2026-03-05T02:00:00.000Z');
  });
});
