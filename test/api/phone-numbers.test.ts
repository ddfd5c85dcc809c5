import assert from 'node:assert/strict';
import supertest from 'supertest';
import { callKey } from '../../core/calls/call-record.js';
import { aStaffMember, kamailioRequests, nobodyReady, useTelephonyApp, type Staff } from '../telephony/telephony-app.js';

const request = (phone: string) => ({ requestType: 'complaint', requester: { name: '钱七', phone }, subject: '路灯不亮', content: '小区门口路灯坏了一周。' });

describe('API: phone numbers match in any form (intake, caller history, follow page, callback queue) and stored ones are migrated', () => {
  const t = useTelephonyApp();
  const kamailio = kamailioRequests(t);
  let operator: Staff;

  before(async () => {
    operator = await aStaffMember(t);
  });
  beforeEach(() => nobodyReady(t));

  const historyOf = async (callerId: string) => {
    const res = await operator.get(`/api/callers/${encodeURIComponent(callerId)}/tickets`);
    assert.equal(res.status, 200, `${callerId}: ${JSON.stringify(res.body)}`);
    return res.body.items.map((item: { id: string }) => item.id);
  };

  it('when tickets are taken in with a number in several forms then each is stored canonical and every form finds all of them', async () => {
    const ids: string[] = [];
    for (const phone of ['+86 138-0013-8101', '008613800138101']) {
      const res = await operator.post('/api/tickets').send({ ...request(phone), channel: 'phone' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.requester.phone, '13800138101');
      ids.push(res.body.id);
    }
    const web = await supertest(t.app).post('/api/public/tickets').send(request('(010) 6234 5101'));
    assert.equal(web.status, 201, JSON.stringify(web.body));
    for (const form of ['13800138101', '+8613800138101', '008613800138101', '138 0013 8101', 'sip:+8613800138101@trunk.example.org']) {
      assert.deepEqual((await historyOf(form)).sort(), [...ids].sort(), form);
    }
    const landline = (await t.services.tickets.tickets.findOne({ number: web.body.number }).lean())!;
    assert.equal(landline.requester.phone, '01062345101');
    for (const form of ['010-62345101', '+861062345101', '(010) 6234 5101', '0086 10 6234 5101']) {
      assert.deepEqual(await historyOf(form), [String(landline._id)], form);
    }
    const listed = await operator.get('/api/tickets').query({ phone: '+86 10 6234 5101' });
    assert.deepEqual(listed.body.items.map((item: { id: string }) => item.id), [String(landline._id)]);
  });

  it('when a requester follows a ticket with their phone in another form then they see it; another number still does not', async () => {
    const { number } = (await supertest(t.app).post('/api/public/tickets').send(request('13800138102'))).body;
    for (const phone of ['+8613800138102', '0086 138 0013 8102', '138-0013-8102']) {
      const res = await supertest(t.app).get(`/api/public/tickets/${number}`).query({ phone });
      assert.equal(res.status, 200, `${phone}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.number, number);
    }
    assert.equal((await supertest(t.app).get(`/api/public/tickets/${number}`).query({ phone: '13800138103' })).status, 404);
    // Typed into a URL unencoded, + arrives as a space: the 86 still says whose number it is.
    assert.equal((await supertest(t.app).get(`/api/public/tickets/${number}?phone=+8613800138102`)).status, 200);
  });

  it('when the caller is anonymous, unavailable or a caller id that is no number (even 2000 characters) then the history is empty, not an error; past 2048 characters 400 names the field', async () => {
    await operator.post('/api/tickets').send({ ...request('13800138104'), channel: 'phone' });
    for (const callerId of ['anonymous', 'Anonymous', 'unavailable', 'Anonymous <sip:anonymous@anonymous.invalid>', 'op-someone', `1${'3'.repeat(128)}`, 'x'.repeat(2000)]) {
      assert.deepEqual(await historyOf(callerId), [], callerId.slice(0, 40));
    }
    const tooLong = await operator.get(`/api/callers/${'1'.repeat(2049)}/tickets`);
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.code, 'VALIDATION_FAILED');
    assert.match(JSON.stringify(tooLong.body.error), /phone/);
  });

  it('when one citizen misses the hotline as +86…, 0086…, 86… and without prefix then the callback queue holds one item; a landline with separators is queued too', async () => {
    const callIds = ['dedup-1', 'dedup-2', 'dedup-3', 'dedup-4'];
    for (const [i, caller] of ['+8613800138105', '008613800138105', '8613800138105', '13800138105'].entries()) {
      assert.equal((await kamailio.route(callIds[i]!, caller)).status, 200);
      assert.equal((await kamailio.event({ event: 'missed', callId: callIds[i]!, caller, reason: 'no-operator-ready' })).status, 204);
    }
    await kamailio.event({ event: 'missed', callId: 'landline-1', caller: '010-62345105', reason: 'no-operator-ready' });
    const queue = (await operator.get('/api/telephony/missed-calls')).body.items as { caller: string; callIds: string[] }[];
    assert.deepEqual(queue.filter((item) => item.caller === '13800138105').map((item) => [...item.callIds].sort()), [callIds]);
    assert.deepEqual(queue.find((item) => item.callIds.includes('landline-1'))?.caller, '01062345105');
    assert.equal((await operator.get('/api/calls/dedup-1')).body.caller, '13800138105');
  });

  it('when Kamailio names a withheld caller then the record keeps the number marked withheld, and an anonymous caller is never queued', async () => {
    assert.equal((await kamailio.route('withheld-1', '+8613800138106').query({ callerWithheld: 'true' })).status, 200);
    await kamailio.event({ event: 'missed', callId: 'withheld-1', caller: '+8613800138106', callerWithheld: true, reason: 'no-operator-ready' });
    const record = (await operator.get('/api/calls/withheld-1')).body;
    assert.deepEqual([record.caller, record.callerWithheld], ['13800138106', true]);

    await kamailio.event({ event: 'missed', callId: 'anonymous-1', caller: 'anonymous', reason: 'no-operator-ready' });
    const queue = (await operator.get('/api/telephony/missed-calls')).body.items as { callIds: string[] }[];
    assert.equal(queue.some((item) => item.callIds.includes('anonymous-1')), false);
    assert.equal((await operator.get('/api/calls/anonymous-1')).body.caller, 'anonymous');
  });

  it('when a caller id is longer than 128 characters then routing answers and the record keeps it cut, no 500', async () => {
    const longId = `+86${'1'.repeat(300)}`;
    const routed = await kamailio.route('long-1', longId);
    assert.equal(routed.status, 200, JSON.stringify(routed.body));
    assert.deepEqual(routed.body.targets, []);
    assert.equal((await kamailio.event({ event: 'missed', callId: 'long-1', caller: longId, reason: 'no-operator-ready' })).status, 204);
    assert.equal((await operator.get('/api/calls/long-1')).body.caller, longId.slice(0, 128));
  });

  it('when a database holds phones from before they were canonical then the migration rewrites tickets, calls and the callback queue once, merging one citizen\'s items', async () => {
    const now = t.clock.now();
    const ticket = (await operator.post('/api/tickets').send({ ...request('13800138107'), channel: 'phone' })).body;
    await t.services.tickets.tickets.updateOne({ _id: ticket.id }, { $set: { 'requester.phone': '+86 138-0013-8107' } });
    await kamailio.event({ event: 'missed', callId: 'legacy-call', caller: '13800138107', reason: 'no-operator-ready' });
    await t.services.callRecords.model.updateOne({ _id: callKey('legacy-call') }, { $set: { caller: '+8613800138107' } });

    // The queue as earlier releases kept it: one citizen under three forms, a landline with separators.
    const missed = t.services.missedCalls.model;
    const numbers = t.connection.collection('missed_call_numbers');
    const item = (id: string, caller: string, callIds: string[], state: 'open' | 'claimed' | 'done', minutes: number) => ({
      _id: id, caller, round: 1, callIds, firstMissedAt: new Date(now.getTime() - minutes * 60_000), lastMissedAt: new Date(now.getTime() - minutes * 60_000),
      state, claimedBy: null, claimedAt: null, outcome: state === 'done' ? 'reached' : null, note: null, callbackCallId: null, doneAt: null, version: 1, updatedAt: now,
    });
    await missed.insertMany([
      item('+8613800138108-1', '+8613800138108', ['old-a'], 'open', 30),
      item('13800138108-1', '13800138108', ['old-b'], 'open', 20),
      item('008613800138108-1', '008613800138108', ['old-c'], 'done', 90),
      item('010-62345108-1', '010-62345108', ['old-d'], 'claimed', 10),
    ]);
    await numbers.insertMany([
      { _id: '+8613800138108', round: 1, version: 1 }, { _id: '13800138108', round: 1, version: 1 },
      { _id: '008613800138108', round: 1, version: 1 }, { _id: '010-62345108', round: 1, version: 1 },
    ] as never[]);

    const changed = await t.services.canonicalizePhones(now);
    assert.ok(changed && changed.tickets >= 1 && changed.calls >= 1 && changed.missedCalls === 3, JSON.stringify(changed));

    assert.equal((await operator.get(`/api/tickets/${ticket.id}`)).body.requester.phone, '13800138107');
    assert.equal((await operator.get('/api/calls/legacy-call')).body.caller, '13800138107');
    const open = (await operator.get('/api/telephony/missed-calls')).body.items as { id: string; caller: string; callIds: string[]; firstMissedAt: string }[];
    const citizen = open.filter((entry) => entry.caller === '13800138108');
    assert.deepEqual(citizen.map((entry) => [entry.id, [...entry.callIds].sort(), entry.firstMissedAt]), [['13800138108-1', ['old-a', 'old-b'], new Date(now.getTime() - 30 * 60_000).toISOString()]]);
    assert.deepEqual(open.filter((entry) => entry.callIds.includes('old-d')).map((entry) => [entry.id, entry.caller]), [['01062345108-1', '01062345108']]);
    assert.equal((await missed.findById('008613800138108-1').lean())?.caller, '13800138108');
    assert.deepEqual((await numbers.find({}).toArray()).map((n) => String(n._id)).filter((id) => id.includes('138108') || id.includes('62345108')).sort(), ['01062345108', '13800138108']);

    // A new missed call from the citizen joins their one item.
    await kamailio.event({ event: 'missed', callId: 'new-e', caller: '+86 138 0013 8108', reason: 'no-operator-ready' });
    assert.deepEqual([...(await missed.findById('13800138108-1').lean())!.callIds].sort(), ['new-e', 'old-a', 'old-b']);

    assert.equal(await t.services.canonicalizePhones(now), null, 'completed once: later starts skip it');
    assert.equal(await t.services.missedCalls.canonicalizeNumbers(now), 0, 'and run again it changes nothing');
    assert.equal(await t.services.repositories.tickets.canonicalizePhones(), 0);
    assert.equal(await t.services.callRecords.canonicalizeNumbers(), 0);
  });
});
