import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scenarios = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scenarios');

export interface SippCallOptions {
  /** Scenario file name in test/telephony/scenarios. */
  scenario: string;
  /** host:port of Kamailio's UDP listener. */
  target: string;
  /** Number dialled ([service]). */
  dialled: string;
  /** The citizen's number ([caller]). */
  caller: string;
  /** Call-ID for the one call, so the test can find it in the API's records. */
  callId: string;
  /** Length of the scenario's <pause/>, i.e. how long the answered call lasts. */
  talkMs?: number;
  /** Hard limit for the whole run. */
  timeoutSeconds?: number;
  /**
   * For scenarios that play `audio.pcap` (next to the scenario): at least this many seconds of
   * audio, the recording Debian's sip-tester ships looped by loopedRecording(). The scenario then
   * runs from a copy in SIPp's working directory, next to that file.
   */
  audioSeconds?: number;
}

export interface SippResult {
  /** 0: the call went as the scenario expects; 1: it did not; others: SIPp could not run. */
  exitCode: number | null;
  /** SIPp's error log and the last of its output, for assertion messages. */
  diagnostics: string;
}

/** Places one call with SIPp over UDP from 127.0.0.1 and waits for SIPp to exit. */
export async function sippCall(options: SippCallOptions): Promise<SippResult> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'sipp-'));
  const timeoutSeconds = options.timeoutSeconds ?? 25;
  let scenarioFile = path.join(scenarios, options.scenario);
  if (options.audioSeconds !== undefined) {
    writeFileSync(path.join(workDir, 'audio.pcap'), loopedRecording(options.audioSeconds));
    const copy = path.join(workDir, options.scenario);
    copyFileSync(scenarioFile, copy);
    scenarioFile = copy;
  }
  const args = [
    options.target,
    '-sf', scenarioFile,
    '-s', options.dialled,
    '-key', 'caller', options.caller,
    '-cid_str', options.callId,
    '-i', '127.0.0.1',
    '-t', 'u1',
    '-m', '1',
    '-l', '1',
    '-d', String(options.talkMs ?? 500),
    // Answers Kamailio's in-dialog OPTIONS keep-alives instead of failing the call on them.
    '-aa',
    '-nostdin',
    '-timeout', `${timeoutSeconds}s`,
    '-timeout_error',
    '-trace_err',
    '-error_file', path.join(workDir, 'errors.log'),
  ];
  try {
    const { exitCode, output } = await run('sipp', args, workDir, (timeoutSeconds + 5) * 1000);
    const errors = readdirSync(workDir).includes('errors.log') ? readFileSync(path.join(workDir, 'errors.log'), 'utf8') : '';
    return { exitCode, diagnostics: `${errors}\n${output.slice(-3000)}`.trim() };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The G.711 A-law recording (7 s of RTP, PCMA) that Debian's sip-tester ships for play_pcap_audio. */
export const sippRecording = '/usr/share/sip-tester/g711a.pcap';

/**
 * A pcap of one RTP stream at least `seconds` long: the recording (Ethernet, IPv4, UDP, RTP) played
 * again and again, each repeat carrying on the RTP sequence numbers, timestamps and capture times
 * where the previous one ended. Playing the 7 s recording twice with play_pcap_audio would instead
 * send the same sequence numbers again, which a browser drops behind rtpengine as SRTP replays.
 */
export function loopedRecording(seconds: number, source = sippRecording): Buffer {
  const pcap = readFileSync(source);
  const magic = pcap.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xd4c3b2a1) throw new Error(`${source}: not a microsecond pcap`);
  const le = magic === 0xa1b2c3d4;
  const u32 = (at: number) => (le ? pcap.readUInt32LE(at) : pcap.readUInt32BE(at));
  if (u32(20) !== 1) throw new Error(`${source}: link type ${u32(20)}, expected Ethernet`);

  const packets: { us: number; frame: Buffer; rtp: number }[] = [];
  for (let at = 24; at + 16 <= pcap.length; ) {
    const length = u32(at + 8);
    const frame = pcap.subarray(at + 16, at + 16 + length);
    // Ethernet (14 bytes), IPv4 (IHL words), UDP (8 bytes), then RTP.
    packets.push({ us: u32(at) * 1e6 + u32(at + 4), frame, rtp: 14 + (frame.readUInt8(14) & 0x0f) * 4 + 8 });
    at += 16 + length;
  }
  if (packets.length < 2) throw new Error(`${source}: too few packets to loop`);
  const first = packets[0]!;
  const last = packets.at(-1)!;
  const beforeLast = packets.at(-2)!;
  const seqOf = (p: typeof first) => p.frame.readUInt16BE(p.rtp + 2);
  const tsOf = (p: typeof first) => p.frame.readUInt32BE(p.rtp + 4);
  // One repeat spans the recording plus one packet interval.
  const loopUs = last.us - first.us + (last.us - beforeLast.us);
  const loopSeq = (seqOf(last) - seqOf(first) + 1 + 0x10000) % 0x10000;
  const loopTs = (tsOf(last) - tsOf(first) + (tsOf(last) - tsOf(beforeLast)) + 2 ** 32) % 2 ** 32;
  const repeats = Math.max(1, Math.ceil((seconds * 1e6) / loopUs));

  const chunks: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  chunks.push(header);
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    for (const packet of packets) {
      const frame = Buffer.from(packet.frame);
      if (repeat > 0) {
        // The marker bit starts a talk spurt: only the first repeat has it.
        frame.writeUInt8(frame.readUInt8(packet.rtp + 1) & 0x7f, packet.rtp + 1);
        frame.writeUInt16BE((seqOf(packet) + repeat * loopSeq) % 0x10000, packet.rtp + 2);
        frame.writeUInt32BE((tsOf(packet) + repeat * loopTs) % 2 ** 32, packet.rtp + 4);
      }
      const us = packet.us + repeat * loopUs;
      const record = Buffer.alloc(16);
      record.writeUInt32LE(Math.floor(us / 1e6), 0);
      record.writeUInt32LE(us % 1e6, 4);
      record.writeUInt32LE(frame.length, 8);
      record.writeUInt32LE(frame.length, 12);
      chunks.push(record, frame);
    }
  }
  return Buffer.concat(chunks);
}

function run(command: string, args: string[], cwd: string, killAfterMs: number): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-20000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command} (Debian package sip-tester): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, output });
    });
  });
}
