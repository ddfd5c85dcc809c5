import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Config } from '../core/platform/config.js';
import { projectRoot, startFerretDB, startMongod, type DatabaseServer } from './ferretdb/launcher.js';

/**
 * MONGODB_URI wins and is used as it is. Without it, the project starts its own server in
 * DATA_DIR: FerretDB by default, or mongod when DB_ENGINE=mongod and mongod is installed.
 */
export async function openDatabaseServer(config: Config, log: (line: string) => void): Promise<DatabaseServer> {
  if (config.MONGODB_URI) return { uri: config.MONGODB_URI, engine: 'external', stop: async () => {} };
  const dataDir = path.resolve(projectRoot, config.DATA_DIR);
  if (config.DB_ENGINE === 'mongod') {
    if (spawnSync('mongod', ['--version']).error) {
      throw new Error('DB_ENGINE=mongod but mongod is not on the PATH: install MongoDB or unset DB_ENGINE to use the embedded FerretDB.');
    }
    return startMongod({ dataDir: path.join(dataDir, 'mongod'), log });
  }
  return startFerretDB({ dataDir: path.join(dataDir, 'ferretdb'), log });
}
