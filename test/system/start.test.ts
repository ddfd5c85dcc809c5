import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/free-port.js';

/** Every process below `pid` with its command line, found through ps. */
function descendants(pid: number): { pid: number; args: string }[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const children = new Map<number, { pid: number; args: string }[]>();
  for (const line of out.trim().split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const parent = Number(match[2]);
    children.set(parent, [...(children.get(parent) ?? []), { pid: Number(match[1]), args: match[3]! }]);
  }
  const found: { pid: number; args: string }[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (found.push(c), walk(c.pid)));
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `probe` every 200 ms until it returns a value, or fails naming `what` after `ms`. */
async function within<T>(ms: number, what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('System: the start command', function () {
  this.timeout(300_000);

  it('when started, then /readyz answers 200; when the API, the workers, the database or Kamailio is killed, then it is restarted and /readyz is 200 again; when sent SIGTERM, then it stops every process it started', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hotline12345-start-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      // Port 0: Kamailio on any free ports, so that this test runs beside a development start.
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', MONGODB_URI: '', SIP_PORT: '0', SIP_WS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const readyz = () => fetch(`http://127.0.0.1:${port}/readyz`).then(async (r) => ({ status: r.status, body: await r.text() }), () => ({ status: 0, body: '' }));
    const ready = async () => ((await readyz()).status === 200 ? true : undefined);
    // Every process seen below start, with its command line: a pid reused by another program is not ours.
    const seen = new Map<number, string>();
    const find = (pattern: RegExp) => {
      const all = descendants(child.pid!);
      all.forEach((p) => seen.set(p.pid, p.args));
      return all.find((p) => pattern.test(p.args))?.pid;
    };
    /** kill -9 of one child's main process; then a new one runs, start logged the restart, and /readyz is 200 again. */
    const killAndAwaitRestart = async (name: string, pattern: RegExp, logged: RegExp, boundMs: number) => {
      const before = find(pattern);
      assert.ok(before, `${name} not found among:\n${descendants(child.pid!).map((p) => p.args).join('\n')}`);
      process.kill(before, 'SIGKILL');
      await within(boundMs, `${name} restarted`, () => {
        const now = find(pattern);
        return now !== undefined && now !== before && logged.test(output) ? now : undefined;
      });
      await within(boundMs, `/readyz 200 after ${name} was killed`, ready);
    };
    try {
      await within(120_000, `/readyz 200 at start\n${output}`, ready);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      const body = JSON.parse((await readyz()).body) as { status: string; dependencies: Record<string, string> };
      assert.equal(body.dependencies.database, 'up');
      const started = descendants(child.pid!);
      started.forEach((p) => seen.set(p.pid, p.args));
      assert.ok(started.length >= 3, `expected the database, the API and the workers, found ${started.length}`);

      await killAndAwaitRestart('the API', /api\/server\.ts/, /\[start\] api exited \(SIGKILL\); restarting in 1 s/, 30_000);
      await killAndAwaitRestart('the workers', /workers\/worker\.ts/, /\[start\] workers exited \(SIGKILL\); restarting in 1 s/, 30_000);
      await killAndAwaitRestart('PostgreSQL', /bin\/postgres -D/, /\[start\] database exited \(postgres SIGKILL\); restarting in 1 s/, 60_000);
      if (/Kamailio ready/.test(output)) {
        await killAndAwaitRestart('Kamailio', /^kamailio -f/, /\[start\] kamailio and rtpengine exited \(kamailio SIGKILL\); restarting in 1 s/, 30_000);
        assert.equal(JSON.parse((await readyz()).body).dependencies.telephony, 'up');
      }

      find(/./);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      // Children of children (Kamailio's workers, esbuild's service) exit once their parent is gone: allow them a moment.
      const argsOf = (pid: number) => { try { return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim(); } catch { return null; } };
      const ours = () => [...seen].filter(([pid, args]) => alive(pid) && argsOf(pid) === args).map(([, args]) => args);
      await within(10_000, 'every process gone', () => (ours().length > 0 ? undefined : true)).catch(() => {});
      const left = ours();
      assert.deepEqual(left, [], 'processes left behind');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- start's output ---\n${output.slice(-6000)}`, { cause: err });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
