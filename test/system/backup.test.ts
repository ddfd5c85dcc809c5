import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BSON, MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { systemActor, type Actor } from '../../core/accounts/access.js';
import { loadConfig } from '../../core/platform/config.js';
import { connectDatabase } from '../../core/platform/database.js';
import { createServices } from '../../core/services.js';
import { attachmentSettingsFrom } from '../../core/attachments/attachments.js';
import sharp from 'sharp';
import { openDatabaseServer } from '../../infra/database-server.js';
import type { DatabaseServer } from '../../infra/documentdb/launcher.js';
import { aCategory, aDepartment, aUser } from '../builders/builders.js';

const run = promisify(execFile);
const dbName = 'hotline12345';
const now = new Date('2026-03-02T02:00:00Z');

/** `npm run backup` / `npm run restore` as a user runs them, bounded; the exit code and output come back either way. */
async function npmScript(script: 'backup' | 'restore', args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', MONGODB_URI: '', ...env },
      timeout: 120_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** Every collection's count, and about a dozen whole documents of each spread over its _id order, as canonical Extended JSON. */
async function snapshot(uri: string) {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    const db = client.db(dbName);
    const result: Record<string, { count: number; sample: string[]; indexes: string[] }> = {};
    for (const { name } of await db.listCollections({ type: 'collection' }, { nameOnly: true }).toArray()) {
      const collection = db.collection(name);
      const count = await collection.countDocuments();
      const step = Math.max(1, Math.floor(count / 10));
      const documents = await collection.find({}, { sort: { _id: 1 } }).toArray();
      const sample = documents.filter((_, i) => i % step === 0 || i === documents.length - 1).map((d) => BSON.EJSON.stringify(d, { relaxed: false }));
      const indexes = (await collection.listIndexes().toArray()).map((i) => `${String(i.name)} ${JSON.stringify(i.key)}${i.unique ? ' unique' : ''}`).sort();
      result[name] = { count, sample, indexes };
    }
    return result;
  } finally {
    await client.close();
  }
}

async function restoredSnapshot(dataDir: string) {
  const server = await openDatabaseServer(loadConfig({ DATA_DIR: dataDir }), () => {});
  try {
    return await snapshot(server.uri);
  } finally {
    await server.stop();
  }
}

