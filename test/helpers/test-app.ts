import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../../api/app.js';
import { connectDatabase } from '../../core/platform/database.js';
import { fixedClock } from '../../core/platform/clock.js';
import { createLogger } from '../../core/platform/logger.js';
import { createServices, type Services } from '../../core/services.js';
import { attachmentSettingsFrom } from '../../core/attachments/attachments.js';
import { loadConfig } from '../../core/platform/config.js';
import type { InboundSettings } from '../../core/inbound/inbound-settings.js';
import { testDatabaseUri } from './global-setup.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';

export interface TestContext {
  app: Express;
  services: Services;
  connection: Connection;
  clock: ReturnType<typeof fixedClock>;
  /** This file's DATA_DIR, for the files the system keeps beside the database (attachments). */
  dataDir: string;
}

let counter = 0;

/**
 * A fresh database and app for one test file: call in `describe`, it registers before/after hooks.
 * The clock is fixed so tests decide what time it is.
 */
export function useTestApp(options: { maxFailures?: number; at?: string; inbound?: () => InboundSettings } = {}): TestContext {
  const context = {} as TestContext;
  before(async function () {
    const file = path.basename(this.test?.parent?.file ?? 'suite', '.test.ts').replace(/[^A-Za-z0-9]/g, '_');
    const dbName = `t_${file}_${process.pid}_${counter++}`.slice(0, 60);
    context.connection = await connectDatabase(testDatabaseUri(), dbName);
    context.clock = fixedClock(options.at ?? '2026-03-02T02:00:00Z');
    context.dataDir = mkdtempSync(path.join(os.tmpdir(), `hotline12345-${file}-`));
    context.services = await createServices(context.connection, {
      authentication: { sessionTtlHours: 12, maxFailures: options.maxFailures ?? 5, lockMinutes: 15 },
      attachments: attachmentSettingsFrom(loadConfig({ DATA_DIR: context.dataDir })),
      inbound: options.inbound?.(),
    });
    context.app = createApp({ services: context.services, clock: context.clock, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), cookieSecure: false, trustProxy: false });
  });
  after(async () => {
    await context.connection?.dropDatabase().catch(() => {});
    await context.connection?.close();
    if (context.dataDir) rmSync(context.dataDir, { recursive: true, force: true });
  });
  return context;
}

export interface SignedInAgent {
  agent: InstanceType<typeof TestAgent>;
  csrf: string;
  userId: string;
  /** A request builder that adds the CSRF header to writes. */
  post(url: string): supertest.Test;
  patch(url: string): supertest.Test;
  delete(url: string): supertest.Test;
  get(url: string): supertest.Test;
}

export async function signIn(app: Express, username: string, password: string): Promise<SignedInAgent> {
  const agent = supertest.agent(app);
  const res = await agent.post('/api/auth/login').send({ username, password });
  if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const csrf: string = res.body.csrfToken;
  return {
    agent,
    csrf,
    userId: res.body.user.id,
    post: (url) => agent.post(url).set('x-csrf-token', csrf),
    patch: (url) => agent.patch(url).set('x-csrf-token', csrf),
    delete: (url) => agent.delete(url).set('x-csrf-token', csrf),
    get: (url) => agent.get(url),
  };
}

/** A department and who takes a ticket through it: an operator, a dispatcher and the department's staff, each signed in. */
export interface TicketDesk {
  department: { id: string };
  operator: SignedInAgent;
  dispatcher: SignedInAgent;
  staff: SignedInAgent;
}

/** Creates the desk of a test file in a `before` hook (call in `describe`, after `useTestApp`). */
export function useTicketDesk(t: TestContext): TicketDesk {
  const desk = {} as TicketDesk;
  before(async () => {
    desk.department = await aDepartment(t.services);
    desk.operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
    desk.dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    desk.staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: desk.department.id })).username, testPassword);
  });
  return desk;
}
