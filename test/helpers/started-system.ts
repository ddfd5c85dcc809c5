import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../infra/free-port.js';

/** Every process below `pid` with its command line, found through ps. */
export function descendants(pid: number): { pid: number; args: string }[] {
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

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `probe` every 200 ms until it returns a value, or fails naming `what` after `ms`. */
export async function within<T>(ms: number, what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `npm start` (scripts/start.ts) running in a temporary DATA_DIR, with ways to look at and kill what it started. */
export interface StartedSystem {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  dataDir: string;
  /** Everything start and its children printed so far. */
  output(): string;
  /** Resolves with start's exit code. */
  exited: Promise<number | null>;
  readyz(): Promise<{ status: number; body: string }>;
  /** true once /readyz answers 200, else undefined: a probe for `within`. */
  ready(): Promise<true | undefined>;
  /** The pid of the first process below start whose command line matches; every process seen is remembered in `seen`. */
  find(pattern: RegExp): number | undefined;
  /** Every process ever seen below start, with its command line: a pid reused by another program is not ours. */
  seen: Map<number, string>;
  /** SIGKILL for start if it still runs, and the DATA_DIR removed. */
  cleanUp(): void;
}

/** Starts scripts/start.ts on a free port in a new temporary DATA_DIR; `env` adds to (or overrides) the environment. */
export async function startSystem(env: Record<string, string> = {}): Promise<StartedSystem> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hotline12345-start-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    // Port 0: Kamailio on any free ports, so that this runs beside a development start.
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', MONGODB_URI: '', SIP_PORT: '0', SIP_WS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const readyz = () => fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5000) }).then(async (r) => ({ status: r.status, body: await r.text() }), () => ({ status: 0, body: '' }));
  const seen = new Map<number, string>();
  return {
    child,
    port,
    baseUrl,
    dataDir,
    output: () => output,
    exited,
    readyz,
    ready: async () => ((await readyz()).status === 200 ? true : undefined),
    find(pattern) {
      const all = descendants(child.pid!);
      all.forEach((p) => seen.set(p.pid, p.args));
      return all.find((p) => pattern.test(p.args))?.pid;
    },
    seen,
    cleanUp() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
