import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newSecret } from '../../core/accounts/secrets.js';
import { systemClock } from '../../core/platform/clock.js';
import { startKamailio, type KamailioServer } from '../../infra/kamailio/launcher.js';
import { SipUserAgent } from '../helpers/sip-user-agent.js';
import { sippCall } from './sipp.js';
import { aStaffMember, useTelephonyApp, type Staff } from './telephony-app.js';

/** Polls `read` until it gives a value: Kamailio reports calls to the API while SIPp is finishing. */
async function eventually<T>(read: () => Promise<T | null>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Telephony end to end (real Kamailio and API on 127.0.0.1, a sip.js softphone, SIPp citizens)', function () {
  this.timeout(40_000);

  const secret = newSecret();
  const token = newSecret();
  // Kamailio needs the API's address before the app exists, and the app Kamailio's WebSocket URL.
  const server = createServer((req, res) => t.app(req, res));
  let kamailio: KamailioServer;
  let runDir: string;
  let kamailioLog: string[] = [];
  let phones: SipUserAgent[] = [];

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    runDir = mkdtempSync(path.join(tmpdir(), 'kamailio-hotline-'));
    kamailio = await startKamailio({
      runDir,
      domain: 'hotline.local',
      secret,
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      telephonyToken: token,
      log: (line) => kamailioLog.push(line),
    });
  });

  after(async () => {
    await kamailio?.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  const t = useTelephonyApp(() => ({ SIP_SECRET: secret, TELEPHONY_TOKEN: token, SIP_WS_URL: kamailio.wsUrl, RING_SECONDS: '5' }), { clock: systemClock });

  afterEach(async function () {
    await Promise.all(phones.map((phone) => phone.stop().catch(() => {})));
    phones = [];
    if (this.currentTest?.state === 'failed') console.log(kamailioLog.slice(-40).join('\n'));
    kamailioLog = [];
  });

  /** An operator's softphone registered with the credentials the API gave them. */
  async function softphoneOf(operator: Staff): Promise<{ phone: SipUserAgent; hotlineNumber: string }> {
    const credentials = (await operator.post('/api/telephony/credentials')).body;
    const phone = await SipUserAgent.start({
      wsUrl: credentials.wsUrl, domain: credentials.domain, user: operator.sipUser, username: credentials.username, password: credentials.password,
    });
    phones.push(phone);
    assert.deepEqual(await phone.register(), { ok: true });
    return { phone, hotlineNumber: credentials.hotlineNumber };
  }

  const citizenCall = (scenario: string, dialled: string, caller: string) => {
    const callId = `hotline-e2e-${randomUUID()}`;
    return { callId, result: sippCall({ scenario, target: `127.0.0.1:${kamailio.sipPort}`, dialled, caller, callId, talkMs: 1500, timeoutSeconds: 15 }) };
  };

  it('when a citizen calls the hotline and an operator is ready then their softphone takes the call and the record has its talk time', async () => {
    const operator = await aStaffMember(t);
    const { phone, hotlineNumber } = await softphoneOf(operator);
    assert.equal((await operator.put('/api/telephony/agent-state').send({ state: 'ready' })).status, 200);

    const { callId, result } = citizenCall('hotline-call.xml', hotlineNumber, '13800138000');
    const incoming = await phone.nextIncomingCall();
    assert.equal(incoming.remoteUser, '13800138000');
    await incoming.accept();
    const sipp = await result;
    assert.equal(sipp.exitCode, 0, sipp.diagnostics);
    assert.equal(await incoming.waitForEnd(), 'remote-bye');

    const record = await eventually(async () => {
      const res = await operator.get(`/api/calls/${callId}`);
      return res.status === 200 && res.body.endedAt ? res.body : null;
    }, 'the call record to be complete');
    assert.deepEqual(
      [record.direction, record.caller, record.callee, record.operatorId, record.outcome, record.reason],
      ['inbound', '13800138000', '12345', operator.userId, 'answered', 'bye'],
    );
    // Kamailio stamps events to the second; SIPp talks for 1.5 s.
    assert.ok(record.talkSeconds >= 1 && record.talkSeconds <= 3, `talk ${record.talkSeconds} s`);
    assert.equal((await operator.get('/api/telephony/agent-state')).body.state, 'after_call_work');
  });

  it('when nobody is ready then the citizen gets 480 and the call waits in the callback queue', async () => {
    const operator = await aStaffMember(t);
    const { hotlineNumber } = await softphoneOf(operator);

    const { callId, result } = citizenCall('hotline-unanswered.xml', hotlineNumber, '13900139000');
    const sipp = await result;
    assert.equal(sipp.exitCode, 0, sipp.diagnostics);

    const item = await eventually(async () => {
      const queue = (await operator.get('/api/telephony/missed-calls')).body.items as { caller: string; callIds: string[] }[];
      return queue.find((candidate) => candidate.callIds.includes(callId)) ?? null;
    }, 'the missed call in the callback queue');
    assert.equal(item.caller, '13900139000');
    const record = (await operator.get(`/api/calls/${callId}`)).body;
    assert.deepEqual([record.outcome, record.reason], ['missed', 'no-operator-ready']);
  });

  const queueItemOf = async (operator: Staff, callId: string) =>
    eventually(async () => {
      const queue = (await operator.get('/api/telephony/missed-calls')).body.items as { id: string; caller: string; callIds: string[] }[];
      return queue.find((candidate) => candidate.callIds.includes(callId)) ?? null;
    }, `the missed call ${callId} in the callback queue`);

  const endedRecordOf = (operator: Staff, callId: string) =>
    eventually(async () => {
      const res = await operator.get(`/api/calls/${callId}`);
      return res.status === 200 && res.body.endedAt ? res.body : null;
    }, `the record of ${callId} to be complete`);

  it('when one citizen misses the hotline as +86…, 0086… and without prefix then the callback queue holds one item for them, and a landline with separators is queued too', async () => {
    const operator = await aStaffMember(t);
    const { hotlineNumber } = await softphoneOf(operator);
    const callIds: string[] = [];
    for (const form of ['+8613600136000', '008613600136000', '13600136000']) {
      const { callId, result } = citizenCall('hotline-unanswered.xml', hotlineNumber, form);
      const sipp = await result;
      assert.equal(sipp.exitCode, 0, sipp.diagnostics);
      callIds.push(callId);
      await queueItemOf(operator, callId);
    }
    const queue = (await operator.get('/api/telephony/missed-calls')).body.items as { caller: string; callIds: string[] }[];
    const items = queue.filter((item) => item.callIds.some((id) => callIds.includes(id)));
    assert.deepEqual(items.map((item) => [item.caller, [...item.callIds].sort()]), [['13600136000', [...callIds].sort()]]);

    const landline = citizenCall('hotline-unanswered.xml', hotlineNumber, '010-62345670');
    assert.equal((await landline.result).exitCode, 0);
    assert.equal((await queueItemOf(operator, landline.callId)).caller, '01062345670');
  });

  it('when a trunk asserts the caller with Privacy: id then the operator still sees the number, the record holds it marked withheld, and the history finds their tickets', async () => {
    const operator = await aStaffMember(t);
    const { phone, hotlineNumber } = await softphoneOf(operator);
    const earlier = await operator.post('/api/tickets').send({
      channel: 'phone', requestType: 'complaint', requester: { name: '赵六', phone: '137 0013 7000' }, subject: '噪音', content: '夜间施工噪音扰民。',
    });
    assert.equal(earlier.status, 201, JSON.stringify(earlier.body));
    assert.equal((await operator.put('/api/telephony/agent-state').send({ state: 'ready' })).status, 200);

    const { callId, result } = citizenCall('hotline-call-asserted.xml', hotlineNumber, '+8613700137000');
    const incoming = await phone.nextIncomingCall();
    assert.equal(incoming.remoteUser, 'anonymous');
    assert.match(incoming.assertedIdentity ?? '', /<tel:\+8613700137000>/);
    await incoming.accept();
    const sipp = await result;
    assert.equal(sipp.exitCode, 0, sipp.diagnostics);

    const record = await endedRecordOf(operator, callId);
    assert.deepEqual([record.caller, record.callerWithheld, record.outcome], ['13700137000', true, 'answered']);
    for (const form of ['+8613700137000', record.caller]) {
      const history = await operator.get(`/api/callers/${encodeURIComponent(form)}/tickets`);
      assert.deepEqual(history.body.items.map((item: { id: string }) => item.id), [earlier.body.id], form);
    }
  });

  it('when a trunk asserts a withheld caller and nobody is ready then their number, not "anonymous", waits in the callback queue', async () => {
    const operator = await aStaffMember(t);
    const { hotlineNumber } = await softphoneOf(operator);
    const { callId, result } = citizenCall('hotline-unanswered-asserted.xml', hotlineNumber, '0086-10-62345671');
    assert.equal((await result).exitCode, 0);
    assert.equal((await queueItemOf(operator, callId)).caller, '01062345671');
    const record = (await operator.get(`/api/calls/${callId}`)).body;
    assert.deepEqual([record.caller, record.callerWithheld, record.reason], ['01062345671', true, 'no-operator-ready']);
  });

  it('when a caller id is longer than 128 characters then the API still chooses (nobody ready: 480, no ring-all), records it cut, and queues nothing', async () => {
    const operator = await aStaffMember(t);
    const { hotlineNumber } = await softphoneOf(operator);
    const longId = `1${'2345678901'.repeat(30)}`;
    const { callId, result } = citizenCall('hotline-unanswered.xml', hotlineNumber, longId);
    const sipp = await result;
    // Had the API refused the caller id, Kamailio would ring every registered softphone (this
    // one too) for 20 s instead of answering 480 at once, and the record's reason would differ.
    assert.equal(sipp.exitCode, 0, sipp.diagnostics);
    const record = await eventually(async () => {
      const res = await operator.get(`/api/calls/${callId}`);
      return res.status === 200 && res.body.outcome ? res.body : null;
    }, 'the missed call record');
    assert.deepEqual([record.caller, record.reason], [longId.slice(0, 128), 'no-operator-ready']);
    const queue = (await operator.get('/api/telephony/missed-calls')).body.items as { callIds: string[] }[];
    assert.equal(queue.filter((item) => item.callIds.includes(callId)).length, 0);
  });
});
