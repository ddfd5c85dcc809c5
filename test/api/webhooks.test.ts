import assert from 'node:assert/strict';
import supertest from 'supertest';
import { systemActor } from '../../core/accounts/access.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

describe('API: webhook subscriptions, managed by administrators, every change audited', () => {
  const t = useTestApp();
  let admin: SignedInAgent;
  let supervisor: SignedInAgent;
  const valid = { partner: '市交通委业务系统', url: 'https://jtw.example.gov.cn/hotline/events', events: ['ticket.dispatched', 'ticket.replied'] };
  const auditOf = async (id: string) => (await admin.get(`/api/audit?entityType=webhook&entityId=${id}`)).body.items as { action: string; changes?: Record<string, unknown> }[];

  before(async () => {
    admin = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
    supervisor = await signIn(t.app, (await aUser(t.services, ['supervisor'])).username, testPassword);
  });

  it('when an administrator subscribes a receiver, then the secret is shown once and never again, and the creation is audited without it', async () => {
    const department = await aDepartment(t.services);
    const created = await admin.post('/api/webhooks').send({ ...valid, departmentId: department.id });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([created.body.enabled, created.body.departmentId, created.body.events], [true, department.id, valid.events]);
    assert.equal(created.body.secretHint, `${created.body.secret.slice(0, 10)}…`);

    const read = await admin.get(`/api/webhooks/${created.body.id}`);
    const listed = await admin.get('/api/webhooks');
    assert.equal(read.status, 200);
    assert.ok(!JSON.stringify([read.body, listed.body]).includes(created.body.secret));
    assert.ok(listed.body.eventTypes.includes('ticket.reopened'));
    const audit = await auditOf(created.body.id);
    assert.deepEqual(audit.map((a) => a.action), ['webhook.create']);
    assert.ok(!JSON.stringify(audit).includes(created.body.secret));
    assert.equal(audit[0]!.changes!.url, valid.url);
  });

  it('when a subscription is changed, rotated and deleted, then each step is audited and a stale version is refused', async () => {
    const { body: created } = await admin.post('/api/webhooks').send(valid);
    const off = await admin.patch(`/api/webhooks/${created.id}`).send({ version: created.version, enabled: false, events: ['ticket.created'] });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.deepEqual([off.body.enabled, off.body.disabledReason, off.body.events], [false, 'administrator', ['ticket.created']]);
    const stale = await admin.patch(`/api/webhooks/${created.id}`).send({ version: created.version, partner: '别的名字' });
    assert.deepEqual([stale.status, stale.body.error.code], [409, 'VERSION_CONFLICT']);

    const rotated = await admin.post(`/api/webhooks/${created.id}/secret`).send({ version: off.body.version });
    assert.equal(rotated.status, 200);
    assert.ok(rotated.body.secret.startsWith('whsec_') && rotated.body.secret !== created.secret);
    assert.equal((await admin.delete(`/api/webhooks/${created.id}`)).status, 204);
    assert.equal((await admin.get(`/api/webhooks/${created.id}`)).status, 404);

    const audit = await auditOf(created.id);
    assert.deepEqual(audit.map((a) => a.action).reverse(), ['webhook.create', 'webhook.update', 'webhook.rotate_secret', 'webhook.delete']);
    const update = audit.find((a) => a.action === 'webhook.update')!;
    assert.deepEqual(update.changes!.enabled, { from: true, to: false });
    assert.deepEqual(update.changes!.events, { from: valid.events, to: ['ticket.created'] });
    assert.ok(!JSON.stringify(audit).includes(rotated.body.secret));
  });

  it('when the input is wrong, then 400 names each field', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...valid, url: 'ftp://jtw.example.gov.cn/x' }, 'url', 'VALIDATION_FAILED'],
      [{ ...valid, url: 'javascript:alert(1)' }, 'url', 'VALIDATION_FAILED'],
      [{ ...valid, events: [] }, 'events', 'VALIDATION_FAILED'],
      [{ ...valid, events: ['ticket.exploded'] }, 'events.0', 'VALIDATION_FAILED'],
      [{ ...valid, partner: '' }, 'partner', 'VALIDATION_FAILED'],
      [{ ...valid, partner: '两行\n名字' }, 'partner', 'VALIDATION_FAILED'],
      [{ ...valid, departmentId: 'nope' }, 'departmentId', 'VALIDATION_FAILED'],
      [{ ...valid, secret: 'mine' }, 'secret', 'VALIDATION_FAILED'],
      [{ ...valid, departmentId: '0123456789abcdef01234567' }, 'departmentId', 'DEPARTMENT_NOT_FOUND'],
    ];
    const before = (await admin.get('/api/webhooks')).body.items.length;
    for (const [body, field, code] of cases) {
      const res = await admin.post('/api/webhooks').send(body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status}`);
      assert.equal(res.body.error.code, code);
      const fields: string[] = code === 'VALIDATION_FAILED' ? res.body.error.details.fields.map((f: { field: string }) => f.field) : [res.body.error.details.field];
      assert.ok(fields.includes(field), `${JSON.stringify(body)}: ${JSON.stringify(res.body.error)}`);
    }
    assert.equal((await admin.get('/api/webhooks')).body.items.length, before, 'nothing was created by the refused requests');
  });

  it('when the delivery log is read or a delivery replayed that does not exist or is still owed, then 404 or 409', async () => {
    const { body: created } = await admin.post('/api/webhooks').send({ ...valid, events: ['ticket.created'] });
    const ticket = await t.services.tickets.intake({ actor: systemActor, now: t.clock.now() }, {
      channel: 'web', requestType: 'help', subject: '路灯不亮', content: '路口路灯坏了。', requester: {},
    });
    const log = await admin.get(`/api/webhooks/${created.id}/deliveries`);
    assert.equal(log.status, 200);
    assert.deepEqual(log.body.items.map((d: { eventId: string; ticketNumber: string; state: string; attempts: number }) => [d.eventId, d.ticketNumber, d.state, d.attempts]), [[`${ticket.id}:1`, ticket.number, 'pending', 0]]);
    const owed = await admin.post(`/api/webhooks/${created.id}/deliveries/${log.body.items[0].id}/replay`);
    assert.deepEqual([owed.status, owed.body.error.code], [409, 'DELIVERY_NOT_DELIVERED']);
    const missing = await admin.post(`/api/webhooks/${created.id}/deliveries/${'0'.repeat(32)}/replay`);
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'WEBHOOK_DELIVERY_NOT_FOUND']);
    const bad = await admin.get(`/api/webhooks/${created.id}/deliveries?state=lost`);
    assert.deepEqual([bad.status, bad.body.error.details.fields[0].field], [400, 'state']);
  });

  it('when someone other than an administrator or nobody asks, then 403 or 401', async () => {
    assert.equal((await supervisor.get('/api/webhooks')).status, 403);
    assert.equal((await supervisor.post('/api/webhooks').send(valid)).status, 403);
    assert.equal((await supertest(t.app).get('/api/webhooks')).status, 401);
  });
});
