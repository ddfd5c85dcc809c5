import assert from 'node:assert/strict';
import supertest from 'supertest';
import type { Role } from '../../core/accounts/roles.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

const complaint = (phone: string, confidential = false) => ({
  channel: 'phone',
  requestType: 'complaint',
  requester: { name: '李四', phone, confidential },
  subject: '夜间施工噪音',
  content: '工地每天晚上十一点以后还在施工，噪音很大，影响休息。',
});

describe('API: who may act on tickets, privacy and concurrency', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const as = {} as Record<Role | 'other_staff' | 'parent_staff', SignedInAgent>;
  let district: { id: string };
  let street: { id: string };
  let other: { id: string };

  before(async () => {
    district = await aDepartment(t.services, { kind: 'district' });
    street = await aDepartment(t.services, { kind: 'street', parentId: district.id });
    other = await aDepartment(t.services, { kind: 'bureau' });
    for (const role of ['operator', 'dispatcher', 'supervisor', 'administrator'] as const) {
      as[role] = await signIn(t.app, (await aUser(t.services, [role])).username, testPassword);
    }
    as.department_staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: street.id })).username, testPassword);
    as.department_head = await signIn(t.app, (await aUser(t.services, ['department_head'], { departmentId: street.id })).username, testPassword);
    as.parent_staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: district.id })).username, testPassword);
    as.other_staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: other.id })).username, testPassword);
  });

  async function dispatchedTicket(phone = '13700000000', confidential = false): Promise<string> {
    const created = await as.operator.post('/api/tickets').send(complaint(phone, confidential));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const dispatched = await as.dispatcher.post(`/api/tickets/${created.body.id}/dispatch`).send({ lead: street.id });
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    return created.body.id;
  }

  it('when department users act on a ticket, then their own department and the one above may, others get 404', async () => {
    const id = await dispatchedTicket();
    assert.equal((await as.other_staff.get(`/api/tickets/${id}`)).status, 404);
    assert.equal((await as.other_staff.post(`/api/tickets/${id}/accept`).send({})).status, 404);
    assert.equal((await as.parent_staff.get(`/api/tickets/${id}`)).status, 200);
    const list = await as.other_staff.get('/api/tickets');
    assert.ok(!list.body.items.some((i: { id: string }) => i.id === id));
    const ownList = await as.department_staff.get('/api/tickets?open=true');
    assert.ok(ownList.body.items.some((i: { id: string }) => i.id === id));
    const accepted = await as.department_head.post(`/api/tickets/${id}/accept`).send({});
    assert.equal(accepted.status, 200);
  });

  it('when a role may not take an action, then 403 with the allowed actions; in the wrong state, 409 with the state', async () => {
    const id = await dispatchedTicket();
    const byOperator = await as.operator.post(`/api/tickets/${id}/urge`).send({});
    assert.equal(byOperator.status, 403);
    assert.equal(byOperator.body.error.code, 'FORBIDDEN');
    assert.deepEqual(byOperator.body.error.details.allowedActions, ['merge']);
    const supervise = await as.dispatcher.post(`/api/tickets/${id}/supervise`).send({ reason: '超期' });
    assert.equal(supervise.status, 403);
    assert.equal((await as.supervisor.post(`/api/tickets/${id}/supervise`).send({ reason: '超期' })).status, 200);
    const wrongState = await as.dispatcher.post(`/api/tickets/${id}/approve-reply`).send({});
    assert.equal(wrongState.status, 409);
    assert.equal(wrongState.body.error.code, 'INVALID_TRANSITION');
    assert.equal(wrongState.body.error.details.state, 'dispatched');
    assert.ok(wrongState.body.error.details.allowedActions.includes('redispatch'));
    const staffDispatch = await as.department_staff.post(`/api/tickets/${id}/redispatch`).send({ lead: other.id, reason: '派错' });
    assert.equal(staffDispatch.status, 403);
  });

  it('when two department users accept at the same moment, then exactly one wins and the other gets 409', async () => {
    const id = await dispatchedTicket();
    const [a, b] = await Promise.all([
      as.department_staff.post(`/api/tickets/${id}/accept`).send({}),
      as.department_head.post(`/api/tickets/${id}/accept`).send({}),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409], JSON.stringify([a.body, b.body]));
    const loser = a.status === 409 ? a : b;
    assert.ok(['VERSION_CONFLICT', 'INVALID_TRANSITION'].includes(loser.body.error.code));
    assert.equal(loser.body.error.details.state, 'in_handling');
    const history = await as.dispatcher.get(`/api/tickets/${id}/history`);
    assert.equal(history.body.items.filter((e: { action: string }) => e.action === 'accept').length, 1);
  });

  it('when a client sends a stale version, then 409 VERSION_CONFLICT and nothing changes', async () => {
    const id = await dispatchedTicket();
    const stale = await as.department_staff.post(`/api/tickets/${id}/accept`).send({ version: 1 });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'VERSION_CONFLICT');
    assert.equal((await as.dispatcher.get(`/api/tickets/${id}`)).body.state, 'dispatched');
  });

  it('when the requester asked for confidentiality, then department users never see name or phone, and centre reads are logged', async () => {
    const id = await dispatchedTicket('13611112222', true);
    const forDepartment = await as.department_staff.get(`/api/tickets/${id}`);
    assert.equal(forDepartment.body.requesterMasked, true);
    assert.doesNotMatch(JSON.stringify(forDepartment.body), /13611112222|李四/);
    const list = await as.department_staff.get('/api/tickets');
    assert.doesNotMatch(JSON.stringify(list.body), /13611112222|李四|1361/);
    const forCentre = await as.dispatcher.get(`/api/tickets/${id}`);
    assert.equal(forCentre.body.requester.phone, '13611112222');
    const reads = await as.supervisor.get(`/api/tickets/${id}/requester-reads`);
    assert.equal(reads.status, 200);
    const readers = reads.body.items.map((r: { username: string }) => r.username);
    assert.ok(readers.some((u: string) => u.startsWith('dispatcher')));
    assert.ok(!readers.some((u: string) => u.startsWith('departmentstaff')), 'masked reads are not reads of personal data');
    assert.equal((await as.operator.get(`/api/tickets/${id}/requester-reads`)).status, 403);
  });

  it('when a department user acts on a confidential ticket, then the answer carries neither name nor phone, nor any internal record', async () => {
    const id = await dispatchedTicket('13611116666', true);
    const accepted = await as.department_staff.post(`/api/tickets/${id}/accept`).send({});
    assert.equal(accepted.status, 200);
    assert.doesNotMatch(JSON.stringify(accepted.body), /13611116666|李四/);
    for (const internal of ['effects', 'effectsDueAt', 'idempotencyKey', 'idempotencyFingerprint', 'terms', 'scope']) {
      assert.ok(!(internal in accepted.body), `${internal} in the answer`);
    }
  });

  it("when a department user filters by a confidential requester's phone, then nothing matches: the filter cannot confirm who called", async () => {
    const id = await dispatchedTicket('13611114444', true);
    const byDepartment = await as.department_staff.get('/api/tickets?phone=13611114444');
    assert.equal(byDepartment.status, 200);
    assert.deepEqual(byDepartment.body.items, []);
    assert.deepEqual((await as.parent_staff.get('/api/tickets?phone=13611114444')).body.items, []);
    const unfiltered = await as.department_staff.get('/api/tickets');
    assert.ok(unfiltered.body.items.some((i: { id: string }) => i.id === id), 'the ticket itself stays in the list');
    assert.deepEqual((await as.dispatcher.get('/api/tickets?phone=13611114444')).body.items.map((i: { id: string }) => i.id), [id]);
    const open = await dispatchedTicket('13611115555', false);
    assert.deepEqual((await as.department_staff.get('/api/tickets?phone=13611115555')).body.items.map((i: { id: string }) => i.id), [open]);
  });

  it('when a department user reads a non-confidential ticket, then the read of name and phone is logged', async () => {
    const id = await dispatchedTicket('13611113333', false);
    const seen = await as.department_staff.get(`/api/tickets/${id}`);
    assert.equal(seen.body.requester.phone, '13611113333');
    const reads = await as.supervisor.get(`/api/tickets/${id}/requester-reads`);
    assert.ok(reads.body.items.some((r: { username: string }) => r.username.startsWith('departmentstaff')));
  });

  it("when an operator looks up a caller, then the caller's earlier tickets come newest first and the lookup is logged", async () => {
    await dispatchedTicket('13522223333');
    await dispatchedTicket('13522223333');
    const history = await as.operator.get('/api/callers/13522223333/tickets');
    assert.equal(history.status, 200);
    assert.equal(history.body.items.length, 2);
    assert.equal(history.body.items[0].requesterPhone, '135****3333');
    assert.equal((await as.department_staff.get('/api/callers/13522223333/tickets')).status, 403);
  });

  it('when lists are filtered and paged, then every filter narrows and the cursor walks all pages once', async () => {
    for (let i = 0; i < 5; i++) await as.operator.post('/api/tickets').send({ ...complaint('13000000009'), urgency: i % 2 ? 'urgent' : 'normal' });
    const urgent = await as.dispatcher.get('/api/tickets?phone=13000000009&urgency=urgent');
    assert.equal(urgent.body.items.length, 2);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await as.dispatcher.get(`/api/tickets?phone=13000000009&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
    const received = await as.dispatcher.get('/api/tickets?state=received&phone=13000000009&channel=phone');
    assert.equal(received.body.items.length, 5);
    assert.equal((await as.dispatcher.get('/api/tickets?cursor=garbage')).status, 400);
  });

  it('when the public web form is flooded from one address, then it answers 429 after the hourly limit', async () => {
    const body = { requestType: 'inquiry', requester: { phone: '13100000000' }, subject: '咨询', content: '请问办理居住证需要什么材料？' };
    let last = 0;
    for (let i = 0; i < 21; i++) last = (await supertest(t.app).post('/api/public/tickets').send(body)).status;
    assert.equal(last, 429);
    const res = await supertest(t.app).post('/api/public/tickets').send(body);
    assert.equal(res.body.error.code, 'RATE_LIMITED');
    assert.ok(Number(res.headers['retry-after']) > 0);
  });
});
