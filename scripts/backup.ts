import path from 'node:path';
import { loadConfigOrExit } from '../core/platform/config.js';
import { BackupError } from '../infra/backup/archive.js';
import { writeBackup, type DatabaseSource } from '../infra/backup/backup.js';
import { openDatabaseServer } from '../infra/database-server.js';
import { projectRoot } from '../infra/documentdb/launcher.js';

/**
 * `npm run backup [-- FOLDER]`: the database and DATA_DIR's files into one dated file in BACKUP_DIR
 * (or FOLDER). The embedded engine is used as it runs (`npm start` may go on serving), or started
 * for the backup and stopped after it.
 */
const config = loadConfigOrExit(process.env);
const log = (line: string) => console.log(`[backup] ${line}`);
const dataDir = path.resolve(projectRoot, config.DATA_DIR);
const backupDir = path.resolve(process.argv[2] ?? path.resolve(projectRoot, config.BACKUP_DIR));
const started = Date.now();
const server = await openDatabaseServer(config, log);
try {
  const database: DatabaseSource =
    !config.MONGODB_URI && config.DB_ENGINE === 'documentdb'
      ? { kind: 'cluster', engineDir: path.join(dataDir, 'documentdb') }
      : { kind: 'documents', uri: server.uri, dbName: config.MONGODB_DB };
  if (database.kind === 'documents') log(`exporting ${config.MONGODB_DB} collection by collection: not one instant if it is written meanwhile (mongodump --oplog is, on a replica set)`);
  const { file, bytes } = await writeBackup({ dataDir, database, backupDir, now: new Date(), log });
  log(`wrote ${file}: ${(bytes / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  if (!(error instanceof BackupError)) throw error;
  console.error(`[backup] ${error.message}`);
  process.exitCode = 1;
} finally {
  await server.stop();
}
