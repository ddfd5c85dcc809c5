import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { spawnTiedToThisProcess, watchChild } from './tied-child.js';
import { freeUdpPort, udpAnswers } from './udp.js';
import { killGroup } from '../supervisor.js';

/** The Debian package with the userspace daemon; the `rtpengine` metapackage would also build a kernel module. */
export const rtpengineDebianPackage = 'rtpengine-daemon';

export interface RtpengineOptions {
  /** Absolute directory for the pid file; also names the process on its command line. */
  runDir: string;
  /** Where the ng control socket listens (UDP), e.g. 127.0.0.1. */
  host: string;
  /** The address media flows through: written into every SDP rtpengine rewrites. */
  mediaAddress: string;
  /** RTP ports; two per relayed call leg and direction. */
  portMin?: number;
  portMax?: number;
  /** More than warnings when true. */
  verbose?: boolean;
  log: (line: string) => void;
}

export interface RtpengineServer {
  /** UDP port of the ng control protocol (Kamailio's rtpengine_sock). */
  ngPort: number;
  pid: number;
  /** Resolves with the exit code or signal when it ends (by itself or stopped). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export function rtpengineInstalled(): boolean {
  return !spawnSync('rtpengine', ['--version'], { stdio: 'ignore' }).error;
}

/**
 * Starts rtpengine as a child in userspace mode: `--table=-1` forwards media in the daemon, so no
 * kernel module and no root are needed; `--config-file=none` keeps the system's
 * /etc/rtpengine/rtpengine.conf (and its systemd service) out of it. Resolves once it answers an
 * ng ping.
 */
export async function startRtpengine(options: RtpengineOptions): Promise<RtpengineServer> {
  const ngPort = await freeUdpPort(options.host);
  const args = [
    '--table=-1',
    '--config-file=none',
    '--foreground',
    '--log-stderr',
    `--log-level=${options.verbose ? 6 : 4}`,
    `--pidfile=${path.join(options.runDir, 'rtpengine.pid')}`,
    `--interface=${options.mediaAddress}`,
    `--listen-ng=${options.host}:${ngPort}`,
    `--port-min=${options.portMin ?? 16384}`,
    `--port-max=${options.portMax ?? 32767}`,
    // A call's ports are free again as soon as it is deleted, not a default half minute later.
    '--delete-delay=0',
    // Media stops for a minute (a side vanished without BYE): the call's ports are released.
    '--timeout=60',
    '--num-threads=2',
  ];
  const child = spawnTiedToThisProcess('rtpengine', args);
  const { pid, exited, stderr, release } = watchChild(child, 'rtpengine', options.log);
  const stop = async () => {
    release();
    if (isRunning(child)) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(pid, 'SIGKILL');
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!isRunning(child)) {
      release();
      throw new Error(`rtpengine exited (${child.exitCode ?? child.signalCode}) before it answered:\n${stderr().trim().split('\n').slice(-20).join('\n')}`);
    }
    if (await ngPing(options.host, ngPort)) return { ngPort, pid, exited, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`rtpengine did not answer on ${options.host}:${ngPort} within 10 s:\n${stderr().trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** One ng "ping" (bencoded, after a cookie); rtpengine answers "pong". */
function ngPing(host: string, port: number): Promise<boolean> {
  const cookie = randomBytes(6).toString('hex');
  return udpAnswers(host, port, () => `${cookie} d7:command4:pinge`, (reply) => reply === `${cookie} d6:result4:ponge`);
}

