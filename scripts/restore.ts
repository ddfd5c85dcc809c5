import path from 'node:path';
import { loadConfigOrExit } from '../core/platform/config.js';
import { BackupError, readManifest } from '../infra/backup/archive.js';
import { assertEmptyFolder, collectionCounts, emptyFolder, importDocuments, restoreCluster, restoreFiles } from '../infra/backup/restore.js';
import { openDatabaseServer } from '../infra/database-server.js';
import { projectRoot } from '../infra/documentdb/launcher.js';

/**
 * `npm run restore -- FILE`: a backup from `npm run backup` into an empty (or absent) DATA_DIR.
 * The database is started once at the end: the embedded engine replays the backup's WAL then, and
 * the log lists what each collection holds.
 */
const config = loadConfigOrExit(process.env);
const log = (line: string) => console.log(`[restore] ${line}`);
const file = process.argv[2];
if (!file) {
  console.error('usage: npm run restore -- FILE   (a hotline12345-….tar written by `npm run backup`)');
  process.exit(2);
}
const dataDir = path.resolve(projectRoot, config.DATA_DIR);
const started = Date.now();
try {
  assertEmptyFolder(dataDir);
  const manifest = await readManifest(path.resolve(file));
  log(`backup of ${manifest.createdAt} (${manifest.database.kind === 'cluster' ? 'the embedded engine' : `database ${manifest.database.name}, exported by the driver`})`);
  try {
    if (manifest.database.kind === 'cluster') {
      if (config.MONGODB_URI || config.DB_ENGINE !== 'documentdb') {
        throw new BackupError('This backup holds the embedded engine\'s database: restore it with MONGODB_URI and DB_ENGINE unset.');
      }
      await restoreCluster(path.resolve(file), path.join(dataDir, 'documentdb'));
    }
    await restoreFiles(path.resolve(file), dataDir);
    const server = await openDatabaseServer(config, log);
    try {
      if (manifest.database.kind === 'documents') await importDocuments(path.resolve(file), manifest.database, server.uri, config.MONGODB_DB, log);
      const counts = await collectionCounts(server.uri, config.MONGODB_DB);
      log(`${config.MONGODB_DB}: ${Object.entries(counts).map(([name, count]) => `${name} ${count}`).join(', ') || 'no collections'}`);
    } finally {
      await server.stop();
    }
  } catch (error) {
    emptyFolder(dataDir);
    throw error;
  }
  log(`restored into ${dataDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  if (!(error instanceof BackupError)) throw error;
  console.error(`[restore] ${error.message}`);
  process.exitCode = 1;
}
