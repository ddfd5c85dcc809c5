import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createApp } from '../../api/app.js';
import { sessionRetentionSeconds } from '../../core/accounts/account-models.js';
import { createLogger } from '../../core/platform/logger.js';
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

  it('when one address fails 20 times, then the other users behind it, an administrator included, still sign in', async () => {
    const admin = await aUser(t.services, ['administrator']);
    const colleague = await aUser(t.services, ['dispatcher']);
    for (let i = 0; i < 20; i++) {
      // Someone trying names: each is new, so only a limit on the address itself could stop them.
      const res = await supertest(t.app).post('/api/auth/login').send({ username: `nobody-${i}`, password: 'a wrong guess' });
      assert.equal(res.status, 401);
    }
    for (const user of [admin, colleague]) {
      const res = await supertest(t.app).post('/api/auth/login').send({ username: user.username, password: testPassword });
      assert.equal(res.status, 200, `${user.username}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    t.clock.advance(16 * 60_000);
  });

  describe('behind a proxy, from many addresses', () => {
    const from = (address: string, username: string, password: string) =>
      supertest(proxied).post('/api/auth/login').set('x-forwarded-for', address).send({ username, password });
    let proxied: ReturnType<typeof createApp>;
    before(() => {
      proxied = createApp({ services: t.services, clock: t.clock, logger: createLogger('silent'), cookieSecure: false, trustProxy: true });
    });

    it('when one user name and address keep failing, then each further attempt waits longer (Retry-After 1, 2, 4 s), never a fixed lock', async () => {
      const user = await aUser(t.services, ['operator']);
      for (let i = 0; i < 3; i++) assert.equal((await from('10.1.0.1', user.username, 'wrong password!')).status, 401);
      for (const wait of [1, 2, 4]) {
        const early = await from('10.1.0.1', user.username, testPassword);
        assert.equal(early.status, 429);
        assert.equal(early.body.error.code, 'LOGIN_THROTTLED');
        assert.equal(early.headers['retry-after'], String(wait));
        assert.equal((await from('10.1.0.2', user.username, testPassword)).status, 200, 'the same user from elsewhere is not held back');
        t.clock.advance(wait * 1000);
        assert.equal((await from('10.1.0.1', user.username, 'wrong password!')).status, 401);
      }
      t.clock.advance(8000);
      assert.equal((await from('10.1.0.1', user.username, testPassword)).status, 200);
      assert.equal((await from('10.1.0.1', user.username, 'wrong password!')).status, 401, 'success starts the count again');
    });

    it('when a user name is guessed from many addresses, then the guesser is slowed, and the user still signs in where they did before', async () => {
      const victim = await aUser(t.services, ['administrator']);
      assert.equal((await from('10.2.0.1', victim.username, testPassword)).status, 200);
      // 3 × 4 failures for one user name, spread so that no single address is held back.
      for (let i = 0; i < 12; i++) assert.equal((await from(`10.3.0.${i}`, victim.username, 'wrong password!')).status, 401);
      const guesser = await from('10.3.1.1', victim.username, 'another guess!');
      assert.equal(guesser.status, 429);
      assert.ok(Number(guesser.headers['retry-after']) > 0);
      assert.equal((await from('10.2.0.1', victim.username, testPassword)).status, 200, 'from an address the user signed in from');
      assert.equal((await from('10.4.0.1', victim.username, testPassword)).status, 429, 'from a new address the back-off applies');
      t.clock.advance(16 * 60_000);
    });
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

  it('when a user changes their password, then their other sessions end and the one they changed it in goes on', async () => {
    const user = await aUser(t.services, ['dispatcher']);
    const here = await signIn(t.app, user.username, testPassword);
    const elsewhere = await signIn(t.app, user.username, testPassword);
    assert.equal((await elsewhere.get('/api/auth/session')).status, 200);
    const ok = await here.post('/api/auth/password').send({ currentPassword: testPassword, newPassword: 'a much longer password' });
    assert.equal(ok.status, 204);
    assert.equal((await elsewhere.get('/api/auth/session')).status, 401);
    assert.equal((await here.get('/api/auth/session')).status, 200);
    assert.equal((await here.post('/api/auth/password').send({ currentPassword: 'a much longer password', newPassword: 'yet another long password' })).status, 204);
  });
});