describe('System: backup and restore', function () {
  this.timeout(300_000);
  let root: string;
  let source: string;
  let server: DatabaseServer;
  let connection: Connection;
  let before: Awaited<ReturnType<typeof snapshot>>;
  /** The stored files of a photo added through the use case: the image and its thumbnail, by SHA-256. */
  let photoFiles: string[];

  // The system as `npm start` leaves it: its own engine in a DATA_DIR, data written through the use cases, SMS in the outbox.
  this.beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'hotline12345-backup-'));
    chmodSync(root, 0o711); // as root, the engines run as `postgres`, which must pass through to the DATA_DIRs
    source = path.join(root, 'source');
    server = await openDatabaseServer(loadConfig({ DATA_DIR: source }), () => {});
    connection = await connectDatabase(server.uri, dbName);
    const services = await createServices(connection, {
      authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 }, attachments: attachmentSettingsFrom(loadConfig({ DATA_DIR: source })),
    });
    const department = await aDepartment(services);
    const category = await aCategory(services);
    await aUser(services, ['operator']);
    const act = (roles: Actor['roles'], departmentId: string | null = null) => ({
      actor: { userId: `u-${roles[0]}`, username: roles[0]!, roles, departmentId, via: 'session' as const }, now,
    });
    const ticketIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { id } = await services.tickets.intake(act(['operator']), {
        channel: 'phone', requestType: 'complaint', categoryId: category.id,
        requester: { name: `市民${i}`, phone: `1380013${String(8000 + i)}`, email: null },
        subject: `小区门口路灯不亮 ${i}`, content: '小区门口路灯不亮已经三天，晚上出行不便，请尽快维修。',
      }, `key-${i}`);
      ticketIds.push(id);
      if (i % 3 === 0) continue;
      await services.tickets.act(act(['dispatcher']), id, 'dispatch', { lead: department.id });
      if (i % 3 === 1) await services.tickets.act(act(['department_staff'], department.id), id, 'accept', {});
    }
    await services.tickets.intake({ actor: systemActor, now }, {
      channel: 'import', requestType: 'inquiry', categoryId: null,
      requester: { name: '王五', phone: '13900139000', email: null }, subject: '公交线路咨询', content: '请问 12 路公交末班车几点？',
    });
    mkdirSync(path.join(source, 'outbox'), { recursive: true });
    writeFileSync(path.join(source, 'outbox', 'sms.jsonl'), '{"to":"13800138000","text":"您的诉求已受理"}\n');
    const photo = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#468' } }).jpeg().toBuffer();
    const attachment = await services.attachments.add(act(['operator']), ticketIds[0]!, { name: '现场.jpg', bytes: photo });
    photoFiles = readdirSync(path.join(source, 'attachments'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(source, path.join(e.parentPath, e.name)));
    assert.equal(photoFiles.length, 2, 'the image and its thumbnail');
    assert.ok(photoFiles.some((file) => file.endsWith(attachment.sha256)));
    // A folder the backup does not know by name, as recordings will be.
    mkdirSync(path.join(source, 'recordings', '2026-03'), { recursive: true });
    writeFileSync(path.join(source, 'recordings', '2026-03', 'call-1.wav'), Buffer.from([0x52, 0x49, 0x46, 0x46, 0, 1, 2, 3]));
    before = await snapshot(server.uri);
    assert.ok((before.tickets?.count ?? 0) >= 13, JSON.stringify(Object.keys(before)));
  });

  this.afterAll(async () => {
    await connection?.close();
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('when the running embedded engine is backed up and restored into an empty DATA_DIR, then every collection, the sampled documents, the indexes and the files are as they were', async () => {
    const backups = path.join(root, 'backups');
    const backup = await npmScript('backup', [backups], { DATA_DIR: source });
    assert.equal(backup.code, 0, backup.output);
    const [file, ...others] = readdirSync(backups);
    assert.deepEqual(others, [], 'one file, no staging left behind');
    assert.match(file!, /^hotline12345-\d{8}T\d{6}Z\.tar$/);
    assert.equal(statSync(path.join(backups, file!)).mode & 0o777, 0o600);
    const { password } = JSON.parse(readFileSync(path.join(source, 'documentdb', 'credentials.json'), 'utf8')) as { password: string };
    assert.ok(!backup.output.includes(password), 'the password is not logged');

    const target = path.join(root, 'restored');
    mkdirSync(target);
    writeFileSync(path.join(target, 'left-over'), '');
    const refused = await npmScript('restore', [path.join(backups, file!)], { DATA_DIR: target });
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /is not empty \(left-over\)/);
    rmSync(path.join(target, 'left-over'));

    const restore = await npmScript('restore', [path.join(backups, file!)], { DATA_DIR: target });
    assert.equal(restore.code, 0, restore.output);
    assert.deepEqual(await restoredSnapshot(target), before);
    assert.equal(readFileSync(path.join(target, 'outbox', 'sms.jsonl'), 'utf8'), readFileSync(path.join(source, 'outbox', 'sms.jsonl'), 'utf8'));
    assert.deepEqual(readFileSync(path.join(target, 'recordings', '2026-03', 'call-1.wav')), readFileSync(path.join(source, 'recordings', '2026-03', 'call-1.wav')));
    for (const file of photoFiles) assert.deepEqual(readFileSync(path.join(target, file)), readFileSync(path.join(source, file)), file);
  });

  it('when MONGODB_URI names the server, then the backup is each collection exported with its indexes, and it restores into an empty DATA_DIR the same', async () => {
    const backups = path.join(root, 'backups-driver');
    const backup = await npmScript('backup', [backups], { DATA_DIR: source, MONGODB_URI: server.uri });
    assert.equal(backup.code, 0, backup.output);
    const [file] = readdirSync(backups);
    const target = path.join(root, 'restored-driver');
    const restore = await npmScript('restore', [path.join(backups, file!)], { DATA_DIR: target });
    assert.equal(restore.code, 0, restore.output);
    assert.deepEqual(await restoredSnapshot(target), before);
    assert.equal(readFileSync(path.join(target, 'outbox', 'sms.jsonl'), 'utf8'), readFileSync(path.join(source, 'outbox', 'sms.jsonl'), 'utf8'));
    for (const file of photoFiles) assert.deepEqual(readFileSync(path.join(target, file)), readFileSync(path.join(source, file)), file);
  });
});
