import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
  const args = [
    options.target,
    '-sf', path.join(scenarios, options.scenario),
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
