import assert from 'node:assert/strict';
import supertest from 'supertest';
import { sessionRetentionSeconds } from '../../core/accounts/account-models.js';
import { aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp } from '../helpers/test-app.js';

describe('API: sign-in, sessions, CSRF and tokens', () => {
  const t = useTestApp({ maxFailures: 3 });

  it('when the password is right, then a httpOnly SameSite session cookie and a CSRF token are returned', async () => {
    const user = await aUser(t.services, ['operator']);
    const res = await supertest(t.app).post('/api/auth/login').send({ username: user.username, password: testPassword });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.username, user.username);
    assert.ok(res.body.csrfToken.length > 20);
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, /h12345_session=/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
  });

  it('when the password is wrong, then 401 INVALID_CREDENTIALS and the failure is audited', async () => {
    const user = await aUser(t.services, ['operator']);
    const res = await supertest(t.app).post('/api/auth/login').send({ username: user.username, password: 'wrong password!' });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'INVALID_CREDENTIALS');
    const audit = await t.services.audit.list({ action: 'session.login_failed', entityId: user.id, limit: 5 });
    assert.equal(audit.length, 1);
  });

  it('when a user fails too often, then sign-in is throttled with 429 and Retry-After, even with the right password', async () => {
    const user = await aUser(t.services, ['operator']);
    for (let i = 0; i < 3; i++) {
      const res = await supertest(t.app).post('/api/auth/login').send({ username: user.username, password: 'wrong password!' });
      assert.equal(res.status, 401);
    }
    const locked = await supertest(t.app).post('/api/auth/login').send({ username: user.username, password: testPassword });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.code, 'LOGIN_THROTTLED');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    t.clock.advance(16 * 60_000);
    const later = await supertest(t.app).post('/api/auth/login').send({ username: user.username, password: testPassword });
    assert.equal(later.status, 200);
  });

  it('when signed out, then the session no longer authenticates', async () => {
    const user = await aUser(t.services, ['supervisor']);
    const session = await signIn(t.app, user.username, testPassword);
    assert.equal((await session.get('/api/auth/session')).status, 200);
    assert.equal((await session.post('/api/auth/logout')).status, 204);
    const after = await session.get('/api/auth/session');
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, 'UNAUTHENTICATED');
  });

  it('when a session expires, then it is refused although the record still exists', async () => {
    const user = await aUser(t.services, ['supervisor']);
    const session = await signIn(t.app, user.username, testPassword);
    t.clock.advance(13 * 3_600_000);
    assert.equal((await session.get('/api/auth/session')).status, 401);
    // The record goes by itself later: a TTL index on the expiry, no clean-up job.
    const indexes = await t.connection.collection('sessions').indexes();
    assert.ok(indexes.some((index) => index.key.storedAt === 1 && index.expireAfterSeconds === sessionRetentionSeconds), JSON.stringify(indexes));
    const stored = await t.connection.collection('sessions').findOne({ userId: user.id });
    assert.ok(stored?.storedAt instanceof Date && Math.abs(stored.storedAt.getTime() - Date.now()) < 600_000, 'stamped by the database clock, not the fixed one');
  });

  it('when a cookie-authenticated write lacks the CSRF token, then 403 CSRF_FAILED and nothing changes', async () => {
    const admin = await aUser(t.services, ['administrator']);
    const session = await signIn(t.app, admin.username, testPassword);
    const res = await session.agent.post('/api/departments').send({ code: 'CSRF-1', name: '跨站测试', kind: 'bureau' });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'CSRF_FAILED');
    const wrong = await session.agent.post('/api/departments').set('x-csrf-token', 'forged').send({ code: 'CSRF-1', name: '跨站测试', kind: 'bureau' });
    assert.equal(wrong.status, 403);
    const list = await session.get('/api/departments');
    assert.equal(list.body.items.filter((d: { code: string }) => d.code === 'CSRF-1').length, 0);
  });

  it('when an integration uses an API token, then it acts as its user without CSRF, until revoked', async () => {
    const admin = await aUser(t.services, ['administrator']);
    const integration = await aUser(t.services, ['administrator']);
    const session = await signIn(t.app, admin.username, testPassword);
    const issued = await session.post(`/api/users/${integration.id}/tokens`).send({ name: 'SMS gateway' });
    assert.equal(issued.status, 201);
    const token: string = issued.body.token;
    assert.match(token, /^h12345_/);
    const write = await supertest(t.app).post('/api/departments').set('authorization', `Bearer ${token}`).send({ code: 'TOKEN-1', name: '令牌部门', kind: 'unit' });
    assert.equal(write.status, 201);
    const listed = await session.get(`/api/users/${integration.id}/tokens`);
    assert.equal(listed.body.items[0].prefix, token.slice(0, 12));
    assert.equal(listed.body.items[0].token, undefined);
    assert.equal((await session.delete(`/api/tokens/${issued.body.id}`)).status, 204);
    const refused = await supertest(t.app).get('/api/departments').set('authorization', `Bearer ${token}`);
    assert.equal(refused.status, 401);
  });

  it('when a user changes their password, then the old one stops working', async () => {
    const user = await aUser(t.services, ['dispatcher']);
    const session = await signIn(t.app, user.username, testPassword);
    const weak = await session.post('/api/auth/password').send({ currentPassword: testPassword, newPassword: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.details.field, 'password');
    const wrongCurrent = await session.post('/api/auth/password').send({ currentPassword: 'not it at all', newPassword: 'a much longer password' });
    assert.equal(wrongCurrent.status, 400);
    assert.equal(wrongCurrent.body.error.details.field, 'currentPassword');
    const ok = await session.post('/api/auth/password').send({ currentPassword: testPassword, newPassword: 'a much longer password' });
    assert.equal(ok.status, 204);
    const old = await supertest(t.app).post('/api/auth/login').send({ username: user.username, password: testPassword });
    assert.equal(old.status, 401);
  });
});
