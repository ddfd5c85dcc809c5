import assert from 'node:assert/strict';
import { nextDelay, supervise, type Running } from '../../infra/supervisor.js';

const backOff = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

describe('Supervisor: restarts with a back-off', () => {
  it('when a child keeps dying young, then the delay doubles from 1 s up to 30 s; after a healthy minute it is 1 s again', () => {
    const delays: number[] = [];
    let delay: number | null = null;
    for (let i = 0; i < 7; i++) delays.push((delay = nextDelay(delay, 500, backOff)));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.equal(nextDelay(30_000, 60_000, backOff), 1000);
  });

  it('when a run ends by itself, then it is logged and started again; when stopped, then no restart follows', async () => {
    const runs: { end: (why: string) => void; stopped: boolean }[] = [];
    const run = (): Running => {
      let end!: (why: string) => void;
      const exited = new Promise<string>((resolve) => (end = resolve));
      const entry = { end, stopped: false };
      runs.push(entry);
      // As a real child: stopping it ends the run.
      return { exited, stop: async () => ((entry.stopped = true), end('SIGTERM')) };
    };
    const lines: string[] = [];
    const supervisor = supervise('api', run(), async () => run(), (line) => lines.push(line), { initialMs: 10, maxMs: 40, resetAfterMs: 60_000 });
    runs[0]!.end('SIGKILL');
    const deadline = Date.now() + 2000;
    while (runs.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(runs.length, 2);
    assert.equal(runs[0]!.stopped, true, 'what the dead run left is cleaned up');
    assert.match(lines[0]!, /^api exited \(SIGKILL\); restarting in 0\.01 s$/);
    await supervisor.stop();
    assert.equal(runs[1]!.stopped, true);
    assert.equal(supervisor.restarts(), 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(runs.length, 2, 'stopped: not started again');
  });
});
