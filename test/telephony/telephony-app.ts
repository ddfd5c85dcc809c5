import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createApp } from '../../api/app.js';
import { newSecret } from '../../core/accounts/secrets.js';
import type { Role } from '../../core/accounts/roles.js';
import { sipUserFor } from '../../core/calls/sip-credentials.js';
import { HOTLINE_NUMBER, telephonySettingsFrom, type TelephonySettings } from '../../core/calls/telephony-settings.js';
import type { Clock } from '../../core/platform/clock.js';
import { loadConfig } from '../../core/platform/config.js';
import { createLogger } from '../../core/platform/logger.js';
import { createServices, serviceSettings } from '../../core/services.js';
import { aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent, type TestContext } from '../helpers/test-app.js';
import type { TelephonyEvent } from './fake-telephony-api.js';

export interface TelephonyTestContext extends TestContext {
  telephony: TelephonySettings;
}

/**
 * `useTestApp` with telephony on: services and app are rebuilt from a configuration with a fresh
 * SIP secret and Kamailio token, plus `env()` (read when the hooks run, so a Kamailio started in an
 * earlier hook can supply its WebSocket URL). `clock` replaces the fixed clock for real-time tests.
 */
export function useTelephonyApp(env: () => Record<string, string> = () => ({}), options: { clock?: Clock; at?: string } = {}): TelephonyTestContext {
  const context = useTestApp({ at: options.at }) as TelephonyTestContext;
  before(async () => {
    const config = loadConfig({ DATA_DIR: context.dataDir, SIP_SECRET: newSecret(), TELEPHONY_TOKEN: newSecret(), ...env() });
    context.telephony = telephonySettingsFrom(config)!;
    context.services = await createServices(context.connection, serviceSettings(config));
    context.app = createApp({
      services: context.services, clock: options.clock ?? context.clock, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), cookieSecure: false, trustProxy: false,
    });
  });
  return context;
}

/** The body Kamailio posts; caller, callee, direction and `at` (the app's now) have defaults. */
export type EventInput = Pick<TelephonyEvent, 'event' | 'callId'> & Partial<TelephonyEvent>;

/** Kamailio's two requests to the API, exactly as kamailio.cfg sends them (JSON labelled as a form). */
export function kamailioRequests(t: TelephonyTestContext, token = () => t.telephony.telephonyToken) {
  return {
    route: (callId: string, caller = '13800138000') =>
      supertest(t.app).get('/internal/telephony/route').query({ callId, caller }).set('X-Telephony-Token', token()),
    event: (input: EventInput) =>
      supertest(t.app)
        .post('/internal/telephony/events')
        .set('X-Telephony-Token', token())
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(JSON.stringify({ caller: '13800138000', callee: HOTLINE_NUMBER, direction: 'inbound', at: toTheSecond(t.clock.now()), ...input })),
  };
}

/** Kamailio's `at`: UTC to the second. */
export const toTheSecond = (at: Date): string => `${at.toISOString().slice(0, 19)}Z`;

export interface Staff extends SignedInAgent {
  username: string;
  sipUser: string;
  put(url: string): supertest.Test;
}

export async function aStaffMember(t: TestContext, roles: Role[] = ['operator'], departmentId: string | null = null): Promise<Staff> {
  const user = await aUser(t.services, roles, { departmentId });
  const session = await signIn(t.app, user.username, testPassword);
  return { ...session, username: user.username, sipUser: sipUserFor(user.username), put: (url) => session.agent.put(url).set('x-csrf-token', session.csrf) };
}

/** An operator with SIP credentials who is ready for calls as of the app's now. */
export async function aReadyOperator(t: TestContext): Promise<Staff> {
  const operator = await aStaffMember(t);
  assert.equal((await operator.post('/api/telephony/credentials')).status, 200);
  assert.equal((await operator.put('/api/telephony/agent-state').send({ state: 'ready' })).status, 200);
  return operator;
}

/** Operators left ready or ringing by an earlier test would take the next test's calls. */
export async function nobodyReady(t: TestContext): Promise<void> {
  await t.services.telephony.agents.updateMany({}, { $set: { state: 'not_ready', readySince: null, callId: null } });
}
