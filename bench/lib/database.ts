import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { BSON } from 'mongodb';
import { createApp } from '../../api/app.js';
import { systemClock } from '../../core/platform/clock.js';
import { connectDatabase } from '../../core/platform/database.js';
import { createLogger } from '../../core/platform/logger.js';
import { createServices, type Services } from '../../core/services.js';
import { projectRoot, startDocumentDB, type DatabaseServer } from '../../infra/documentdb/launcher.js';
import { freePort } from '../../infra/free-port.js';
import { loadAverage, machineNotes, ms } from './stats.js';

const psqlBin = '/usr/lib/postgresql/15/bin/psql';

/** Where the bytes are: PostgreSQL's own view, the engine's view of the bench database, and the folder on disk. */
export interface DataSize {
  /** `pg_database_size` of the database FerretDB stores every MongoDB database in (heap, TOAST, indexes). */
  pgDatabase: number;
  /** `dbStats` of the bench database: collections (`storageSize`) plus indexes (`indexSize`). */
  dbStatsTotal: number;
  /** `du` of the PostgreSQL data folder, and of its WAL alone (pg_wal). */
  folder: number;
  wal: number;
}

export interface CpuSnapshot {
  api: number;
  ferretdb: number;
  postgres: number;
  bench: number;
}

/** CPU time (user + system) of the processes, in ms, from /proc: live processes only. */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

