import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { createGunzip } from 'node:zlib';
import { BSON, MongoClient, type Document, type IndexDescription } from 'mongodb';
import { clusterDir, credentialsFile, databaseOwner } from '../documentdb/launcher.js';
import { BackupError, clusterMember, credentialsMember, documentsMember, extractMember, filesMember, indexesMember, listMembers, readMember, run, type Manifest } from './archive.js';

/** Restoring over live data would mix two states of the system: only an empty or absent DATA_DIR is accepted. */
export function assertEmptyFolder(dataDir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dataDir);
  } catch {
    return;
  }
  if (entries.length > 0) {
    throw new BackupError(
      `DATA_DIR ${dataDir} is not empty (${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}). ` +
        'A restore only goes into an empty or absent folder: stop the system, move that folder away (or set DATA_DIR to a new one), and run the restore again.',
    );
  }
}

/** Empties DATA_DIR again after a failed restore, so that the next attempt is not refused. */
export function emptyFolder(dataDir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of entries) rmSync(path.join(dataDir, name), { recursive: true, force: true });
}

/**
 * The embedded engine's cluster as pg_basebackup left it, and the MongoDB user's credentials that
 * match the role inside it. PostgreSQL replays the WAL that came with it at its first start.
 */
export async function restoreCluster(file: string, engineDir: string): Promise<void> {
  const pgData = clusterDir(engineDir);
  mkdirSync(pgData, { recursive: true, mode: 0o700 });
  await extractMember(file, clusterMember('base.tar.gz'), pgData);
  await extractMember(file, clusterMember('pg_wal.tar.gz'), path.join(pgData, 'pg_wal'));
  const credentials = credentialsFile(engineDir);
  const { stream, done } = readMember(file, credentialsMember);
  await Promise.all([writeFile(credentials, stream, { mode: 0o600 }), done]);
  chmodSync(pgData, 0o700);
  const owner = databaseOwner();
  if (owner) await run('chown', ['-R', `${owner.uid}:${owner.gid}`, engineDir]);
}

export async function restoreFiles(file: string, dataDir: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  await extractMember(file, filesMember, dataDir);
}

/** Documents and indexes of a driver-level backup into a database that has no collections yet. */
export async function importDocuments(file: string, manifest: Extract<Manifest['database'], { kind: 'documents' }>, uri: string, dbName: string, log: (line: string) => void): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    const db = client.db(dbName);
    const existing = await db.listCollections({}, { nameOnly: true }).toArray();
    if (existing.length > 0) throw new BackupError(`The database ${dbName} already has collections (${existing.map((c) => c.name).join(', ')}): a restore only goes into an empty one.`);
    const members = new Set(await listMembers(file));
    for (const name of Object.keys(manifest.collections)) {
      if (!members.has(documentsMember(name))) throw new BackupError(`The backup lists ${name} but holds no documents for it.`);
      const collection = await db.createCollection(name);
      const { stream, done } = readMember(file, documentsMember(name));
      let batch: Document[] = [];
      let count = 0;
      for await (const line of readline.createInterface({ input: stream.pipe(createGunzip()), crlfDelay: Infinity })) {
        if (!line) continue;
        batch.push(BSON.EJSON.parse(line, { relaxed: false }) as Document);
        if (batch.length === 1000) {
          await collection.insertMany(batch, { ordered: true });
          count += batch.length;
          batch = [];
        }
      }
      if (batch.length > 0) await collection.insertMany(batch, { ordered: true });
      count += batch.length;
      await done;
      const indexes = await readAll(file, indexesMember(name));
      const specs = BSON.EJSON.parse(indexes, { relaxed: false }) as IndexDescription[];
      if (specs.length > 0) await collection.createIndexes(specs);
      if (count !== manifest.collections[name]) throw new BackupError(`${name}: the backup lists ${manifest.collections[name]} documents, ${count} were read.`);
      log(`imported ${name}: ${count} documents, ${specs.length} indexes`);
    }
  } finally {
    await client.close();
  }
}

async function readAll(file: string, member: string): Promise<string> {
  const { stream, done } = readMember(file, member);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  await done;
  return Buffer.concat(chunks).toString('utf8');
}

/** What the restored database holds, for the log: each collection and its count. */
export async function collectionCounts(uri: string, dbName: string): Promise<Record<string, number>> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    const db = client.db(dbName);
    const counts: Record<string, number> = {};
    for (const { name } of await db.listCollections({ type: 'collection' }, { nameOnly: true }).toArray()) {
      counts[name] = await db.collection(name).countDocuments();
    }
    return counts;
  } finally {
    await client.close();
  }
}
