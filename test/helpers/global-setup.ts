import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDocumentDB, type DatabaseServer } from '../../infra/documentdb/launcher.js';

/**
 * One real engine (FerretDB 2 on PostgreSQL with DocumentDB) for the whole run, in a temporary
 * folder; each test file gets its own database in it. Set MONGODB_URI to run the suite against
 * another server (a MongoDB, or an engine already running) instead.
 */
let server: DatabaseServer | undefined;
let dataDir: string | undefined;
let port: number | undefined;

export async function mochaGlobalSetup() {
  if (process.env.MONGODB_URI) return;
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'hotline12345-test-'));
  server = await startDocumentDB({ dataDir });
  port = Number(new URL(server.uri).port);
}

export async function mochaGlobalTeardown() {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

export function testDatabaseUri(): string {
  const uri = process.env.MONGODB_URI ?? server?.uri;
  if (!uri) throw new Error('The test database is not running (mocha global setup did not run).');
  return uri;
}

/** Stops the shared server and starts it again on the same port and data: for readiness tests. */
export async function stopTestDatabase(): Promise<() => Promise<void>> {
  if (!server || !dataDir || port === undefined) throw new Error('Only the embedded test database can be stopped.');
  await server.stop();
  const dir = dataDir;
  const samePort = port;
  return async () => {
    server = await startDocumentDB({ dataDir: dir, port: samePort });
  };
}
