import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { alive, descendants, startSystem, within } from '../helpers/started-system.js';

describe('System: the start command', function () {
  this.timeout(300_000);

  it('when started, then /readyz answers 200; when the API, the workers, the database or Kamailio is killed, then it is restarted and /readyz is 200 again; when sent SIGTERM, then it stops every process it started', async () => {
    const system = await startSystem();
    const { child, exited, readyz, ready, find, seen } = system;
    const output = system.output;
    /** kill -9 of one child's main process; then a new one runs, start logged the restart, and /readyz is 200 again. */
    const killAndAwaitRestart = async (name: string, pattern: RegExp, logged: RegExp, boundMs: number) => {
      const before = find(pattern);
      assert.ok(before, `${name} not found among:\n${descendants(child.pid!).map((p) => p.args).join('\n')}`);
      process.kill(before, 'SIGKILL');
      await within(boundMs, `${name} restarted`, () => {
        const now = find(pattern);
        return now !== undefined && now !== before && logged.test(output()) ? now : undefined;
      });
      await within(boundMs, `/readyz 200 after ${name} was killed`, ready);
    };
    try {
      await within(120_000, `/readyz 200 at start\n${output()}`, ready);
      assert.equal((await fetch(`${system.baseUrl}/healthz`)).status, 200);
      const body = JSON.parse((await readyz()).body) as { status: string; dependencies: Record<string, string> };
      assert.equal(body.dependencies.database, 'up');
      const started = descendants(child.pid!);
      started.forEach((p) => seen.set(p.pid, p.args));
      assert.ok(started.length >= 3, `expected the database, the API and the workers, found ${started.length}`);

      await killAndAwaitRestart('the API', /api\/server\.ts/, /\[start\] api exited \(SIGKILL\); restarting in 1 s/, 30_000);
      await killAndAwaitRestart('the workers', /workers\/worker\.ts/, /\[start\] workers exited \(SIGKILL\); restarting in 1 s/, 30_000);
      await killAndAwaitRestart('PostgreSQL', /bin\/postgres -D/, /\[start\] database exited \(postgres SIGKILL\); restarting in 1 s/, 60_000);
      if (/Kamailio ready/.test(output())) {
        await killAndAwaitRestart('Kamailio', /^kamailio -f/, /\[start\] kamailio and rtpengine exited \(kamailio SIGKILL\); restarting in 1 s/, 30_000);
        assert.equal(JSON.parse((await readyz()).body).dependencies.telephony, 'up');
      }

      find(/./);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output());
      // Children of children (Kamailio's workers, esbuild's service) exit once their parent is gone: allow them a moment.
      const argsOf = (pid: number) => { try { return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim(); } catch { return null; } };
      const ours = () => [...seen].filter(([pid, args]) => alive(pid) && argsOf(pid) === args).map(([, args]) => args);
      await within(10_000, 'every process gone', () => (ours().length > 0 ? undefined : true)).catch(() => {});
      const left = ours();
      assert.deepEqual(left, [], 'processes left behind');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- start's output ---\n${output().slice(-6000)}`, { cause: err });
    } finally {
      system.cleanUp();
    }
  });
});
