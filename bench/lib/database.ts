import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../core/platform/database.js';
import { createServices, type Services } from '../../core/services.js';
import { startFerretDB, type DatabaseServer } from '../../infra/ferretdb/launcher.js';

export interface BenchDatabase {
  server: DatabaseServer;
  connection: Connection;
  services: Services;
  dataDir: string;
  /** Bytes of the SQLite files so far. */
  size(): number;
  /** Closes the connection, stops FerretDB and deletes the temporary data directory. */
  close(): Promise<void>;
}

/**
 * A fresh embedded FerretDB in a temporary directory, with the services over one database. The
 * directory is removed on close, and on Ctrl-C.
 */
export async function openBenchDatabase(name: string): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `bench-${name}-`));
  let server: DatabaseServer | undefined;
  let connection: Connection | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await connection?.close().catch(() => {});
    await server?.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  };
  const interrupted = () => {
    void close().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    server = await startFerretDB({ dataDir, log: (line) => console.error(line) });
    connection = await connectDatabase(server.uri, 'bench');
    const services = await createServices(connection, { authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 } });
    return {
      server,
      connection,
      services,
      dataDir,
      size: () => readdirSync(dataDir).reduce((sum, file) => sum + statSync(path.join(dataDir, file)).size, 0),
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