function processes(): { pid: number; ppid: number; cmdline: string }[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((name) => {
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
      return [{ pid: Number(name), ppid, cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ') }];
    } catch {
      return [];
    }
  });
}

export interface WaitSampler {
  /** Stops sampling; per wait (`CPU` when running, else type:event, with the collection locked), how many session-samples, and the samples taken. */
  stop(): Promise<{ samples: number; waits: { wait: string; count: number }[] }>;
}

/** The API as its own process (`api/server.ts`, as `npm run api` runs it) on the bench database. */
export interface ApiProcess {
  base: string;
  pid: number;
  /** The API process's `process.memoryUsage()`, asked over IPC. */
  memory(): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

export interface BenchDatabase {
  server: DatabaseServer;
  connection: Connection;
  services: Services;
  dataDir: string;
  /** The MongoDB database the benchmark writes: `bench`, or a fresh one on the MONGODB_URI server. */
  dbName: string;
  /** The engine's own PostgreSQL is available (not with MONGODB_URI). */
  embedded: boolean;
  size(): Promise<DataSize>;
  /** SQL on the engine's PostgreSQL, as its superuser over the Unix socket in the data folder: stdout. */
  sql(statement: string): string;
  /**
   * Samples PostgreSQL's active sessions every `everyMs` until stopped (one psql session, not
   * blocking this process): what they wait on, and for lock waits, the collection of the lock.
   */
  sampleWaits(everyMs?: number): WaitSampler;
  /** CPU milliseconds used so far by the API process (when given), FerretDB, PostgreSQL (all its processes) and this process. */
  cpu(apiPid?: number): CpuSnapshot;
  /** The whole API over these services, in this process, on a loopback port (closed with the database): its base URL. */
  serveApi(): Promise<string>;
  /** The API in a process of its own (stopped with the database), so its memory is its own. */
  spawnApi(): Promise<ApiProcess>;
  /** Stops any API, closes the connection, stops the engine and deletes the temporary data directory. */
  close(): Promise<void>;
}

/**
 * A fresh embedded engine (FerretDB 2 on PostgreSQL 15 with DocumentDB, `startDocumentDB`) in a
 * temporary directory, with the services over one database. As root the launcher runs PostgreSQL as
 * the `postgres` user and makes the mkdtemp folder reachable (as test/helpers/global-setup.ts relies
 * on). The directory is removed on close, and on Ctrl-C. With MONGODB_URI, a fresh database on that
 * server instead (dropped on close; `size()` then has only `dbStatsTotal`), to measure another engine.
 */
export async function openBenchDatabase(name: string): Promise<BenchDatabase> {
  const external = process.env.MONGODB_URI;
  const dbName = external ? `bench_${name}_${process.pid}` : 'bench';
  const dataDir = mkdtempSync(path.join(tmpdir(), `bench-${name}-`));
  const pgData = path.join(dataDir, 'postgres');
  let server: DatabaseServer | undefined;
  let connection: Connection | undefined;
  let api: Server | undefined;
  const children: ApiProcess[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    api?.closeAllConnections();
    api?.close();
    await Promise.all(children.map((child) => child.stop().catch(() => {})));
    // Forced, and not waited on for long: an abandoned sweep may still have a scan in flight.
    if (external) await connection?.dropDatabase().catch(() => {});
    await Promise.race([connection?.close(true).catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await server?.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  };
  const interrupted = () => {
    void close().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const sql = (statement: string) => {
    if (external) throw new Error('no SQL: the benchmark runs on the MONGODB_URI server');
    const port = readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[3]!.trim();
    const result = spawnSync(psqlBin, ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', pgData, '-p', port, '-U', 'postgres', '-d', 'postgres'], { input: statement, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`psql: ${result.stderr || String(result.error)}`);
    return result.stdout.trim();
  };
  try {
    server = external ? { uri: external, engine: 'external', stop: async () => {} } : await startDocumentDB({ dataDir, log: (line: string) => console.error(line) });
    connection = await connectDatabase(server.uri, dbName);
    const services = await createServices(connection, { authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 } });
    const uri = server.uri;
    const du = (dir: string) => Number(spawnSync('du', ['-sb', dir], { encoding: 'utf8' }).stdout.split(/\s/)[0]);
    return {
      server,
      connection,
      services,
      dataDir,
      dbName,
      embedded: !external,
      sql,
      async size() {
        const stats = (await connection!.db!.command({ dbStats: 1 })) as { storageSize?: number; indexSize?: number };
        if (external) return { pgDatabase: 0, dbStatsTotal: (stats.storageSize ?? 0) + (stats.indexSize ?? 0), folder: 0, wal: 0 };
        return {
          pgDatabase: Number(sql("SELECT pg_database_size('postgres')")),
          dbStatsTotal: (stats.storageSize ?? 0) + (stats.indexSize ?? 0),
          folder: du(pgData),
          wal: du(path.join(pgData, 'pg_wal')),
        };
      },
      cpu(apiPid?: number) {
        const all = processes();
        const postmaster = Number(readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
        const ferretdb = all.filter((p) => p.cmdline.includes(`--state-dir=${path.join(dataDir, 'ferretdb-state')}`)).map((p) => p.pid);
        const postgres = [postmaster, ...all.filter((p) => p.ppid === postmaster).map((p) => p.pid)];
        return { api: apiPid ? cpuMs([apiPid]) : 0, ferretdb: cpuMs(ferretdb), postgres: cpuMs(postgres), bench: cpuMs([process.pid]) };
      },
      sampleWaits(everyMs = 50) {
        return startWaitSampler(pgData, everyMs);
      },
      async serveApi() {
        const listening = createServer(createApp({ services, clock: systemClock, logger: createLogger('silent'), cookieSecure: false, trustProxy: false }));
        api = listening;
        await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
        return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
      },
      async spawnApi() {
        const child = await spawnApiProcess(uri, dbName);
        children.push(child);
        return child;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function startWaitSampler(pgData: string, everyMs: number): WaitSampler {
  const port = readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n')[3]!.trim();
  const child = spawn(psqlBin, ['-X', '-q', '-At', '-h', pgData, '-p', port, '-U', 'postgres', '-d', 'postgres'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const sample = `SELECT 'S'; SELECT coalesce(a.wait_event_type || ':' || a.wait_event, 'CPU') || coalesce(' on ' || (SELECT c.collection_name FROM documentdb_api_catalog.collections c
    JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted AND l.relation = ('documentdb_data.documents_' || c.collection_id)::regclass LIMIT 1), '')
    FROM pg_stat_activity a WHERE a.state = 'active' AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid(); SELECT pg_sleep(${everyMs / 1000});\n`;
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  let running = true;
  const feed = () => {
    if (!running) return;
    if (child.stdin.write(sample.repeat(20))) setTimeout(feed, everyMs * 20);
    else child.stdin.once('drain', () => setTimeout(feed, everyMs * 20));
  };
  feed();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      running = false;
      child.kill('SIGTERM');
      await exited;
      const lines = out.split('\n').filter((line) => line.trim());
      const counts = new Map<string, number>();
      let samples = 0;
      for (const line of lines) {
        if (line === 'S') samples++;
        else counts.set(line, (counts.get(line) ?? 0) + 1);
      }
      return { samples, waits: [...counts].map(([wait, count]) => ({ wait, count })).sort((a, b) => b.count - a.count) };
    },
  };
}

/** Starts api/server.ts through bench/lib/api-process.ts (which answers memory questions over IPC) and waits for /healthz. */
async function spawnApiProcess(uri: string, dbName: string): Promise<ApiProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_API_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_API_PROFILE] : []), '--import', 'tsx', path.join(projectRoot, 'bench/lib/api-process.ts')], {
    cwd: projectRoot,
    env: { ...process.env, MONGODB_URI: uri, MONGODB_DB: dbName, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API process exited (${child.exitCode}) before answering`);
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the API process did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    pid: child.pid!,
    memory: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the API process did not report its memory')), 5000);
        child.once('message', (message) => {
          clearTimeout(timer);
          resolve(message as NodeJS.MemoryUsage);
        });
        child.send('memory');
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * DocumentDB's plan for a find (PostgreSQL's EXPLAIN, through FerretDB's `explain`), as one line:
 * the plan's nodes from the top, each index scan with its index, e.g.
 * `Limit > Sort(object_id DESC) > Bitmap Heap Scan > Bitmap Index Scan[scope_1_state_1__id_-1]`.
 * "Seq Scan" means no index served the filter.
 */
export async function explainFind(connection: Connection, collection: string, filter: Record<string, unknown>, sort?: Record<string, 1 | -1>, limit?: number): Promise<string> {
  const result = (await connection.db!.command({
    explain: { find: collection, filter, ...(sort ? { sort } : {}), ...(limit ? { limit } : {}) },
    verbosity: 'queryPlanner',
  })) as { queryPlanner?: { Plan?: PlanNode } };
  return describePlan(result.queryPlanner?.Plan);
}

interface PlanNode {
  'Node Type'?: string;
  'Index Name'?: string;
  'Sort Key'?: string[];
  Plans?: PlanNode[];
}

function describePlan(node: PlanNode | undefined): string {
  if (!node) return '(no plan)';
  let label = node['Node Type'] ?? '?';
  if (node['Index Name']) label += `[${node['Index Name']}]`;
  if (node['Sort Key']) label += `(${node['Sort Key'].join(', ')})`;
  const children = (node.Plans ?? []).map(describePlan);
  return children.length === 0 ? label : children.length === 1 ? `${label} > ${children[0]}` : `${label} > (${children.join(' | ')})`;
}

/**
 * PostgreSQL's EXPLAIN ANALYZE of the same find, run directly on the engine (no FerretDB): its
 * execution time, to tell the database's own work from the protocol layers above it.
 */
export function analyzeFind(db: BenchDatabase, collection: string, filter: Record<string, unknown>, sort?: Record<string, 1 | -1>, limit?: number): { executionMs: number; plan: string } {
  const spec = BSON.EJSON.stringify({ find: collection, filter, ...(sort ? { sort } : {}), ...(limit ? { limit } : {}) }, { relaxed: false });
  const out = db.sql(`EXPLAIN (ANALYZE, FORMAT JSON) SELECT document FROM documentdb_api_catalog.bson_aggregation_find('${db.dbName}', '${spec.replaceAll("'", "''")}'::documentdb_core.bson)`);
  const [result] = JSON.parse(out) as [{ Plan: PlanNode; 'Execution Time': number }];
  return { executionMs: result['Execution Time'], plan: describePlan(result.Plan) };
}

export interface CommandProfile {
  wallMs: number;
  /** Per command, collection and filter keys: how many, and their summed duration (overlapping when concurrent). */
  rows: { command: string; count: number; ms: number }[];
}

/**
 * Runs `work` on services over a second, command-monitored connection to the same database and
 * sums the driver's round trips: what one use-case call asks of the database.
 */
export async function profileCommands(uri: string, dbName: string, work: (services: Services) => Promise<unknown>): Promise<CommandProfile> {
  const connection = mongoose.createConnection(uri, { dbName, retryWrites: false, autoIndex: false, monitorCommands: true });
  await connection.asPromise();
  try {
    const services = await createServices(connection, { authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 } });
    const started = new Map<number, string>();
    const totals = new Map<string, { count: number; ms: number }>();
    const client = connection.getClient();
    client.on('commandStarted', (event) => {
      const command = event.command as Record<string, unknown>;
      const target = String(command[event.commandName] ?? '').replace(/_\d\d$/, '_NN');
      const filter = (command.filter ?? command.query ?? (command.updates as { q?: object }[] | undefined)?.[0]?.q ?? (command.deletes as { q?: object }[] | undefined)?.[0]?.q) as object | undefined;
      started.set(event.requestId, `${event.commandName} ${target}${filter ? ` {${Object.keys(filter).join(', ')}}` : ''}`);
    });
    const finished = (event: { requestId: number; duration: number }) => {
      const key = started.get(event.requestId);
      if (!key) return;
      started.delete(event.requestId);
      const total = totals.get(key) ?? { count: 0, ms: 0 };
      totals.set(key, { count: total.count + 1, ms: total.ms + event.duration });
    };
    client.on('commandSucceeded', finished);
    client.on('commandFailed', finished);
    const began = performance.now();
    await work(services);
    const wallMs = performance.now() - began;
    return { wallMs, rows: [...totals].map(([command, t]) => ({ command, ...t })).sort((a, b) => b.ms - a.ms) };
  } finally {
    await connection.close(true);
  }
}

/**
 * Every benchmark's frame: what it is and the machine's load, a fresh database for `run`, always
 * closed and removed, then the load again and the whole run's time.
 */
export async function runBench(name: string, description: string, run: (db: BenchDatabase) => Promise<void>): Promise<void> {
  const startedAt = performance.now();
  console.log(`${name} benchmark: ${description}`);
  console.log(`machine: ${machineNotes()}; load average at start: ${loadAverage()}`);
  const db = await openBenchDatabase(name);
  try {
    await run(db);
  } finally {
    await db.close();
  }
  console.log(`\nload average at end: ${loadAverage()}; whole run ${ms(performance.now() - startedAt)}; temporary database removed`);
}
