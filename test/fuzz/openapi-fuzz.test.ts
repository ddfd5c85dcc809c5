import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../infra/documentdb/launcher.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { useTestApp } from '../helpers/test-app.js';

/** Installed by scripts/setup.sh (pinned) into the project's cache. */
const schemathesis = path.join(projectRoot, '.cache/python/bin/schemathesis');

/**
 * A property-based fuzz of the whole OpenAPI document with schemathesis, as an administrator (who
 * may call nearly every route): no generated request may get a server error or a response that
 * breaks the documented schema. Bounded: a few examples per operation, one seed.
 */
describe('Fuzz: the whole OpenAPI document (schemathesis)', function () {
  this.timeout(900_000);
  const t = useTestApp({ maxFailures: 1_000_000 });
  let server: Server;
  let base: string;

  before(async function () {
    if (!existsSync(schemathesis)) throw new Error(`schemathesis is not installed at ${schemathesis}: run bash scripts/setup.sh`);
    server = createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Some data for the generated ids and filters to meet.
    const department = await aDepartment(t.services);
    await aCategory(t.services);
    await aUser(t.services, ['department_staff'], { departmentId: department.id });
  });
  after(() => server?.close());

  it('when every operation gets generated requests, then no server error and every response matches the document', async () => {
    const admin = await aUser(t.services, ['administrator']);
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: admin.username, password: testPassword }) });
    assert.equal(login.status, 200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const reportDir = mkdtempSync(path.join(os.tmpdir(), 'fuzz-'));
    try {
      // Run in the temporary folder: schemathesis keeps a cache in its working directory.
      const run = await schemathesisRun(reportDir, [
        `${base}/api/openapi.json`, '--url', `${base}`,
        '--header', `Cookie: ${cookie}`, '--header', `X-CSRF-Token: ${csrfToken}`,
        '--checks', 'not_a_server_error,response_schema_conformance,content_type_conformance',
        '--phases', 'examples,coverage,fuzzing', '--max-examples', '15', '--seed', '12345', '--workers', '2',
        // The session is the fuzzer's credential: a generated Authorization header would replace it.
        '--generation-with-security-parameters', 'false',
        // No example database: every run starts from the seed alone.
        '--generation-database', 'none',
        // Signing out or changing the password would end the fuzzer's own session.
        '--exclude-path-regex', '/api/auth/(logout|password)',
        '--no-color', '--report', 'har', '--report-har-path', process.env.FUZZ_HAR ?? path.join(reportDir, 'requests.har'),
      ]);
      const summary = run.out.split('\n').filter((line) => /passed|failed|errored|Failures|operations/i.test(line)).slice(-8).join('\n');
      console.log(`      schemathesis: ${summary.replace(/\n/g, ' | ')}`);
      assert.equal(run.code, 0, run.out.slice(-6000));
    } finally {
      rmSync(reportDir, { recursive: true, force: true });
    }
  });
});

function schemathesisRun(cwd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(schemathesis, ['run', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}
