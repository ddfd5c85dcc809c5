import { spawn } from 'node:child_process';

/** One run of a supervised child: how it ended, and how to end it. */
export interface Running {
  /** Resolves (never rejects) with why the run ended: an exit code, a signal, or a message. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface BackOff {
  /** The first delay before a restart. */
  initialMs: number;
  /** Delays double up to this. */
  maxMs: number;
  /** A run that lasted this long was healthy: the next restart waits `initialMs` again. */
  resetAfterMs: number;
}

export const defaultBackOff: BackOff = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

/**
 * The delay before the next start: doubling while the child keeps dying young, so a child that
 * cannot start (a broken configuration, a port taken) neither spins nor waits long once fixed.
 */
export function nextDelay(previousMs: number | null, ranForMs: number, backOff: BackOff): number {
  if (previousMs === null || ranForMs >= backOff.resetAfterMs) return backOff.initialMs;
  return Math.min(previousMs * 2, backOff.maxMs);
}

export interface Supervisor {
  /** Stops restarting, then stops the running child (if any). */
  stop(): Promise<void>;
  /** How many times it was restarted. */
  restarts(): number;
}

/**
 * Keeps `start` running: when a run ends on its own, logs it and starts again after a back-off.
 * A failed start counts as a run that ended at once. `first` is the run already started by the
 * caller (whose failure at start-up is the caller's to report).
 */
export function supervise(
  name: string,
  first: Running,
  start: () => Promise<Running>,
  log: (line: string) => void,
  backOff: BackOff = defaultBackOff,
): Supervisor {
  let current: Running | null = first;
  let stopping = false;
  let restarts = 0;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    let delay: number | null = null;
    let startedAt = Date.now();
    for (;;) {
      const reason: string = current ? await current.exited : 'did not start';
      if (stopping) return;
      // Whatever the child left behind (its process group, a sibling server) goes before the next run.
      await current?.stop().catch(() => {});
      current = null;
      delay = nextDelay(delay, Date.now() - startedAt, backOff);
      log(`${name} exited (${reason}); restarting in ${delay / 1000} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay!);
        wake = () => (clearTimeout(timer), resolve());
      });
      wake = null;
      if (stopping) return;
      startedAt = Date.now();
      try {
        current = await start();
        restarts++;
        log(`${name} restarted (restart ${restarts})`);
      } catch (err) {
        log(`${name} did not start: ${(err as Error).message}`);
      }
      if (stopping) {
        await current?.stop();
        return;
      }
    }
  })();
  return {
    restarts: () => restarts,
    async stop() {
      stopping = true;
      (wake as (() => void) | null)?.();
      await current?.stop();
      await loop;
    },
  };
}

/**
 * A Node.js process of this project (the API, the workers) in its own process group, so that
 * stopping it, or its crash, takes everything it started with it. setpriv (util-linux) has the
 * kernel send it SIGTERM if the supervisor dies, even by SIGKILL; it execs node, so the pid is node's.
 */
export function startNodeChild(args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; stopTimeoutMs?: number }): Running {
  const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', process.execPath, ...args], {
    env: options.env,
    cwd: options.cwd,
    stdio: 'inherit',
    detached: true,
  });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`));
  });
  const stop = async () => {
    const pid = child.pid;
    if (pid === undefined) return;
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), options.stopTimeoutMs ?? 10_000);
      await exited;
      clearTimeout(timer);
    }
    // Anything it started and left behind.
    killGroup(pid, 'SIGKILL');
  };
  // A synchronous last word if the supervisor exits without stopping it.
  const onExit = () => child.pid !== undefined && killGroup(child.pid, 'SIGKILL');
  process.once('exit', onExit);
  void exited.then(() => process.removeListener('exit', onExit));
  return { exited, stop };
}

/** Signals every process in the group led by `pid`; a group already gone is not an error. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // No such group left.
  }
}
