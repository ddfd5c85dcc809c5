/**
 * Backup size and time (issue 11's acceptance: the figures for 100k tickets):
 *   npm run bench -- backup [--tickets 100000] [--runs 3] [--seed 12345]
 * Seeds tickets through the product's lifecycle (bench/lib/seed.ts) into the embedded engine in a
 * temporary DATA_DIR, then runs `npm run backup` --runs times while that engine runs (as under
 * `npm start`), and `npm run restore` of the last backup once into an empty DATA_DIR.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/platform/config.js';
import { connectDatabase } from '../core/platform/database.js';
import { seededRandom } from '../core/platform/seeded-random.js';
import { createServices } from '../core/services.js';

import { openDatabaseServer } from '../infra/database-server.js';
import { insertInBatches, ticketSink, intakeTimeFor, lifecycleTicket, loadMessages, setupWorld, TicketFactory, withIndexesBuiltAfter, stateChooser } from './lib/seed.js';
import { loadAverage, machineNotes, median, ms } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '12345' },
  },
});
const ticketCount = Number(options.tickets);
const runs = Math.max(1, Number(options.runs));
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

console.log(`backup benchmark: ${ticketCount} seeded tickets, ${runs} backups`);
console.log(`machine: ${machineNotes()}; load average at start: ${loadAverage()}`);
const root = mkdtempSync(path.join(tmpdir(), 'bench-backup-'));
chmodSync(root, 0o711); // as root, the engine runs as `postgres`, which must pass through to DATA_DIR
const dataDir = path.join(root, 'data');
const server = await openDatabaseServer(loadConfig({ DATA_DIR: dataDir }), log);
try {
  const connection = await connectDatabase(server.uri, 'hotline12345');
  try {
    const services = await createServices(connection, { authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 } });
    const now = new Date();
    const world = await setupWorld(services, now);
    const random = seededRandom(Number(options.seed));
    const factory = new TicketFactory(world, loadMessages(), random, ticketCount);
    const targetOf = stateChooser(random);
    const parents: string[] = [];
    const sink = ticketSink(connection.db!);
    log(`seeding ${ticketCount} tickets`);
    await withIndexesBuiltAfter(sink.collections, async () => {
      await insertInBatches(sink, ticketCount, () => {
        const target = targetOf();
        const doc = lifecycleTicket(factory, target, intakeTimeFor(random, target, now), now, parents);
        if (parents.length < 5000 && random() < 0.1) parents.push(String(doc._id));
        return doc;
      }, { progress: (done, elapsed) => done % 20_000 === 0 && log(`  ${done} tickets, ${ms(elapsed)}`) });
    });
  } finally {
    await connection.close();
  }
  const pgData = path.join(dataDir, 'documentdb', 'postgres');
  console.log(`seeded; the cluster's folder holds ${mib(Number(execFileSync('du', ['-sb', pgData], { encoding: 'utf8' }).split('\t')[0]))}`);

  const npm = (script: string, args: string[], env: Record<string, string>) => {
    const started = performance.now();
    execFileSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { env: { ...process.env, MONGODB_URI: '', ...env }, stdio: ['ignore', 'ignore', 'inherit'], timeout: 900_000 });
    return performance.now() - started;
  };
  const times: number[] = [];
  const sizes: number[] = [];
  let last = '';
  for (let run = 1; run <= runs; run++) {
    const backups = path.join(root, `backups-${run}`);
    times.push(npm('backup', [backups], { DATA_DIR: dataDir }));
    last = path.join(backups, readdirSync(backups)[0]!);
    sizes.push(statSync(last).size);
    console.log(`backup ${run}: ${mib(sizes.at(-1)!)} in ${ms(times.at(-1)!)} (load average ${loadAverage()})`);
  }
  console.log(`median of ${runs}: ${mib(median(sizes))}, ${ms(median(times))}`);
  const restoreMs = npm('restore', [last], { DATA_DIR: path.join(root, 'restored') });
  console.log(`restore into an empty DATA_DIR (with the engine's first start and the counts): ${ms(restoreMs)}`);
} finally {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
console.log(`load average at end: ${loadAverage()}; temporary folders removed`);
