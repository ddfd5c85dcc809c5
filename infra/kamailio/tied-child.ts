import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

let setprivAvailable: boolean | undefined;

/**
 * Spawns a server with stdout ignored and stderr piped, in its own process group (so that
 * everything it forks can be ended with it, even when its main process was killed alone, and
 * Ctrl-C in a terminal reaches only `npm start`, which stops it in order). setpriv (util-linux,
 * always on Debian) makes the kernel send it SIGTERM if this process dies without stopping it,
 * even by SIGKILL.
 */
export function spawnTiedToThisProcess(command: string, args: string[]): ChildProcess {
  setprivAvailable ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  const options = { stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'], detached: true };
  return setprivAvailable ? spawn('setpriv', ['--pdeathsig', 'TERM', '--', command, ...args], options) : spawn(command, args, options);
}

export interface WatchedChild {
  pid: number;
  /** Resolves with the exit code or signal. */
  exited: Promise<string>;
  /** The last 8000 characters it wrote to stderr, for error messages. */
  stderr(): string;
  /** Stop sending it SIGTERM when this process exits (it was stopped, or it died). */
  release(): void;
}

/**
 * Logs a started server's stderr line by line (`<name>: …`), keeps its tail, and sends it SIGTERM
 * if this process exits first. Throws when the spawn itself failed.
 */
export function watchChild(child: ChildProcess, name: string, log: (line: string) => void): WatchedChild {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
    for (const line of chunk.split('\n')) if (line.trim()) log(`${name}: ${line}`);
  });
  // Without a listener a failed spawn would be an uncaught 'error' event.
  child.once('error', (error) => (stderr += `\n${error.message}`));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  if (child.pid === undefined) throw new Error(`${name} did not start: ${stderr.trim()}`);
  // Synchronous on purpose: 'exit' listeners cannot wait.
  const terminateOnExit = () => child.kill('SIGTERM');
  process.once('exit', terminateOnExit);
  return { pid: child.pid, exited, stderr: () => stderr, release: () => process.removeListener('exit', terminateOnExit) };
}
