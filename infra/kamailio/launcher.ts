import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../free-port.js';
import { rtpengineDebianPackage, rtpengineInstalled, startRtpengine, type RtpengineServer } from './rtpengine.js';
import { spawnTiedToThisProcess, watchChild } from './tied-child.js';
import { udpAnswers, udpPortFree } from './udp.js';
import { killGroup } from '../supervisor.js';
import { tcpAccepts } from '../../core/platform/readiness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const kamailioConfigFile = path.join(here, 'kamailio.cfg');

/** What CI and developers install; the launcher names them when something is missing. */
export const kamailioDebianPackages = [
  'kamailio',
  'kamailio-websocket-modules',
  'kamailio-extra-modules',
  'kamailio-utils-modules',
  'kamailio-autheph-modules',
];

/** Modules kamailio.cfg loads beyond the core package, and the Debian package that ships each. */
const modulePackages: Record<string, string> = {
  'websocket.so': 'kamailio-websocket-modules',
  'xhttp.so': 'kamailio',
  'auth_ephemeral.so': 'kamailio-autheph-modules',
  'http_client.so': 'kamailio-utils-modules',
  'jansson.so': 'kamailio-extra-modules',
  'dialog.so': 'kamailio',
  'htable.so': 'kamailio',
  'tcpops.so': 'kamailio',
  'rtpengine.so': 'kamailio',
};

export interface KamailioOptions {
  /** Absolute directory for the generated configuration, pid file and control socket. */
  runDir: string;
  host?: string;
  /** UDP and TCP port for plain SIP; a free one when left out. */
  sipPort?: number;
  /** TCP port for SIP over WebSocket (ws://); a free one when left out. */
  wsPort?: number;
  /** Domain of the AORs and the digest realm, e.g. "hotline.local". */
  domain: string;
  /** Shared with the API, which issues the ephemeral SIP credentials with it. */
  secret: string;
  /** Base URL of the API's internal telephony endpoints, e.g. "http://127.0.0.1:3000". */
  apiUrl: string;
  /** Sent as X-Telephony-Token to the API. */
  telephonyToken: string;
  /** Sources allowed to call the hotline number without credentials (UDP/TCP only). */
  trunkSubnets?: string[];
  /** How long staff phones ring when the API does not set a limit (fallback ringing). */
  defaultRingSeconds?: number;
  /**
   * Relay media between browsers and plain RTP with rtpengine (started and stopped with
   * Kamailio). Default: when rtpengine is installed; true demands it.
   */
  mediaRelay?: boolean;
  /** The address rtpengine puts into the SDP it rewrites; default `host`. */
  mediaAddress?: string;
  /** Kamailio's debug level, -5 (alerts only) … 3 (debug); default 1 (warnings and errors). */
  logLevel?: number;
  log?: (line: string) => void;
}

export interface KamailioServer {
  sipPort: number;
  wsPort: number;
  pid: number;
  /** ws:// URL for sip.js. */
  wsUrl: string;
  /** rtpengine's ng control port, or null without a media relay. */
  rtpengineNgPort: number | null;
  /** Resolves with why when Kamailio or its rtpengine ends by itself (or is stopped). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export class KamailioNotInstalledError extends Error {
  constructor(detail: string, packages = kamailioDebianPackages) {
    super(`${detail}. Install it with: apt-get install ${packages.join(' ')}`);
    this.name = 'KamailioNotInstalledError';
  }
}

export async function startKamailio(options: KamailioOptions): Promise<KamailioServer> {
  const log = options.log ?? (() => {});
  if (!path.isAbsolute(options.runDir)) throw new Error(`runDir must be absolute: ${options.runDir}`);
  const modulesDir = findModulesDir();
  mkdirSync(options.runDir, { recursive: true, mode: 0o700 });

  const host = options.host ?? '127.0.0.1';
  const sipPort = options.sipPort ?? (await freeUdpAndTcpPort(host));
  const wsPort = options.wsPort ?? (await freeTcpPort(host, [sipPort]));
  const pidFile = path.join(options.runDir, 'kamailio.pid');
  const configFile = path.join(options.runDir, 'kamailio.cfg');
  const mediaRelay = options.mediaRelay ?? rtpengineInstalled();
  if (mediaRelay && !rtpengineInstalled()) {
    throw new KamailioNotInstalledError('rtpengine is not installed (no `rtpengine` on the PATH)', [rtpengineDebianPackage]);
  }
  const rtpengine = mediaRelay
    ? await startRtpengine({ runDir: options.runDir, host, mediaAddress: options.mediaAddress ?? host, verbose: (options.logLevel ?? 1) >= 2, log })
    : null;
  try {
    const rtpengineSocket = rtpengine ? `udp:${host}:${rtpengine.ngPort}` : null;
    writeFileSync(
      configFile,
      renderDefines({ ...options, host, sipPort, wsPort, modulesDir, ctlSocket: path.join(options.runDir, 'kamailio_ctl'), rtpengineSocket }),
      { mode: 0o600 },
    );
    const check = spawnSync('kamailio', ['-c', '-f', configFile], { encoding: 'utf8' });
    if (check.status !== 0) {
      throw new Error(`kamailio -c rejected ${configFile}:\n${lastLines(check.stderr || check.stdout, 30)}`);
    }
    const args = ['-f', configFile, '-DD', '-E', '-P', pidFile, '-m', '64', '-M', '8'];
    // Kamailio stops its own children when it gets the SIGTERM.
    const child = spawnTiedToThisProcess('kamailio', args);
    return await supervise(child, { host, sipPort, wsPort, log, rtpengine });
  } catch (err) {
    await rtpengine?.stop();
    throw err;
  }
}

interface RenderInput extends KamailioOptions {
  host: string;
  sipPort: number;
  wsPort: number;
  modulesDir: string;
  ctlSocket: string;
  /** "udp:host:port" of rtpengine's ng socket, or null without a media relay. */
  rtpengineSocket: string | null;
}

