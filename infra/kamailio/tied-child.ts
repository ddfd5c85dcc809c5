import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

let setprivAvailable: boolean | undefined;

/**
 * Spawns a server with stdout ignored and stderr piped. setpriv (util-linux, always on Debian)
 * makes the kernel send it SIGTERM if this process dies without stopping it, even by SIGKILL.
 */
export function spawnTiedToThisProcess(command: string, args: string[]): ChildProcess {
  setprivAvailable ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  return setprivAvailable
    ? spawn('setpriv', ['--pdeathsig', 'TERM', '--', command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
