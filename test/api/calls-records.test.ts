import assert from 'node:assert/strict';
import { chinaDateKey } from '../../core/clocks/index.js';
import { aDepartment } from '../builders/builders.js';
import { aReadyOperator, aStaffMember, kamailioRequests, nobodyReady, useTelephonyApp, type Staff } from '../telephony/telephony-app.js';

const phoneIntake = (callId: string) => ({
  channel: 'phone', callId, requestType: 'inquiry', requester: { phone: '13800138000' },
  subject: '公积金提取条件', content: '来电咨询公积金提取需要哪些材料。',
});

describe('API: call records, the callback queue and operator figures', () => {
  const t = useTelephonyApp();
  const kamailio = kamailioRequests(t);

  beforeEach(() => nobodyReady(t));

  /** A hotline call routed to `operator` (who must be the only one ready), answered after `ringMs`, ended after `talkMs`. */
  async function takenCall(operator: Staff, callId: string, ringMs: number, talkMs: number): Promise<void> {
    assert.deepEqual((await kamailio.route(callId)).body.targets, [`sip:${operator.sipUser}@${t.telephony.sipDomain}`]);
    t.clock.advance(ringMs);
    await kamailio.event({ event: 'answered', callId, operator: operator.sipUser });
    t.clock.advance(talkMs);
    await kamailio.event({ event: 'ended', callId, operator: operator.sipUser, reason: 'bye' });
  }

  const missed = (callId: string, caller: string) => kamailio.event({ event: 'missed', callId, caller, reason: 'no-operator-ready' });

  describe("the browser's reports", () => {
    it('when the operator reports the same thing twice then the record changes once; a later report adds to the first', async () => {
      const operator = await aReadyOperator(t);
      await takenCall(operator, 'report-1', 2000, 10_000);
      const first = await operator.post('/api/calls/report-1/report').send({ answeredAt: '2026-03-02T02:00:02Z', audio: { codec: 'opus', packetsLost: 3 } });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const again = await operator.post('/api/calls/report-1/report').send({ answeredAt: '2026-03-02T02:00:02Z', audio: { codec: 'opus', packetsLost: 3 } });
      assert.equal(again.body.version, first.body.version);
      const later = await operator.post('/api/calls/report-1/report').send({ endedBy: 'remote', holdSeconds: 12 });
      assert.deepEqual(later.body.browser, { answeredAt: '2026-03-02T02:00:02.000Z', audio: { codec: 'opus', packetsLost: 3 }, endedBy: 'remote', holdSeconds: 12 });
      assert.equal(later.body.talkSeconds, 10, "the server's facts stay");
    });

    it('when another operator reports on the call then 403; when Kamailio never saw the call then the report starts its record', async () => {
      const operator = await aReadyOperator(t);
      await takenCall(operator, 'report-2', 1000, 1000);
      const other = await aStaffMember(t);
      assert.equal((await other.post('/api/calls/report-2/report').send({ muted: true })).status, 403);

      const unknown = await other.post('/api/calls/report-unknown/report').send({ callee: '13700137000', endedBy: 'failed', sipStatus: 404 });
      assert.equal(unknown.status, 200);
      assert.deepEqual(
        [unknown.body.direction, unknown.body.callee, unknown.body.operatorId, unknown.body.outcome, unknown.body.browser.sipStatus],
        ['outbound', '13700137000', other.userId, null, 404],
      );
    });
  });

  describe('tickets and calls', () => {
    it('when a ticket is written with the call id then the call lists it; resolving it on the call marks the call', async () => {
      const operator = await aReadyOperator(t);
      await takenCall(operator, 'ticket-call-1', 1000, 60_000);
      const ticket = await operator.post('/api/tickets').send(phoneIntake('ticket-call-1'));
      assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
      let record = (await operator.get('/api/calls/ticket-call-1')).body;
      assert.deepEqual([record.ticketIds, record.resolvedOnCall], [[ticket.body.id], false]);

      const resolved = await operator.post(`/api/tickets/${ticket.body.id}/resolve-on-call`).send({ answer: '携带身份证和购房合同到管理部提取。' });
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
      record = (await operator.get('/api/calls/ticket-call-1')).body;
      assert.deepEqual([record.ticketIds, record.resolvedOnCall], [[ticket.body.id], true]);
    });

    it('when an earlier ticket is linked to a call then the call lists it once; an unknown ticket is 400, an unknown call 404', async () => {
      const operator = await aReadyOperator(t);
      await takenCall(operator, 'ticket-call-2', 1000, 1000);
      const earlier = (await operator.post('/api/tickets').send(phoneIntake('another-call'))).body;
      for (let i = 0; i < 2; i++) {
        const linked = await operator.post('/api/calls/ticket-call-2/tickets').send({ ticketId: earlier.id });
        assert.equal(linked.status, 200, JSON.stringify(linked.body));
        assert.deepEqual(linked.body.ticketIds, [earlier.id]);
      }
      const noTicket = await operator.post('/api/calls/ticket-call-2/tickets').send({ ticketId: '0123456789abcdef01234567' });
      assert.deepEqual([noTicket.status, noTicket.body.error.details.field], [400, 'ticketId']);
      assert.equal((await operator.post('/api/calls/no-such-call/tickets').send({ ticketId: earlier.id })).status, 404);
      assert.equal((await operator.get('/api/calls/no-such-call')).status, 404);
    });
  });

  describe('the callback queue (漏接回拨)', () => {
    it('when one number misses several calls, some at once, then it is queued once with every call', async () => {
      const operator = await aStaffMember(t);
      await Promise.all(['many-1', 'many-2', 'many-3'].map((callId) => missed(callId, '13600000001')));
      await missed('many-4', '13600000001');
      const items = (await operator.get('/api/telephony/missed-calls')).body.items.filter((item: { caller: string }) => item.caller === '13600000001');
      assert.equal(items.length, 1, JSON.stringify(items));
      assert.deepEqual([...items[0].callIds].sort(), ['many-1', 'many-2', 'many-3', 'many-4']);
    });

    it('when two operators claim the same missed call at once then one gets it and the other 409; only the claimer finishes it', async () => {
      const [alice, bob] = [await aStaffMember(t), await aStaffMember(t)];
      await missed('race-missed-1', '13600000002');
      const item = (await alice.get('/api/telephony/missed-calls')).body.items.find((i: { caller: string }) => i.caller === '13600000002');

      const claims = await Promise.all([alice, bob].map((operator) => operator.post(`/api/telephony/missed-calls/${item.id}/claim`)));
      assert.deepEqual(claims.map((res) => res.status).sort(), [200, 409], JSON.stringify(claims.map((res) => res.body)));
      const winner = claims[0]!.status === 200 ? alice : bob;
      const loser = winner === alice ? bob : alice;
      assert.equal(claims.find((res) => res.status === 409)!.body.error.code, 'VERSION_CONFLICT');

      assert.equal((await loser.post(`/api/telephony/missed-calls/${item.id}/done`).send({ outcome: 'reached' })).status, 403);
      const done = await winner.post(`/api/telephony/missed-calls/${item.id}/done`).send({ outcome: 'reached', note: '已告知办理流程' });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.deepEqual([done.body.state, done.body.outcome, done.body.claimedBy.userId], ['done', 'reached', winner.userId]);
      assert.equal((await winner.post(`/api/telephony/missed-calls/${item.id}/claim`)).status, 409);

      await missed('race-missed-2', '13600000002');
      const open = (await alice.get('/api/telephony/missed-calls')).body.items.filter((i: { caller: string }) => i.caller === '13600000002');
      assert.deepEqual(open.map((i: { callIds: string[] }) => i.callIds), [['race-missed-2']], 'a new missed call after a callback is a new item');
    });

    it('when the claimer is gone then a supervisor puts the item back; other operators may not', async () => {
      const [claimer, other, supervisor] = [await aStaffMember(t), await aStaffMember(t), await aStaffMember(t, ['supervisor'])];
      await missed('release-1', '13600000003');
      const item = (await claimer.get('/api/telephony/missed-calls')).body.items.find((i: { caller: string }) => i.caller === '13600000003');
      await claimer.post(`/api/telephony/missed-calls/${item.id}/claim`);
      assert.equal((await other.post(`/api/telephony/missed-calls/${item.id}/release`)).status, 403);
      const released = await supervisor.post(`/api/telephony/missed-calls/${item.id}/release`);
      assert.deepEqual([released.status, released.body.state, released.body.claimedBy], [200, 'open', null]);
    });

    it('when a withheld number misses a call, or an operator gets no answer calling out, then nothing is queued', async () => {
      const operator = await aStaffMember(t);
      await missed('withheld-1', 'anonymous');
      await kamailio.event({ event: 'missed', callId: 'out-1', caller: operator.sipUser, callee: '13600000004', direction: 'outbound', reason: 'no-answer' });
      const callers = (await operator.get('/api/telephony/missed-calls')).body.items.map((i: { caller: string }) => i.caller);
      assert.ok(!callers.includes('anonymous') && !callers.includes('13600000004'), JSON.stringify(callers));
      assert.equal((await operator.get('/api/calls/withheld-1')).body.outcome, 'missed');
    });

    it('when department staff open the queue then 403', async () => {
      const staff = await aStaffMember(t, ['department_staff'], (await aDepartment(t.services)).id);
      assert.equal((await staff.get('/api/telephony/missed-calls')).status, 403);
    });
  });

  describe('operator figures', () => {
    it('when operators answered calls then each gets answered, answer time, handle time and resolved-on-call rate; operators see their own only', async () => {
      const from = t.clock.now();
      const alice = await aReadyOperator(t);
      await takenCall(alice, 'fig-a1', 3000, 60_000);
      const ticket = (await alice.post('/api/tickets').send(phoneIntake('fig-a1'))).body;
      await alice.post(`/api/tickets/${ticket.id}/resolve-on-call`).send({ answer: '已解答。' });
      t.clock.advance(20_000);
      await alice.put('/api/telephony/agent-state').send({ state: 'ready' });
      await takenCall(alice, 'fig-a2', 5000, 120_000);
      t.clock.advance(10_000);
      await alice.put('/api/telephony/agent-state').send({ state: 'not_ready' });

      const bob = await aReadyOperator(t);
      await takenCall(bob, 'fig-b1', 2000, 30_000);
      await bob.put('/api/telephony/agent-state').send({ state: 'ready' });
      const period = `from=${from.toISOString()}&to=${new Date(t.clock.now().getTime() + 1000).toISOString()}`;

      const supervisor = await aStaffMember(t, ['supervisor']);
      const all = await supervisor.get(`/api/telephony/operator-figures?${period}`);
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.deepEqual(all.body.items, [
        { operatorId: alice.userId, username: alice.username, answered: 2, averageAnswerSeconds: 4, averageHandleSeconds: 105, resolvedOnCallRate: 0.5 },
        { operatorId: bob.userId, username: bob.username, answered: 1, averageAnswerSeconds: 2, averageHandleSeconds: 30, resolvedOnCallRate: 0 },
      ]);

      const own = await bob.get(`/api/telephony/operator-figures?${period}`);
      assert.deepEqual(own.body.items.map((row: { operatorId: string }) => row.operatorId), [bob.userId]);
      assert.equal((await bob.get(`/api/telephony/operator-figures?${period}&operatorId=${alice.userId}`)).status, 403);
      const staff = await aStaffMember(t, ['department_staff'], (await aDepartment(t.services)).id);
      assert.equal((await staff.get(`/api/telephony/operator-figures?${period}`)).status, 403);
      const later = await supervisor.get(`/api/telephony/operator-figures?from=${t.clock.now().toISOString()}&to=${new Date(t.clock.now().getTime() + 60_000).toISOString()}`);
      assert.deepEqual(later.body.items, []);
    });

    it("when calls are answered, ended, reported, worked after and resolved on the call, then the dashboard's operator figures are the records' own", async () => {
      const carol = await aReadyOperator(t);
      await takenCall(carol, 'dash-c1', 4000, 90_000);
      await carol.post('/api/calls/dash-c1/report').send({ answeredAt: t.clock.now().toISOString(), audio: { codec: 'opus' } });
      // Then after-call work, a ticket resolved on the call, another report.
      t.clock.advance(15_000);
      await carol.put('/api/telephony/agent-state').send({ state: 'ready' });
      const ticket = (await carol.post('/api/tickets').send(phoneIntake('dash-c1'))).body;
      assert.equal((await carol.post(`/api/tickets/${ticket.id}/resolve-on-call`).send({ answer: '已解答。' })).status, 200);
      await carol.post('/api/calls/dash-c1/report').send({ holdSeconds: 5 });
      await takenCall(carol, 'dash-c2', 2000, 45_000);
      t.clock.advance(7000);
      await carol.put('/api/telephony/agent-state').send({ state: 'not_ready' });
      const dave = await aReadyOperator(t);
      await takenCall(dave, 'dash-d1', 3000, 20_000);
      await dave.put('/api/telephony/agent-state').send({ state: 'not_ready' });
      await missed('dash-missed', '13600000009');

      const supervisor = await aStaffMember(t, ['supervisor']);
      const day = chinaDateKey(t.clock.now());
      const dashboard = await supervisor.get(`/api/analytics/dashboard?from=${day}&to=${day}`);
      assert.equal(dashboard.status, 200, JSON.stringify(dashboard.body));
      const midnight = new Date(`${day}T00:00:00+08:00`);
      const fromRecords = await supervisor.get(`/api/telephony/operator-figures?from=${midnight.toISOString()}&to=${new Date(midnight.getTime() + 86_400_000).toISOString()}`);
      assert.equal(fromRecords.status, 200, JSON.stringify(fromRecords.body));
      assert.deepEqual(dashboard.body.operators, fromRecords.body.items, 'every operator of the day, the same numbers');
      const row = (id: string) => dashboard.body.operators.find((r: { operatorId: string }) => r.operatorId === id);
      assert.deepEqual(row(carol.userId), { operatorId: carol.userId, username: carol.username, answered: 2, averageAnswerSeconds: 3, averageHandleSeconds: 78.5, resolvedOnCallRate: 0.5 });
      assert.deepEqual(row(dave.userId), { operatorId: dave.userId, username: dave.username, answered: 1, averageAnswerSeconds: 3, averageHandleSeconds: 20, resolvedOnCallRate: 0 });

      // Kamailio repeating an event and the browser its report change no record, so they record nothing.
      await kamailio.event({ event: 'ended', callId: 'dash-d1', operator: dave.sipUser, reason: 'bye' });
      await kamailio.event({ event: 'answered', callId: 'dash-c2', operator: carol.sipUser });
      await carol.post('/api/calls/dash-c1/report').send({ holdSeconds: 5 });
      assert.deepEqual((await supervisor.get(`/api/analytics/dashboard?from=${day}&to=${day}`)).body.operators, fromRecords.body.items);
    });
  });
});