/** The generated file: defines, then the repository's configuration. */
function renderDefines(input: RenderInput): string {
  const defines: [string, string][] = [
    ['LISTEN_HOST', checked('host', input.host, /^[0-9A-Za-z.:-]+$/)],
    ['SIP_PORT', integer('sipPort', input.sipPort, 1, 65535)],
    ['WS_PORT', integer('wsPort', input.wsPort, 1, 65535)],
    ['SIP_DOMAIN', quoted('domain', input.domain, /^[A-Za-z0-9.-]+$/)],
    ['AUTH_SECRET', quoted('secret', input.secret, /^[A-Za-z0-9._~+/=-]{16,}$/)],
    ['API_URL', quoted('apiUrl', input.apiUrl.replace(/\/+$/, ''), /^https?:\/\/[A-Za-z0-9.:[\]/_-]+$/)],
    ['TELEPHONY_TOKEN', quoted('telephonyToken', input.telephonyToken, /^[A-Za-z0-9._~+/=-]{16,}$/)],
    ['TRUNK_SUBNETS', quoted('trunkSubnets', (input.trunkSubnets ?? ['127.0.0.1/32']).join(','), /^[0-9A-Fa-f.:/,]+$/)],
    ['MODULES_DIR', quoted('modulesDir', input.modulesDir, /^[A-Za-z0-9._/-]+$/)],
    ['CTL_SOCKET', quoted('runDir', `unix:${input.ctlSocket}`, /^unix:[A-Za-z0-9._/-]+$/)],
    ['LOG_LEVEL', integer('logLevel', input.logLevel ?? 1, -5, 3)],
  ];
  if (input.defaultRingSeconds !== undefined) {
    defines.push(['DEFAULT_RING_SECONDS', integer('defaultRingSeconds', input.defaultRingSeconds, 1, 300)]);
  }
  if (input.rtpengineSocket) {
    defines.push(['WITH_RTPENGINE', ''], ['RTPENGINE_SOCKET', quoted('rtpengine socket', input.rtpengineSocket, /^udp6?:[0-9A-Za-z.:[\]-]+:\d+$/)]);
  }
  return [
    '#!KAMAILIO',
    '# Generated by infra/kamailio/launcher.ts; holds secrets, hence mode 0600.',
    ...defines.map(([name, value]) => `#!define ${name} ${value}`.trimEnd()),
    `include_file "${checked('configuration path', kamailioConfigFile, /^[^"\n]+$/)}"`,
    '',
  ].join('\n');
}

/**
 * Values end up inside Kamailio's preprocessor and string literals, which have no escaping we
 * could rely on; refusing anything outside a plain character set keeps a stray quote or newline
 * from rewriting the configuration.
 */
function checked(name: string, value: string, allowed: RegExp): string {
  if (!allowed.test(value)) throw new Error(`Kamailio setting ${name} has characters it cannot carry: ${JSON.stringify(value)}`);
  return value;
}

function quoted(name: string, value: string, allowed: RegExp): string {
  return `"${checked(name, value, allowed)}"`;
}

