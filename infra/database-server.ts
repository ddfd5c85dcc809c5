import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import type { Config } from '../core/platform/config.js';
import { projectRoot, startFerretDB, startMongod, type DatabaseServer } from './ferretdb/launcher.js';

/**
 * MONGODB_URI wins and is used as it is. Without it, the project starts its own server in
 * DATA_DIR: FerretDB by default, or mongod when DB_ENGINE=mongod and mongod is installed.
 * A server this project already runs on the same DATA_DIR (say, `npm start` while `npm run seed`
 * is typed in another terminal) is reused: two servers on one data folder would corrupt it.
 */
export async function openDatabaseServer(config: Config, log: (line: string) => void): Promise<DatabaseServer> {
  if (config.MONGODB_URI) return { uri: config.MONGODB_URI, engine: 'external', stop: async () => {} };
  const dataDir = path.resolve(projectRoot, config.DATA_DIR, config.DB_ENGINE);
  const stateFile = path.join(dataDir, 'server.json');
  const running = await runningServer(stateFile);
  if (running) {
    log(`using the ${config.DB_ENGINE} server already running on ${config.DATA_DIR}`);
    return { uri: running, engine: 'external', stop: async () => {} };
  }
  if (config.DB_ENGINE === 'mongod' && spawnSync('mongod', ['--version']).error) {
    throw new Error('DB_ENGINE=mongod but mongod is not on the PATH: install MongoDB or unset DB_ENGINE to use the embedded FerretDB.');
  }
  const server = config.DB_ENGINE === 'mongod' ? await startMongod({ dataDir, log }) : await startFerretDB({ dataDir, log });
  writeFileSync(stateFile, JSON.stringify({ uri: server.uri, pid: process.pid }));
  return {
    ...server,
    stop: async () => {
      rmSync(stateFile, { force: true });
      await server.stop();
    },
  };
}

async function runningServer(stateFile: string): Promise<string | null> {
  if (!existsSync(stateFile)) return null;
  const { uri, pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { uri: string; pid: number };
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000 });
  try {
    await client.db('admin').command({ ping: 1 });
    return uri;
  } catch {
    return null;
  } finally {
    await client.close().catch(() => {});
  }
}
