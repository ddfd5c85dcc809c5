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
});
