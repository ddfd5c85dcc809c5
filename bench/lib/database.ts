import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { createApp } from '../../api/app.js';
import { systemClock } from '../../core/platform/clock.js';
import { connectDatabase } from '../../core/platform/database.js';
import { createLogger } from '../../core/platform/logger.js';
import { createServices, type Services } from '../../core/services.js';
import { startFerretDB, type DatabaseServer } from '../../infra/ferretdb/launcher.js';

export interface BenchDatabase {
  server: DatabaseServer;
  connection: Connection;
  services: Services;
  dataDir: string;
  /** Bytes of the SQLite files so far. */
  size(): number;
  /** The whole API over these services on a loopback port (closed with the database): its base URL. */
  serveApi(): Promise<string>;
  /** Closes the API server, the connection, stops FerretDB and deletes the temporary data directory. */
  close(): Promise<void>;
}

/**
 * A fresh embedded FerretDB in a temporary directory, with the services over one database. The
 * directory is removed on close, and on Ctrl-C. With MONGODB_URI, a fresh database on that server
 * instead (dropped on close; `size()` then reads 0), to measure another engine.
 */
export async function openBenchDatabase(name: string): Promise<BenchDatabase> {
  const external = process.env.MONGODB_URI;
  const dataDir = mkdtempSync(path.join(tmpdir(), `bench-${name}-`));
  let server: DatabaseServer | undefined;
  let connection: Connection | undefined;
  let api: Server | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    api?.closeAllConnections();
    api?.close();
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
  try {
    server = external ? { uri: external, engine: 'external', stop: async () => {} } : await startFerretDB({ dataDir, log: (line) => console.error(line) });
    connection = await connectDatabase(server.uri, external ? `bench_${name}_${process.pid}` : 'bench');
    const services = await createServices(connection, { authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 } });
    return {
      server,
      connection,
      services,
      dataDir,
      size: () => readdirSync(dataDir).reduce((sum, file) => sum + statSync(path.join(dataDir, file)).size, 0),
      async serveApi() {
        const listening = createServer(createApp({ services, clock: systemClock, logger: createLogger('silent'), cookieSecure: false, trustProxy: false }));
        api = listening;
        await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
        return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What FerretDB says it does with a find: whether the filter reached SQLite, and SQLite's plan. */
export async function explainFind(connection: Connection, collection: string, filter: Record<string, unknown>, sort?: Record<string, 1 | -1>): Promise<string> {
  const result = (await connection.db!.command({ explain: { find: collection, filter, ...(sort ? { sort } : {}) }, verbosity: 'queryPlanner' })) as {
    filterPushdown?: boolean;
    sortPushdown?: boolean;
    queryPlanner?: { Plan?: string[] };
  };
  const plan = (result.queryPlanner?.Plan ?? []).map((step) => step.replace(/^.*detail=/, '')).join('; ');
  return `filterPushdown=${String(result.filterPushdown)} sortPushdown=${String(result.sortPushdown)} sqlite: ${plan || '(none)'}`;
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
