import assert from 'node:assert/strict';
import supertest from 'supertest';
import { issueSipCredentials } from '../../core/calls/sip-credentials.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp } from '../helpers/test-app.js';
import { aReadyOperator, aStaffMember, kamailioRequests, nobodyReady, useTelephonyApp, type Staff } from '../telephony/telephony-app.js';

describe('API: SIP credentials, agent states and which operator takes a call', () => {
  const t = useTelephonyApp();
  const kamailio = kamailioRequests(t);

  const stateOf = async (operator: Staff) => (await operator.get('/api/telephony/agent-state')).body;
  const targetOf = (operator: Staff) => `sip:${operator.sipUser}@${t.telephony.sipDomain}`;

  beforeEach(() => nobodyReady(t));

  describe('credentials', () => {
    it('when an operator asks for SIP credentials then they get auth_ephemeral credentials for their op- user, valid 12 hours', async () => {
      const operator = await aStaffMember(t);
      const res = await operator.post('/api/telephony/credentials');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers['cache-control'], 'no-store');
      const expected = issueSipCredentials({ user: operator.sipUser, secret: t.telephony.sipSecret, now: t.clock.now(), ttlSeconds: 12 * 3600 });
      assert.deepEqual(res.body, {
        username: expected.username,
        password: expected.password,
        expiresAt: expected.expiresAt.toISOString(),
        sipUri: `sip:${operator.sipUser}@hotline.local`,
        wsUrl: 'ws://127.0.0.1:5066',
        domain: 'hotline.local',
        hotlineNumber: '12345',
      });
    });

    it('when dispatchers and supervisors ask then they get credentials; department staff and administrators get 403, strangers 401', async () => {
      for (const role of ['dispatcher', 'supervisor'] as const) {
        assert.equal((await (await aStaffMember(t, [role])).post('/api/telephony/credentials')).status, 200, role);
      }
      const department = await aDepartment(t.services);
      for (const role of ['department_staff', 'administrator'] as const) {
        const refused = await (await aStaffMember(t, [role], role === 'department_staff' ? department.id : null)).post('/api/telephony/credentials');
        assert.equal(refused.status, 403, role);
        assert.equal(refused.body.error.code, 'FORBIDDEN');
      }
      assert.equal((await supertest(t.app).post('/api/telephony/credentials')).status, 401);
    });
  });

  describe('agent state', () => {
    it('when an operator goes ready then readySince is now, and saying ready again keeps their place', async () => {
      const operator = await aStaffMember(t);
      assert.equal((await stateOf(operator)).state, 'not_ready');
      const ready = await operator.put('/api/telephony/agent-state').send({ state: 'ready' });
      assert.equal(ready.status, 200);
      assert.deepEqual([ready.body.state, ready.body.readySince], ['ready', t.clock.now().toISOString()]);
      const since = ready.body.readySince;
      t.clock.advance(60_000);
      assert.equal((await operator.put('/api/telephony/agent-state').send({ state: 'ready' })).body.readySince, since);
      const away = await operator.put('/api/telephony/agent-state').send({ state: 'not_ready' });
      assert.deepEqual([away.body.state, away.body.readySince], ['not_ready', null]);
    });

    it('when the state is not one an operator chooses, or department staff set one, then 400 naming the field, or 403', async () => {
      const operator = await aStaffMember(t);
      const invalid = await operator.put('/api/telephony/agent-state').send({ state: 'on_call' });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.body.error.details.fields[0].field, 'state');
      const staff = await aStaffMember(t, ['department_staff'], (await aDepartment(t.services)).id);
      assert.equal((await staff.put('/api/telephony/agent-state').send({ state: 'ready' })).status, 403);
    });
  });

  describe('routing a call to the hotline', () => {
    it('when operators are ready then each call goes to the one ready longest, who then rings; with nobody left, no target', async () => {
      const first = await aReadyOperator(t);
      t.clock.advance(60_000);
      const second = await aReadyOperator(t);
      t.clock.advance(60_000);

      const call1 = await kamailio.route('route-1');
      assert.equal(call1.status, 200);
      assert.deepEqual(call1.body, { targets: [targetOf(first)], ringSeconds: 20 });
      assert.deepEqual([(await stateOf(first)).state, (await stateOf(first)).callId], ['ringing', 'route-1']);
      assert.deepEqual((await kamailio.route('route-2')).body.targets, [targetOf(second)]);
      assert.deepEqual((await kamailio.route('route-3')).body, { targets: [], ringSeconds: 20 });
      assert.deepEqual((await kamailio.route('route-1')).body.targets, [targetOf(first)], 'asked again, the same answer');
    });

    it('when an operator is ready but never took SIP credentials then no call is routed to them', async () => {
      const operator = await aStaffMember(t);
      await operator.put('/api/telephony/agent-state').send({ state: 'ready' });
      assert.deepEqual((await kamailio.route('route-uncredentialled')).body.targets, []);
    });

    it('when two calls arrive together for two ready operators then each rings a different one', async () => {
      const operators = [await aReadyOperator(t), await aReadyOperator(t)];
      const answers = await Promise.all(['race-a', 'race-b'].map((callId) => kamailio.route(callId)));
      const targets = answers.map((res) => res.body.targets).flat().sort();
      assert.deepEqual(targets, operators.map(targetOf).sort());
    });

    it('when two calls arrive together for one ready operator then one rings them and the other gets no target', async () => {
      const operator = await aReadyOperator(t);
      const answers = await Promise.all(['race-c', 'race-d'].map((callId) => kamailio.route(callId)));
      assert.deepEqual(answers.map((res) => res.body.targets.length).sort(), [0, 1]);
      assert.deepEqual(answers.flatMap((res) => res.body.targets), [targetOf(operator)]);
    });
  });

  describe('the token Kamailio authenticates with', () => {
    it('when the token is missing or wrong then both internal endpoints answer 401, whoever is signed in', async () => {
      const admin = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
      const wrong = kamailioRequests(t, () => 'not-the-telephony-token-0000');
      for (const res of [
        await supertest(t.app).get('/internal/telephony/route').query({ callId: 'x', caller: '1' }),
        await wrong.route('token-1'),
        await wrong.event({ event: 'missed', callId: 'token-1', reason: 'no-operator-ready' }),
        await admin.post('/internal/telephony/events').send({ event: 'missed', callId: 'token-1', caller: '1', callee: '12345', direction: 'inbound', at: '2026-03-02T02:00:00Z' }),
      ]) {
        assert.equal(res.status, 401, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'UNAUTHENTICATED');
      }
      assert.equal(await t.services.callRecords.model.countDocuments({ callId: 'token-1' }), 0);
    });
  });

  describe("Kamailio's call events", () => {
    it('when a routed call is answered and ended then the record has its times and the operator goes to after-call work', async () => {
      const operator = await aReadyOperator(t);
      const routedAt = t.clock.now();
      await kamailio.route('talk-1');
      t.clock.advance(4000);
      assert.equal((await kamailio.event({ event: 'answered', callId: 'talk-1', operator: operator.sipUser })).status, 204);
      assert.equal((await stateOf(operator)).state, 'on_call');
      t.clock.advance(95_000);
      await kamailio.event({ event: 'ended', callId: 'talk-1', operator: operator.sipUser, reason: 'bye' });

      const record = (await operator.get('/api/calls/talk-1')).body;
      assert.deepEqual(
        {
          direction: record.direction, caller: record.caller, callee: record.callee, operatorId: record.operatorId, outcome: record.outcome,
          reason: record.reason, arrivedAt: record.arrivedAt, queueSeconds: record.queueSeconds, ringSeconds: record.ringSeconds, talkSeconds: record.talkSeconds,
        },
        {
          direction: 'inbound', caller: '13800138000', callee: '12345', operatorId: operator.userId, outcome: 'answered',
          reason: 'bye', arrivedAt: routedAt.toISOString(), queueSeconds: 0, ringSeconds: 4, talkSeconds: 95,
        },
      );
      assert.equal((await stateOf(operator)).state, 'after_call_work');

      t.clock.advance(30_000);
      await operator.put('/api/telephony/agent-state').send({ state: 'ready' });
      assert.equal((await operator.get('/api/calls/talk-1')).body.afterCallWorkSeconds, 30);
    });

    it('when the same event comes twice then the record does not change the second time', async () => {
      const operator = await aReadyOperator(t);
      await kamailio.route('twice-1');
      await kamailio.event({ event: 'answered', callId: 'twice-1', operator: operator.sipUser });
      const before = (await operator.get('/api/calls/twice-1')).body;
      t.clock.advance(5000);
      await kamailio.event({ event: 'answered', callId: 'twice-1', operator: operator.sipUser });
      assert.deepEqual((await operator.get('/api/calls/twice-1')).body, before);
    });

    it('when a call nobody could take is missed then it is recorded as missed and its number queued for a callback', async () => {
      const operator = await aStaffMember(t);
      assert.deepEqual((await kamailio.route('missed-1', '13912345678')).body.targets, []);
      await kamailio.event({ event: 'missed', callId: 'missed-1', caller: '13912345678', reason: 'no-operator-ready' });
      const record = (await operator.get('/api/calls/missed-1')).body;
      assert.deepEqual([record.outcome, record.reason, record.operatorId, record.ringSeconds], ['missed', 'no-operator-ready', null, null]);
      const queue = (await operator.get('/api/telephony/missed-calls')).body.items;
      assert.ok(queue.some((item: { caller: string; callIds: string[] }) => item.caller === '13912345678' && item.callIds.includes('missed-1')), JSON.stringify(queue));
    });

    it('when the operator rung does not answer then they become not ready; when the caller gives up first they keep their place', async () => {
      const absent = await aReadyOperator(t);
      await kamailio.route('rona-1');
      t.clock.advance(20_000);
      await kamailio.event({ event: 'missed', callId: 'rona-1', reason: 'no-answer' });
      assert.deepEqual([(await stateOf(absent)).state, (await stateOf(absent)).callId], ['not_ready', null]);
      assert.equal((await absent.get('/api/calls/rona-1')).body.ringSeconds, 20);

      const present = await aReadyOperator(t);
      const readySince = (await stateOf(present)).readySince;
      await kamailio.route('cancel-1');
      await kamailio.event({ event: 'missed', callId: 'cancel-1', reason: 'caller-cancelled' });
      assert.deepEqual([(await stateOf(present)).state, (await stateOf(present)).readySince], ['ready', readySince]);
    });

    it('when Kamailio rang everyone itself (the API was slow) then the operator who answered is on the call and the one claimed waits again', async () => {
      const claimed = await aReadyOperator(t);
      const other = await aStaffMember(t);
      await other.post('/api/telephony/credentials');
      await kamailio.route('fallback-1');
      await kamailio.event({ event: 'answered', callId: 'fallback-1', operator: other.sipUser });
      assert.equal((await stateOf(other)).state, 'on_call');
      assert.equal((await stateOf(claimed)).state, 'ready');
      assert.equal((await other.get('/api/calls/fallback-1')).body.operatorId, other.userId);
    });

    it('when an event is not JSON or lacks fields then 400 names what is wrong', async () => {
      const broken = await supertest(t.app)
        .post('/internal/telephony/events').set('X-Telephony-Token', t.telephony.telephonyToken).set('Content-Type', 'application/x-www-form-urlencoded').send('{"event": ');
      assert.equal(broken.status, 400);
      assert.equal(broken.body.error.code, 'INVALID_JSON');
      const incomplete = await kamailio.event({ event: 'missed', callId: 'bad-1', direction: 'sideways' as never });
      assert.equal(incomplete.status, 400);
      assert.equal(incomplete.body.error.details.fields[0].field, 'direction');
    });
  });
});

describe('API: telephony without SIP_SECRET and TELEPHONY_TOKEN', () => {
  const t = useTestApp();

  it('when an operator asks for SIP credentials then 503, and Kamailio gets 401 with any token', async () => {
    const operator = await aStaffMember(t);
    const res = await operator.post('/api/telephony/credentials');
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'NOT_READY');
    const route = await supertest(t.app).get('/internal/telephony/route').query({ callId: 'x' }).set('X-Telephony-Token', 'any-token-at-all-0000');
    assert.equal(route.status, 401);
  });
});