function integer(name: string, value: number, min: number, max: number): string {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Kamailio setting ${name} must be an integer from ${min} to ${max}, not ${value}`);
  }
  return String(value);
}

function findModulesDir(): string {
  const help = spawnSync('kamailio', ['-h'], { encoding: 'utf8' });
  if (help.error) throw new KamailioNotInstalledError('Kamailio is not installed (no `kamailio` on the PATH)');
  const fromHelp = /-L path.*\(default: ([^)]+)\)/.exec(`${help.stdout}${help.stderr}`)?.[1];
  const dir = fromHelp && existsSync(fromHelp) ? fromHelp : debianModulesDir();
  if (!dir) throw new KamailioNotInstalledError('Kamailio\'s module directory was not found');
  const missing = Object.keys(modulePackages).filter((module) => !existsSync(path.join(dir, module)));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((module) => modulePackages[module]))].join(' ');
    throw new KamailioNotInstalledError(`Kamailio modules ${missing.join(', ')} are missing from ${dir} (packages: ${packages})`);
  }
  return dir;
}

function debianModulesDir(): string | undefined {
  const candidates = existsSync('/usr/lib')
    ? readdirSync('/usr/lib').map((entry) => path.join('/usr/lib', entry, 'kamailio/modules'))
    : [];
  return candidates.find((dir) => existsSync(path.join(dir, 'tm.so')));
}

async function supervise(
  child: ChildProcess,
  { host, sipPort, wsPort, log, rtpengine }: { host: string; sipPort: number; wsPort: number; log: (line: string) => void; rtpengine: RtpengineServer | null },
): Promise<KamailioServer> {
  // Its SIGTERM on our exit lets Kamailio stop its children.
  const { pid, exited, stderr, release } = watchChild(child, 'kamailio', log);

  const stop = async () => {
    release();
    if (child.exitCode !== null || child.signalCode !== null) {
      // Its workers outlive a main process killed alone (SIGKILL): they share its process group.
      killGroup(pid, 'SIGKILL');
      await rtpengine?.stop();
      return;
    }
    // Remember the workers now: once the main process is gone they are no longer its children.
    const workers = descendants(pid);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await waitForExit(workers, 3000);
    killAll(workers);
    await rtpengine?.stop();
  };
  const ended = Promise.race([exited.then((why) => `kamailio ${why}`), ...(rtpengine ? [rtpengine.exited.then((why) => `rtpengine ${why}`)] : [])]);

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      release();
      throw new Error(`kamailio exited (${child.exitCode ?? child.signalCode}) before it answered:\n${lastLines(stderr(), 30)}`);
    }
    if ((await sipAnswersOverUdp(host, sipPort)) && (await tcpAccepts(host, sipPort, 300)) && (await tcpAccepts(host, wsPort, 300))) {
      return { sipPort, wsPort, pid, wsUrl: `ws://${host}:${wsPort}`, rtpengineNgPort: rtpengine?.ngPort ?? null, exited: ended, stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kamailio did not answer on ${host}:${sipPort}/${wsPort} within 15 s:\n${lastLines(stderr(), 30)}`);
    }
    await delay(100);
  }
}

/** All processes below pid, from /proc (Kamailio forks one level of workers, some fork again). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may contain spaces; the parent pid follows the closing paren.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [candidate, ppid] of parents) {
      if (ppid === parent) {
        found.push(candidate);
        queue.push(candidate);
      }
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await delay(50);
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** For readiness: Kamailio answers a SIP OPTIONS on its UDP port (a wildcard address is asked on loopback). */
export async function kamailioAnswers(host: string, port: number): Promise<boolean> {
  const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  // UDP: a lost datagram or a busy machine is not an outage; three tries before saying down.
  for (let attempt = 0; attempt < 3; attempt++) if (await sipAnswersOverUdp(target, port)) return true;
  return false;
}

/** An OPTIONS ping: the UDP socket is bound and a SIP worker is answering. */
function sipAnswersOverUdp(host: string, port: number): Promise<boolean> {
  const branch = `z9hG4bK-probe-${Date.now()}`;
  const options = (localPort: number) => [
    `OPTIONS sip:${host}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${host}:${localPort};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@${host}>;tag=probe`,
    `To: <sip:${host}:${port}>`,
    `Call-ID: ${branch}@launcher`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return udpAnswers(host, port, options, (reply) => reply.startsWith('SIP/2.0 200'));
}


async function freeTcpPort(host: string, avoid: number[] = []): Promise<number> {
  for (;;) {
    const port = await freePort(host);
    if (!avoid.includes(port)) return port;
  }
}

/** SIP listens on UDP and TCP with one port number, so both must be free. */
async function freeUdpAndTcpPort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeTcpPort(host);
    if (await udpPortFree(host, port)) return port;
  }
  throw new Error(`no port free for both UDP and TCP on ${host}`);
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
