import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SessionState } from 'sip.js';
import { issueSipCredentials } from '../../core/calls/sip-credentials.js';
import { startKamailio, type KamailioServer } from '../../infra/kamailio/launcher.js';
import { SipUserAgent, withTimeout, type SipCall } from '../helpers/sip-user-agent.js';
import { FakeTelephonyApi } from './fake-telephony-api.js';
import { sippCall } from './sipp.js';

const domain = 'hotline.local';
const secret = randomBytes(24).toString('base64url');
const token = randomBytes(24).toString('base64url');

describe('Kamailio telephony (real Kamailio, SIP over WebSocket and UDP on 127.0.0.1)', function () {
  this.timeout(30_000);

  let kamailio: KamailioServer;
  let api: FakeTelephonyApi;
  let runDir: string;
  let kamailioLog: string[] = [];
  let agents: SipUserAgent[] = [];

  before(async () => {
    api = await FakeTelephonyApi.start(token);
    runDir = mkdtempSync(path.join(tmpdir(), 'kamailio-test-'));
    kamailio = await startKamailio({
      runDir,
      domain,
      secret,
      apiUrl: api.url,
      telephonyToken: token,
      defaultRingSeconds: 5,
      log: (line) => kamailioLog.push(line),
    });
  });

  afterEach(async function () {
    await Promise.all(agents.map((agent) => agent.stop().catch(() => {})));
    agents = [];
    api.route = { targets: [] };
    if (this.currentTest?.state === 'failed') console.log([...kamailioLog.slice(-40), ...api.events.map((e) => JSON.stringify(e))].join('\n'));
    kamailioLog = [];
  });

  after(async () => {
    await kamailio?.stop();
    await api?.stop();
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  /** A softphone for `user`, connected; credentials valid for a minute unless overridden. */
  async function phone(user: string, credentials?: { username: string; password: string }): Promise<SipUserAgent> {
    const issued = credentials ?? issueSipCredentials({ user, secret, now: new Date(), ttlSeconds: 60 });
    const agent = await SipUserAgent.start({ wsUrl: kamailio.wsUrl, domain, user, ...issued });
    agents.push(agent);
    return agent;
  }

  async function registeredOperator(user: string): Promise<SipUserAgent> {
    const agent = await phone(user);
    assert.deepEqual(await agent.register(), { ok: true });
    return agent;
  }

  function hotlineCall(scenario: 'hotline-call.xml' | 'hotline-call-asserted.xml' | 'hotline-call-remote-hangup.xml' | 'hotline-unanswered.xml', caller = '13800138000') {
    const callId = `hotline-${randomUUID()}`;
    const result = sippCall({
      scenario,
      target: `127.0.0.1:${kamailio.sipPort}`,
      dialled: '12345',
      caller,
      callId,
      talkMs: 500,
    });
    return { callId, result };
  }

  describe('registration', () => {
    it('when an operator registers with valid ephemeral credentials then the registration is accepted', async () => {
      const alice = await phone('op-alice');
      assert.deepEqual(await alice.register(), { ok: true });
    });

    it('when the password is wrong then the registration is refused', async () => {
      const good = issueSipCredentials({ user: 'op-alice', secret, now: new Date(), ttlSeconds: 60 });
      const alice = await phone('op-alice', { username: good.username, password: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' });
      const result = await alice.register();
      assert.equal(result.ok, false);
      assert.ok(!result.ok && [401, 403].includes(result.statusCode), JSON.stringify(result));
    });

    it('when the credentials were signed with another secret then the registration is refused', async () => {
      const forged = issueSipCredentials({ user: 'op-alice', secret: 'not-the-shared-secret', now: new Date(), ttlSeconds: 60 });
      const result = await (await phone('op-alice', forged)).register();
      assert.ok(!result.ok && [401, 403].includes(result.statusCode), JSON.stringify(result));
    });

    it('when the credentials have expired then the registration is refused', async () => {
      const expired = issueSipCredentials({ user: 'op-alice', secret, now: new Date(Date.now() - 120_000), ttlSeconds: 60 });
      const result = await (await phone('op-alice', expired)).register();
      assert.deepEqual(result, { ok: false, statusCode: 403, reasonPhrase: 'Credentials expired' });
    });

    it("when valid credentials are used for another user's address then the registration is refused", async () => {
      const bobs = issueSipCredentials({ user: 'op-bob', secret, now: new Date(), ttlSeconds: 60 });
      const result = await (await phone('op-alice', bobs)).register();
      assert.ok(!result.ok && result.statusCode === 403, JSON.stringify(result));
    });

    it('when a user agent has no credentials then it can neither register nor call the hotline over WebSocket', async () => {
      const anonymous = await SipUserAgent.start({ wsUrl: kamailio.wsUrl, domain, user: 'op-mallory' });
      agents.push(anonymous);
      const registration = await anonymous.register();
      assert.ok(!registration.ok && [401, 403].includes(registration.statusCode), JSON.stringify(registration));
      // Loopback over UDP is a trusted trunk; loopback over WebSocket (any web page) is not.
      const outcome = await anonymous.dial('12345').answered();
      assert.ok(!outcome.ok && [403, 407].includes(outcome.statusCode), JSON.stringify(outcome));
    });
  });

  describe('calls between softphones', () => {
    it('when operator A calls operator B over WebSocket then the call is established and ends with BYE', async () => {
      const alice = await registeredOperator('op-alice');
      const bob = await registeredOperator('op-bob');

      const call = alice.dial('op-bob');
      const incoming = await bob.nextIncomingCall();
      assert.equal(incoming.remoteUser, 'op-alice');
      await incoming.accept();
      assert.deepEqual(await call.answered(), { ok: true });
      await call.established();
      assert.equal(incoming.state, SessionState.Established);

      await call.hangUp();
      assert.equal(await incoming.waitForEnd(), 'remote-bye');
      assert.equal(await call.waitForEnd(), 'local-bye');

      const ended = await api.waitForEvent((e) => e.callId === call.callId && e.event === 'ended');
      assert.deepEqual({ reason: ended.reason, endedBy: ended.endedBy }, { reason: 'bye', endedBy: 'caller' });
      const answered = api.eventsFor(call.callId).find((e) => e.event === 'answered');
      assert.deepEqual(
        { caller: answered?.caller, callee: answered?.callee, direction: answered?.direction, operator: answered?.operator },
        { caller: 'op-alice', callee: 'op-bob', direction: 'internal', operator: 'op-alice' },
      );
    });

    it('when an operator unregisters then calls to them are not delivered', async () => {
      const alice = await registeredOperator('op-alice');
      const bob = await registeredOperator('op-bob');
      await bob.unregister();
      const outcome = await alice.dial('op-bob').answered();
      assert.ok(!outcome.ok && outcome.statusCode === 404, JSON.stringify(outcome));
    });
  });

  describe('calls to the hotline number', () => {
    it('when a citizen calls 12345 over UDP then the operator the API names takes it, and the API hears answered and ended', async () => {
      const alice = await registeredOperator('op-alice');
      const bob = await registeredOperator('op-bob');
      api.route = { targets: [`sip:op-bob@${domain}`], ringSeconds: 10 };

      const { callId, result } = hotlineCall('hotline-call.xml');
      const incoming = await bob.nextIncomingCall();
      assert.equal(incoming.remoteUser, '13800138000');
      await incoming.accept();
      const sipp = await result;
      assert.equal(sipp.exitCode, 0, sipp.diagnostics);
      assert.equal(await incoming.waitForEnd(), 'remote-bye');

      assert.deepEqual(api.routeQueries.at(-1), { callId, caller: '13800138000', callerWithheld: 'false' });
      const ended = await api.waitForEvent((e) => e.callId === callId && e.event === 'ended');
      assert.deepEqual({ operator: ended.operator, reason: ended.reason, endedBy: ended.endedBy }, { operator: 'op-bob', reason: 'bye', endedBy: 'caller' });
      const answered = api.eventsFor(callId).find((e) => e.event === 'answered');
      assert.deepEqual(
        { caller: answered?.caller, callee: answered?.callee, direction: answered?.direction, operator: answered?.operator },
        { caller: '13800138000', callee: '12345', direction: 'inbound', operator: 'op-bob' },
      );
      assert.match(answered?.at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      await assert.rejects(alice.nextIncomingCall(200), /timed out/, 'only the named operator rings');
    });

    it('when the API names nobody then the caller gets 480 at once and the API hears missed', async () => {
      await registeredOperator('op-alice');
      api.route = { targets: [] };

      const { callId, result } = hotlineCall('hotline-unanswered.xml', '13900139000');
      const sipp = await result;
      assert.equal(sipp.exitCode, 0, sipp.diagnostics);

      const missed = await api.waitForEvent((e) => e.callId === callId && e.event === 'missed');
      assert.deepEqual(
        { caller: missed.caller, callee: missed.callee, reason: missed.reason, operator: missed.operator },
        { caller: '13900139000', callee: '12345', reason: 'no-operator-ready', operator: undefined },
      );
      assert.equal(api.eventsFor(callId).length, 1, JSON.stringify(api.eventsFor(callId)));
    });

    it('when a trunk asserts the caller (P-Asserted-Identity with Privacy: id) then the API hears that number, marked withheld, and the operator still gets it', async () => {
      const bob = await registeredOperator('op-bob');
      api.route = { targets: [`sip:op-bob@${domain}`], ringSeconds: 10 };

      const { callId, result } = hotlineCall('hotline-call-asserted.xml', '+8613900139005');
      const incoming = await bob.nextIncomingCall();
      assert.deepEqual([incoming.remoteUser, incoming.assertedIdentity], ['anonymous', '"Citizen" <tel:+8613900139005>']);
      await incoming.accept();
      const sipp = await result;
      assert.equal(sipp.exitCode, 0, sipp.diagnostics);

      assert.deepEqual(api.routeQueries.at(-1), { callId, caller: '+8613900139005', callerWithheld: 'true' });
      await api.waitForEvent((e) => e.callId === callId && e.event === 'ended');
      assert.deepEqual(api.eventsFor(callId).map((e) => [e.event, e.caller, e.callerWithheld]), [['answered', '+8613900139005', true], ['ended', '+8613900139005', true]]);
    });

    it('when the named operator does not answer within ringSeconds then the caller gets 480 and the API hears missed', async () => {
      const bob = await registeredOperator('op-bob');
      api.route = { targets: [`sip:op-bob@${domain}`], ringSeconds: 2 };

      const { callId, result } = hotlineCall('hotline-unanswered.xml');
      const ringing: SipCall = await bob.nextIncomingCall();
      const sipp = await result;
      assert.equal(sipp.exitCode, 0, sipp.diagnostics);
      await ringing.waitForEnd();

      const missed = await api.waitForEvent((e) => e.callId === callId && e.event === 'missed');
      assert.equal(missed.reason, 'no-answer');
    });

    it('when the named operator is not registered then the caller gets 480 and the API hears missed', async () => {
      api.route = { targets: [`sip:op-nobody@${domain}`] };
      const { callId, result } = hotlineCall('hotline-unanswered.xml');
      assert.equal((await result).exitCode, 0);
      const missed = await api.waitForEvent((e) => e.callId === callId && e.event === 'missed');
      assert.equal(missed.reason, 'operator-not-registered');
    });

    for (const [failure, behaviour] of [
      ['drops the connection', 'drop'],
      ['does not answer within a second', 'hang'],
    ] as const) {
      it(`when the route endpoint ${failure} then every registered operator rings and the first to answer takes the call`, async () => {
        const alice = await registeredOperator('op-alice');
        const bob = await registeredOperator('op-bob');
        api.route = behaviour;

        const { callId, result } = hotlineCall('hotline-call.xml');
        const [aliceRings, bobRings] = await Promise.all([alice.nextIncomingCall(), bob.nextIncomingCall()]);
        await aliceRings.accept();
        assert.equal((await result).exitCode, 0);
        assert.notEqual(await bobRings.waitForEnd(), 'remote-bye', "bob's ringing stops when alice answers");

        const answered = await api.waitForEvent((e) => e.callId === callId && e.event === 'answered');
        assert.equal(answered.operator, 'op-alice');
        await api.waitForEvent((e) => e.callId === callId && e.event === 'ended');
      });
    }

    it('when the operator hangs up then the citizen gets BYE through Kamailio and the API hears ended', async () => {
      const bob = await registeredOperator('op-bob');
      api.route = { targets: [`sip:op-bob@${domain}`] };

      const { callId, result } = hotlineCall('hotline-call-remote-hangup.xml');
      const incoming = await bob.nextIncomingCall();
      await incoming.accept();
      await api.waitForEvent((e) => e.callId === callId && e.event === 'answered');
      await incoming.hangUp();
      const sipp = await result;
      assert.equal(sipp.exitCode, 0, sipp.diagnostics);

      const ended = await api.waitForEvent((e) => e.callId === callId && e.event === 'ended');
      assert.deepEqual({ operator: ended.operator, reason: ended.reason, endedBy: ended.endedBy }, { operator: 'op-bob', reason: 'bye', endedBy: 'callee' });
    });

    it("when the operator's browser dies mid-call then Kamailio hangs up on the citizen and the API hears ended", async () => {
      const bob = await registeredOperator('op-bob');
      api.route = { targets: [`sip:op-bob@${domain}`] };

      const { callId, result } = hotlineCall('hotline-call-remote-hangup.xml');
      const incoming = await bob.nextIncomingCall();
      await incoming.accept();
      await withTimeout(incoming.acknowledged, 5000, "the citizen's ACK");
      await bob.vanish();
      const sipp = await result;
      assert.equal(sipp.exitCode, 0, sipp.diagnostics);

      const ended = await api.waitForEvent((e) => e.callId === callId && e.event === 'ended');
      assert.deepEqual(
        { operator: ended.operator, reason: ended.reason, endedBy: ended.endedBy },
        { operator: 'op-bob', reason: 'connection-lost', endedBy: 'callee' },
      );
    });
  });

  describe('calls from a browser', () => {
    it('when the operator rejects the call then the citizen gets 486 and the API hears missed', async () => {
      const bob = await registeredOperator('op-bob');
      const citizen = await phone('c-13700137001');
      api.route = { targets: [`sip:op-bob@${domain}`] };

      const call = citizen.dial('12345');
      await (await bob.nextIncomingCall()).reject(486);
      const outcome = await call.answered();
      assert.ok(!outcome.ok && outcome.statusCode === 486, JSON.stringify(outcome));
      const missed = await api.waitForEvent((e) => e.callId === call.callId && e.event === 'missed');
      assert.deepEqual({ caller: missed.caller, reason: missed.reason }, { caller: 'c-13700137001', reason: 'rejected' });
    });

    it('when the citizen hangs up while the operator rings then the ringing stops and the API hears missed', async () => {
      const bob = await registeredOperator('op-bob');
      const citizen = await phone('c-13700137002');
      api.route = { targets: [`sip:op-bob@${domain}`] };

      const call = citizen.dial('12345');
      const ringing = await bob.nextIncomingCall();
      await call.hangUp();
      const outcome = await call.answered();
      assert.ok(!outcome.ok && outcome.statusCode === 487, JSON.stringify(outcome));
      assert.notEqual(await ringing.waitForEnd(), 'remote-bye');
      const missed = await api.waitForEvent((e) => e.callId === call.callId && e.event === 'missed');
      assert.equal(missed.reason, 'caller-cancelled');
    });

    it("when a citizen calls 12345 from a browser and the operator's browser dies then the citizen gets BYE", async () => {
      const bob = await registeredOperator('op-bob');
      const citizen = await phone('c-13700137000');
      api.route = { targets: [`sip:op-bob@${domain}`] };

      const call = citizen.dial('12345');
      const incoming = await bob.nextIncomingCall();
      assert.equal(incoming.remoteUser, 'c-13700137000');
      await incoming.accept();
      assert.deepEqual(await call.answered(), { ok: true });
      await withTimeout(incoming.acknowledged, 5000, "the citizen's ACK");

      await bob.vanish();
      assert.equal(await call.waitForEnd(10_000), 'remote-bye');
      const ended = await api.waitForEvent((e) => e.callId === call.callId && e.event === 'ended');
      assert.deepEqual(
        { caller: ended.caller, operator: ended.operator, reason: ended.reason, endedBy: ended.endedBy },
        { caller: 'c-13700137000', operator: 'op-bob', reason: 'connection-lost', endedBy: 'callee' },
      );
    });

    it('when a browser caller asserts another identity (P-Asserted-Identity, Privacy: id) then Kamailio neither believes nor passes it on: only trunks assert callers', async () => {
      const bob = await registeredOperator('op-bob');
      const citizen = await phone('c-13700137004');
      api.route = { targets: [`sip:op-bob@${domain}`] };

      const call = citizen.dial('12345', ['P-Asserted-Identity: <sip:13800138000@hotline.local>', 'Privacy: id']);
      const incoming = await bob.nextIncomingCall();
      assert.deepEqual([incoming.remoteUser, incoming.assertedIdentity], ['c-13700137004', undefined]);
      assert.deepEqual(api.routeQueries.find((query) => query.callId === call.callId), { callId: call.callId, caller: 'c-13700137004', callerWithheld: 'false' });
      await incoming.reject();
      await call.answered();
      const missed = await api.waitForEvent((e) => e.callId === call.callId && e.event === 'missed');
      assert.deepEqual([missed.caller, missed.callerWithheld], ['c-13700137004', undefined]);
    });

    it("when the citizen's browser dies mid-call then the operator gets BYE and the API hears the caller's connection was lost", async () => {
      const bob = await registeredOperator('op-bob');
      const citizen = await phone('c-13700137003');
      api.route = { targets: [`sip:op-bob@${domain}`] };

      const call = citizen.dial('12345');
      const incoming = await bob.nextIncomingCall();
      await incoming.accept();
      assert.deepEqual(await call.answered(), { ok: true });
      await withTimeout(incoming.acknowledged, 5000, "the citizen's ACK");

      await citizen.vanish();
      assert.equal(await incoming.waitForEnd(10_000), 'remote-bye');
      const ended = await api.waitForEvent((e) => e.callId === call.callId && e.event === 'ended');
      assert.deepEqual({ reason: ended.reason, endedBy: ended.endedBy }, { reason: 'connection-lost', endedBy: 'caller' });
    });
  });

  describe('plain SIP from the trunk address', () => {
    /** Sends one request over UDP from 127.0.0.1 and returns the first final answer's status line. */
    async function sendOverUdp(request: (local: string) => string): Promise<string> {
      const socket = createSocket('udp4');
      try {
        await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
        const local = `127.0.0.1:${socket.address().port}`;
        const answer = new Promise<string>((resolve) =>
          socket.on('message', (message) => {
            const statusLine = message.toString('latin1').split('\r\n')[0] ?? '';
            if (!/^SIP\/2\.0 1\d\d/.test(statusLine)) resolve(statusLine);
          }),
        );
        socket.send(request(local).replaceAll('\n', '\r\n'), kamailio.sipPort, '127.0.0.1');
        return await withTimeout(answer, 3000, 'an answer over UDP');
      } finally {
        socket.close();
      }
    }

    it('when a trunk caller dials an operator instead of the hotline then credentials are demanded', async () => {
      await registeredOperator('op-bob');
      const status = await sendOverUdp(
        (local) => `INVITE sip:op-bob@${domain} SIP/2.0
Via: SIP/2.0/UDP ${local};branch=z9hG4bK-${randomUUID()};rport
Max-Forwards: 70
From: <sip:13800138000@${local}>;tag=a
To: <sip:op-bob@${domain}>
Call-ID: ${randomUUID()}
CSeq: 1 INVITE
Contact: <sip:13800138000@${local}>
Content-Length: 0

`,
      );
      assert.match(status, /^SIP\/2\.0 407 /);
    });

    it('when a request only pretends to be in a call of ours then it is not relayed', async () => {
      const status = await sendOverUdp(
        (local) => `BYE sip:victim@192.0.2.1 SIP/2.0
Via: SIP/2.0/UDP ${local};branch=z9hG4bK-${randomUUID()};rport
Route: <sip:127.0.0.1:${kamailio.sipPort};lr>
Max-Forwards: 70
From: <sip:13800138000@${local}>;tag=a
To: <sip:victim@192.0.2.1>;tag=b
Call-ID: ${randomUUID()}
CSeq: 2 BYE
Content-Length: 0

`,
      );
      assert.match(status, /^SIP\/2\.0 403 /);
    });
  });

  // Last on purpose: it checks what all the calls above sent.
  describe('the API contract', () => {
    it('when Kamailio calls the API then every request carries the telephony token', () => {
      assert.ok(api.routeQueries.length > 0 && api.events.length > 0);
      assert.equal(api.unauthorized, 0);
    });
  });
});
