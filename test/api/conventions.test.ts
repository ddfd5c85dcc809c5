import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import supertest from 'supertest';
import type { Express } from 'express';
import { aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';
import { stopTestDatabase } from '../helpers/global-setup.js';
import { createApp } from '../../api/app.js';
import { createLogger } from '../../core/platform/logger.js';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (method, path) Express would answer, read from the router itself. */
function expressRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods)) {
          for (const p of paths) found.push(`${method.toUpperCase()} ${p.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\/$/, '') || '/'}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(found)];
}

describe('API conventions: OpenAPI, errors, health, metrics', () => {
  const t = useTestApp();
  let admin: SignedInAgent;
  let document: {
    paths: Record<string, Record<string, { requestBody?: { content: { 'application/json'?: { schema: { required?: string[] } } } }; security?: unknown[] }>>;
  };

  before(async () => {
    const user = await aUser(t.services, ['administrator']);
    admin = await signIn(t.app, user.username, testPassword);
    document = (await supertest(t.app).get('/api/openapi.json')).body;
  });

  it('when the OpenAPI document is fetched, then it validates and lists every route the app serves', async () => {
    await SwaggerParser.validate(structuredClone(document) as never);
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    const missing = expressRoutes(t.app).filter((route) => !route.startsWith('GET /api/docs/initializer') && !documented.has(route));
    assert.deepEqual(missing, []);
    assert.ok(documented.size >= 25);
    const docs = await supertest(t.app).get('/api/docs');
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger-ui/);
    assert.equal((await supertest(t.app).get('/api/docs/swagger-ui-bundle.js')).status, 200);
  });

  it('when any write route gets an empty or unknown-field body, then 400 VALIDATION_FAILED names the field', async () => {
    const fakeId = '0123456789abcdef01234567';
    let checked = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        // The JSON API's conventions; Open311 takes forms and answers in the specification's error lists, file uploads the file's bytes (test/api/attachments.test.ts).
        const json = operation.requestBody?.content['application/json'];
        if (!json) continue;
        const url = path.replace(/\{[^}]+\}/g, fakeId);
        const required = json.schema.required ?? [];
        for (const body of required.length ? [{}, { __bogus: 1, version: 1 }] : [{ __bogus: 1, version: 1 }]) {
          const res = await admin.agent[method as 'post'](url).set('x-csrf-token', admin.csrf).send(body);
          assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${res.status}`);
          assert.equal(res.body.error.code, 'VALIDATION_FAILED');
          const fields: { field: string }[] = res.body.error.details.fields;
          assert.ok(fields.length > 0 && fields.every((f) => f.field && f.field !== 'body'), `${method} ${path}: ${JSON.stringify(fields)}`);
          assert.ok(fields.some((f) => res.body.error.message.includes(f.field)));
          if ('__bogus' in body) assert.ok(fields.some((f) => f.field === '__bogus'), `${method} ${path}: ${JSON.stringify(fields)}`);
        }
        checked += 1;
      }
    }
    assert.ok(checked >= 11, `only ${checked} write routes`);
  });

  it('when a field has the wrong type or format, then the message says which field and why', async () => {
    const res = await admin.post('/api/departments').send({ code: 'a b', name: 42, kind: 'planet' });
    assert.equal(res.status, 400);
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    assert.deepEqual(fields, ['code', 'kind', 'name']);
    const badId = await admin.get('/api/departments/not-an-id');
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.details.fields[0].field, 'id');
  });

  it('when the body is not JSON or too large, then a clear 400 or 413 without a stack trace', async () => {
    const broken = await admin.post('/api/departments').set('content-type', 'application/json').send('{"code": ');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, 'INVALID_JSON');
    assert.doesNotMatch(JSON.stringify(broken.body), /at .*\.js|node_modules/);
    const huge = await admin.post('/api/categories/import').send({ csv: 'x'.repeat(1_100_000) });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('when a route does not exist, then 404 NOT_FOUND in the JSON error shape with a request id', async () => {
    const res = await supertest(t.app).get('/api/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'NOT_FOUND');
    assert.equal(res.body.error.requestId, res.headers['x-request-id']);
    assert.equal((await admin.get('/api/departments/0123456789abcdef01234567')).status, 404);
  });

  it('when a response is sent, then it carries security headers and metrics count it', async () => {
    const res = await supertest(t.app).get('/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.ok(res.headers['content-security-policy']);
    assert.equal(res.headers['x-powered-by'], undefined);
    const metrics = await supertest(t.app).get('/metrics');
    assert.match(metrics.text, /http_requests_total\{method="GET",route="\/healthz",status="200"\}/);
  });

  it('when a dependency does not answer, then /readyz answers 503 naming it, with each dependency\'s state and Retry-After', async () => {
    const ok = await supertest(t.app).get('/readyz');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { status: 'ok', dependencies: { database: 'up' } });
    const app = createApp({
      services: t.services, clock: t.clock, logger: createLogger('silent'), cookieSecure: false, trustProxy: false,
      dependencies: [{ name: 'telephony', answers: async () => false }, { name: 'mail', answers: async () => true }, { name: 'sms', answers: () => new Promise(() => {}) }],
    });
    const down = await supertest(app).get('/readyz');
    assert.equal(down.status, 503);
    assert.equal(down.body.error.code, 'NOT_READY');
    assert.deepEqual(down.body.error.details.down, ['telephony', 'sms']);
    assert.deepEqual(down.body.error.details.dependencies, { database: 'up', telephony: 'down', mail: 'up', sms: 'down' });
    assert.match(down.body.error.message, /telephony, sms/);
    assert.equal(down.headers['retry-after'], '5');
  });

  it('when the database stops, then /readyz and every route answer 503 with Retry-After (not 500) and, once it is back, 200 again without restarting the API', async function () {
    if (process.env.MONGODB_URI) this.skip();
    this.timeout(120_000);
    assert.equal((await supertest(t.app).get('/readyz')).status, 200);
    assert.equal((await admin.get('/api/departments')).status, 200);
    const restart = await stopTestDatabase();
    try {
      const down = await supertest(t.app).get('/readyz');
      assert.equal(down.status, 503);
      assert.equal(down.body.error.code, 'NOT_READY');
      assert.deepEqual(down.body.error.details.down, ['database']);
      assert.equal(down.headers['retry-after'], '5');
      assert.equal((await supertest(t.app).get('/healthz')).status, 200);
      // Signed in (the session is read from the database), public, and a sign-in: each a clear 503.
      for (const [route, res] of [
        ['GET /api/departments', await admin.get('/api/departments')],
        ['POST /api/departments', await admin.post('/api/departments').send({ code: 'outage', name: 'Outage' })],
        ['GET /api/public/categories', await supertest(t.app).get('/api/public/categories')],
        ['POST /api/auth/login', await supertest(t.app).post('/api/auth/login').send({ username: 'nobody', password: 'wrong password' })],
      ] as const) {
        assert.equal(res.status, 503, `${route}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'DATABASE_UNAVAILABLE');
        assert.equal(res.headers['retry-after'], '5');
      }
    } finally {
      await restart();
    }
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await supertest(t.app).get('/readyz')).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 200);
    // The same session, without signing in again.
    assert.equal((await admin.get('/api/departments')).status, 200);
  });
});
