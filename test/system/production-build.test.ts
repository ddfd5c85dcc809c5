import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../../core/platform/database.js';
import { projectRoot } from '../../infra/documentdb/launcher.js';
import { freePort } from '../../infra/free-port.js';
import { testDatabaseUri } from '../helpers/global-setup.js';

const dist = path.join(projectRoot, 'dist');
const dbName = 'production-build-test';

/** Runs `command`, its output kept; rejects when it fails or has not exited after `ms`. */
function run(command: string, args: string[], ms: number, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: not done within ${ms / 1000} s\n${output}`));
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(Object.assign(new Error(`${command} ${args.join(' ')} exited with ${code}\n${output}`), { output }));
    });
  });
}

/** Polls `probe` every 200 ms until it returns true, or fails naming `what` after `ms`. */
async function within(ms: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM, then SIGKILL when it has not exited after 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describe('System: the production build', function () {
  this.timeout(120_000);

  before(async function () {
    this.timeout(90_000);
    await run('npm', ['run', 'build'], 75_000);
  });

  after(async () => {
    const connection = await connectDatabase(testDatabaseUri(), dbName);
    await connection.dropDatabase().catch(() => {});
    await connection.close();
  });

  it('when npm run build has run, then node dist/api/server.js, without tsx, answers /healthz and serves the consoles and the softphone with the bundles prebuilt in dist/', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hotline12345-production-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH, HOME: process.env.HOME,
      NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir,
      MONGODB_URI: testDatabaseUri(), MONGODB_DB: dbName,
      // What production requires; nothing answers at these addresses, which /healthz does not ask.
      SIP_SECRET: 'production-build-test-secret', TELEPHONY_TOKEN: 'production-build-test-token',
      SMTP_HOST: '127.0.0.1', SMTP_PORT: '9', SMS_GATEWAY_URL: 'http://127.0.0.1:9/', SMS_GATEWAY_TOKEN: 'unused',
    };
    const api = spawn(process.execPath, [path.join(dist, 'api/server.js')], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    api.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    api.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const base = `http://127.0.0.1:${port}`;
    try {
      await within(20_000, `/healthz 200 from the compiled API\n${output}`, async () => {
        if (api.exitCode !== null) throw new Error(`the compiled API exited with ${api.exitCode}\n${output}`);
        return fetch(`${base}/healthz`).then((r) => r.status === 200, () => false);
      });
      const args = execFileSync('ps', ['-o', 'args=', '-p', String(api.pid)], { encoding: 'utf8' }).trim();
      assert.doesNotMatch(args, /tsx/, args);
      assert.match(args, /dist\/api\/server\.js$/);

      for (const [page, entry, built] of [['/portal/', '/console/assets/portal', 'consoles'], ['/console/workspace/', '/console/assets/workspace', 'consoles'], ['/softphone/', '/softphone/assets/softphone', 'softphone']] as const) {
        const html = await fetch(`${base}${page}`);
        assert.equal(html.status, 200, page);
        const text = await html.text();
        const bundle = new RegExp(`src="(${entry}-[A-Z0-9]{8}\\.js)"`).exec(text)?.[1];
        assert.ok(bundle, `${page} loads ${entry}-<hash>.js:\n${text}`);
        const js = await fetch(`${base}${bundle}`, { headers: { 'accept-encoding': 'identity' } });
        assert.equal(js.status, 200, bundle);
        assert.match(js.headers.get('content-type') ?? '', /javascript/);
        const file = path.join(dist, 'api/public/build', built, 'assets', path.basename(bundle));
        assert.equal(await js.text(), readFileSync(file, 'utf8'), `${bundle} is the minified bundle of dist/`);
        assert.ok(existsSync(`${file}.br`) && existsSync(`${file}.gz`), `${bundle} is precompressed in dist/`);
      }
    } finally {
      await stop(api);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('when dist/ is missing its build record or is older than the sources, then npm start in production refuses and says to run npm run build', async () => {
    const record = path.join(dist, 'build.json');
    const kept = `${record}.kept`;
    const env = { ...process.env, NODE_ENV: 'production' };
    const refusal = (what: string) => run(process.execPath, ['scripts/launch.mjs'], 10_000, env).then(
      (output) => assert.fail(`${what}: started\n${output}`),
      (err: Error & { output?: string }) => assert.match(err.output ?? err.message, /\[start\] dist\/ .*: run npm run build/),
    );
    renameSync(record, kept);
    try {
      await refusal('without dist/build.json');
      const built = JSON.parse(readFileSync(kept, 'utf8')) as { startedAt: number };
      writeFileSync(record, JSON.stringify({ ...built, startedAt: 0 }));
      await refusal('with every source newer than the build');
    } finally {
      if (existsSync(kept)) renameSync(kept, record);
    }
  });
});
