import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKamailio } from '../../infra/kamailio/launcher.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/start-kamailio.ts');

const settings = {
  domain: 'hotline.local',
  secret: 'launcher-test-secret-0123',
  apiUrl: 'http://127.0.0.1:9',
  telephonyToken: 'launcher-test-token-0123',
};

/** Processes whose command line mentions `needle` (the run directory is unique per test). */
function processesMentioning(needle: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

describe('Kamailio launcher', function () {
  this.timeout(30_000);
  let runDir: string;

  beforeEach(() => {
    runDir = mkdtempSync(path.join(tmpdir(), 'kamailio-launcher-'));
  });

  afterEach(() => {
    for (const pid of processesMentioning(runDir)) process.kill(pid, 'SIGKILL');
    rmSync(runDir, { recursive: true, force: true });
  });

  it('when started then it answers on its ports, and when stopped no Kamailio process is left', async () => {
    const kamailio = await startKamailio({ runDir, ...settings });
    assert.ok(kamailio.sipPort > 0 && kamailio.wsPort > 0 && kamailio.sipPort !== kamailio.wsPort);
    assert.ok(processesMentioning(runDir).length > 1, 'the main process and its workers run');
    await kamailio.stop();
    assert.deepEqual(processesMentioning(runDir), []);
  });

  it('when rtpengine is installed then it runs beside Kamailio in userspace, answers on its control port, and stops with it', async () => {
    const kamailio = await startKamailio({ runDir, ...settings, mediaRelay: true });
    const relay = processesMentioning(runDir).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('rtpengine'));
    assert.equal(relay.length, 1);
    assert.match(readFileSync(`/proc/${relay[0]}/cmdline`, 'utf8'), /--table=-1/);
    assert.ok(kamailio.rtpengineNgPort);
    assert.match(readFileSync(path.join(runDir, 'kamailio.cfg'), 'utf8'), new RegExp(`#!define RTPENGINE_SOCKET "udp:127.0.0.1:${kamailio.rtpengineNgPort}"`));
    await kamailio.stop();
    assert.deepEqual(processesMentioning(runDir), []);
  });

  it('when started then the generated configuration, which holds the secret, is readable by its owner only', async () => {
    const kamailio = await startKamailio({ runDir, ...settings });
    try {
      const file = path.join(runDir, 'kamailio.cfg');
      assert.equal(statSync(file).mode & 0o077, 0);
      assert.match(readFileSync(file, 'utf8'), /#!define AUTH_SECRET "launcher-test-secret-0123"/);
      assert.ok(processesMentioning(settings.secret).length === 0, 'the secret is not on any command line');
    } finally {
      await kamailio.stop();
    }
  });

  it('when the process that started Kamailio is killed then Kamailio stops too', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture, runDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      parent.stdout.setEncoding('utf8').once('data', (chunk: string) => resolve(chunk));
      parent.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    const { pid } = JSON.parse(line) as { pid: number };
    assert.ok(processesMentioning(runDir).includes(pid));

    parent.kill('SIGKILL');
    assert.ok(await eventually(() => processesMentioning(runDir).length === 0, 10_000), 'Kamailio outlived its parent');
  });

  it('when a setting could rewrite the configuration then it is refused before Kamailio starts', async () => {
    await assert.rejects(startKamailio({ runDir, ...settings, domain: 'hotline.local"\n#!define X' }), /cannot carry/);
    await assert.rejects(startKamailio({ runDir, ...settings, logLevel: 1.5 }), /integer/);
    await assert.rejects(startKamailio({ runDir: 'relative/run', ...settings }), /absolute/);
    assert.deepEqual(processesMentioning(runDir), []);
  });
});
