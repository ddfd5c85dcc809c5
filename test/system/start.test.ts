import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/free-port.js';

/** Every process below `pid`, found through /proc via ps. */
function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (found.push(c), walk(c)));
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

describe('System: the start command', function () {
  this.timeout(120_000);

  it('when started, then /healthz and /readyz answer 200; when sent SIGTERM, then it stops every process it started', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hotline12345-start-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', MONGODB_URI: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      let ready = 0;
      while (Date.now() < deadline && ready !== 200) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
        if (ready !== 200) await new Promise((r) => setTimeout(r, 300));
      }
      assert.equal(ready, 200, stderr);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      const started = descendants(child.pid!);
      assert.ok(started.length >= 3, `expected the database, the API and the workers, found ${started.length}`);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      // Children of children (Kamailio's workers, esbuild's service) exit once their parent is gone: allow them a moment.
      const deadline2 = Date.now() + 10_000;
      while (started.some(alive) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 200));
      const left = started.filter(alive).map((pid) => { try { return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim(); } catch { return String(pid); } });
      assert.deepEqual(left, [], 'processes left behind');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
