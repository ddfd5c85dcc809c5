import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import type { Config } from '../core/platform/config.js';
import { projectRoot, startDocumentDB, startMongod, withCredentials, type DatabaseServer } from './documentdb/launcher.js';

/**
 * MONGODB_URI wins and is used as it is. Without it, the project starts its own server in
 * DATA_DIR: FerretDB 2 on PostgreSQL with DocumentDB by default (DATA_DIR/documentdb), or mongod
 * when DB_ENGINE=mongod and mongod is installed.
 * A server this project already runs on the same DATA_DIR (say, `npm start` while `npm run seed`
 * is typed in another terminal) is reused: two servers on one data folder would corrupt it.
 * `port` asks for the same port again when a crashed server is restarted, so that the URI the
 * API and the workers hold stays valid.
 */
export async function openDatabaseServer(config: Config, log: (line: string) => void, options: { port?: number } = {}): Promise<DatabaseServer> {
  if (config.MONGODB_URI) return { uri: config.MONGODB_URI, engine: 'external', stop: async () => {} };
  const dataDir = path.resolve(projectRoot, config.DATA_DIR, config.DB_ENGINE);
  warnAboutOldEngineData(path.resolve(projectRoot, config.DATA_DIR), log);
  // The state file names the port and the process, never the credentials (those stay in the
  // engine's own mode-600 file).
  const stateFile = path.join(dataDir, 'server.json');
  const running = await runningServer(stateFile, dataDir);
  if (running) {
    log(`using the ${config.DB_ENGINE} server already running on ${config.DATA_DIR}`);
    return { uri: running, engine: 'external', stop: async () => {} };
  }
  if (config.DB_ENGINE === 'mongod' && spawnSync('mongod', ['--version']).error) {
    throw new Error('DB_ENGINE=mongod but mongod is not on the PATH: install MongoDB or unset DB_ENGINE to use the embedded engine.');
  }
  const server = config.DB_ENGINE === 'mongod' ? await startMongod({ dataDir, log, port: options.port }) : await startDocumentDB({ dataDir, log, port: options.port });
  const uri = new URL(server.uri);
  uri.username = '';
  uri.password = '';
  writeFileSync(stateFile, JSON.stringify({ uri: uri.toString(), pid: process.pid }));
  return {
    ...server,
    stop: async () => {
      rmSync(stateFile, { force: true });
      await server.stop();
    },
  };
}

/**
 * FerretDB 1.x (this project's engine before) kept one SQLite file per database in DATA_DIR/ferretdb.
 * The new engine cannot read them, and nothing converts them: say so at every start while they are there.
 */
function warnAboutOldEngineData(dataDir: string, log: (line: string) => void) {
  const old = path.join(dataDir, 'ferretdb');
  let files: string[];
  try {
    files = readdirSync(old).filter((name) => name.endsWith('.sqlite'));
  } catch {
    return;
  }
  if (files.length === 0) return;
  log(
    `${old} holds data of the previous embedded engine (FerretDB 1.x on SQLite: ${files.join(', ')}). ` +
      'It is NOT migrated and not used: the database now lives in PostgreSQL (DATA_DIR/documentdb) and starts empty. ' +
      'To keep the old data, start the previous version of this project on this DATA_DIR, export it with mongodump, ' +
      'and load it here with mongorestore (MONGODB_URI from this start); otherwise delete that folder to silence this message.',
  );
}

async function runningServer(stateFile: string, dataDir: string): Promise<string | null> {
  if (!existsSync(stateFile)) return null;
  const { uri: bare, pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { uri: string; pid: number };
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  const uri = withCredentials(dataDir, bare);
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000 });
  try {
    // Not a ping, which FerretDB answers without authentication: this proves the credentials too.
    await client.db('admin').command({ listDatabases: 1, nameOnly: true });
    return uri;
  } catch {
    return null;
  } finally {
    await client.close().catch(() => {});
  }
}
