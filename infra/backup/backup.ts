import { chmodSync, copyFileSync, createWriteStream, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { BSON, MongoClient } from 'mongodb';
import { clusterDir, credentialsFile } from '../documentdb/launcher.js';
import { BackupError, credentialsMember, documentsMember, filesMember, indexesMember, manifestName, run, type Manifest } from './archive.js';

const pgBin = '/usr/lib/postgresql/15/bin';

/**
 * DATA_DIR's entries that are not copied as files: the database folders (the database step saves
 * them consistently; their files copied while the engine writes would not be) and Kamailio's run
 * folder, rewritten at every start. Everything else is kept, so attachments, recordings or any
 * other folder the system starts to keep there are in the next backup without a change here.
 */
export const notCopied = ['documentdb', 'mongod', 'kamailio'];

export type DatabaseSource =
  /** The embedded engine, running: its PostgreSQL cluster is copied by pg_basebackup, one consistent instant. */
  | { kind: 'cluster'; engineDir: string }
  /** Any MongoDB-protocol server: each collection read in turn, so not one instant. */
  | { kind: 'documents'; uri: string; dbName: string };

export interface BackupRequest {
  dataDir: string;
  database: DatabaseSource;
  backupDir: string;
  now: Date;
  log: (line: string) => void;
}

/**
 * Writes `hotline12345-<UTC time>.tar` (mode 600) into the backup folder: the database and DATA_DIR's
 * files. It is assembled in a private staging folder beside it and renamed into place only when whole.
 */
export async function writeBackup({ dataDir, database, backupDir, now, log }: BackupRequest): Promise<{ file: string; bytes: number }> {
  mkdirSync(backupDir, { recursive: true, mode: 0o700 });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = path.join(backupDir, `hotline12345-${stamp}.tar`);
  const staging = path.join(backupDir, `.staging-${stamp}-${process.pid}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    const members: string[] = [];
    let databaseEntry: Manifest['database'];
    if (database.kind === 'cluster') {
      databaseEntry = await copyCluster(database.engineDir, staging, log);
      members.push('postgres', credentialsMember);
    } else {
      databaseEntry = await exportDocuments(database.uri, database.dbName, staging, log);
      members.push('documents');
    }
    const files = await copyFiles(dataDir, backupDir, path.join(staging, filesMember), log);
    members.push(filesMember);
    const manifest: Manifest = { format: 1, createdAt: now.toISOString(), database: databaseEntry, files };
    writeFileSync(path.join(staging, manifestName), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    // The manifest first: the restore reads it before anything else.
    const partial = `${file}.partial`;
    await run('tar', ['-cf', partial, '-C', staging, manifestName, ...members]);
    chmodSync(partial, 0o600);
    renameSync(partial, file);
    return { file, bytes: statSync(file).size };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The running cluster's port, from the lock file PostgreSQL keeps in its data folder (line 4). */
function clusterPort(pgData: string): number {
  let lines: string[];
  try {
    lines = readFileSync(path.join(pgData, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    throw new BackupError(`The embedded database in ${pgData} is not running.`);
  }
  const port = Number(lines[3]);
  if (!Number.isInteger(port) || port <= 0) throw new BackupError(`Cannot read the port of the database running in ${pgData}.`);
  return port;
}

/**
 * pg_basebackup over the cluster's Unix socket, as `postgres` (no password: the socket is inside the
 * mode-700 data folder). WAL is streamed alongside, so the copy is one consistent instant however
 * much is written meanwhile. The MongoDB user's password goes along (its role is in the cluster).
 */
async function copyCluster(engineDir: string, staging: string, log: (line: string) => void): Promise<Manifest['database']> {
  const pgData = clusterDir(engineDir);
  const connection = ['-h', pgData, '-p', String(clusterPort(pgData)), '-U', 'postgres'];
  const version = await run(path.join(pgBin, 'psql'), ['-X', '-At', ...connection, '-d', 'postgres', '-c', "SELECT extversion FROM pg_extension WHERE extname = 'documentdb'"]);
  log('copying the database cluster (pg_basebackup)');
  await run(path.join(pgBin, 'pg_basebackup'), [
    ...connection, '-D', path.join(staging, 'postgres'), '--format=tar', '--gzip', '--wal-method=stream', '--checkpoint=fast', '--label=hotline12345 backup', '--no-password',
  ]).catch((error: Error) => {
    if (/no pg_hba\.conf entry for replication/.test(error.message)) {
      throw new BackupError('The running database was started by an older version that does not allow pg_basebackup: restart it (`npm start`) and back up again.');
    }
    throw error;
  });
  copyFileSync(credentialsFile(engineDir), path.join(staging, credentialsMember));
  chmodSync(path.join(staging, credentialsMember), 0o600);
  return { kind: 'cluster', postgresql: '15', documentdb: version.stdout.trim() };
}

/** Each collection as gzipped canonical Extended JSON lines (types survive: ObjectId, Date, Decimal128…), with its indexes. */
async function exportDocuments(uri: string, dbName: string, staging: string, log: (line: string) => void): Promise<Manifest['database']> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    const db = client.db(dbName);
    const collections: Record<string, number> = {};
    mkdirSync(path.join(staging, 'documents'), { mode: 0o700 });
    for (const { name } of await db.listCollections({ type: 'collection' }, { nameOnly: true }).toArray()) {
      if (name.startsWith('system.')) continue;
      const collection = db.collection(name);
      let count = 0;
      const lines = Readable.from(
        (async function* () {
          for await (const document of collection.find({}, { sort: { _id: 1 } })) {
            count++;
            yield BSON.EJSON.stringify(document, { relaxed: false }) + '\n';
          }
        })(),
      );
      await pipeline(lines, createGzip(), createWriteStream(path.join(staging, documentsMember(name)), { mode: 0o600 }));
      const indexes = (await collection.listIndexes().toArray())
        .filter((index) => index.name !== '_id_')
        .map(({ v: _v, ns: _ns, ...spec }) => spec);
      writeFileSync(path.join(staging, indexesMember(name)), BSON.EJSON.stringify(indexes, { relaxed: false }), { mode: 0o600 });
      collections[name] = count;
      log(`exported ${name}: ${count} documents`);
    }
    return { kind: 'documents', name: dbName, collections, pointInTime: false };
  } finally {
    await client.close();
  }
}

/** DATA_DIR's entries beside the database, one gzipped tar (empty when there are none). */
async function copyFiles(dataDir: string, backupDir: string, to: string, log: (line: string) => void): Promise<string[]> {
  let entries: string[] = [];
  try {
    entries = readdirSync(dataDir);
  } catch {
    // No DATA_DIR yet (the database is external and nothing was written): an empty archive.
  }
  const kept = entries.filter((name) => !notCopied.includes(name) && path.join(dataDir, name) !== backupDir);
  // Names go in on stdin, NUL-separated: any character is safe, and none at all is an empty archive.
  const { code } = await run('tar', ['-czf', to, ...(kept.length > 0 ? ['-C', dataDir] : []), '--null', '-T', '-'], { input: kept.map((name) => `${name}\0`).join(''), accept: [1] });
  if (code === 1) log('a file in DATA_DIR changed while it was copied (the SMS outbox being appended, say): the copy has it as it was read');
  chmodSync(to, 0o600);
  return kept;
}
