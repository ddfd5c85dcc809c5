import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The backup file: an uncompressed tar of members that are compressed each on their own. */
export const manifestName = 'manifest.json';
export const clusterMember = (name: string) => `postgres/${name}`;
export const credentialsMember = 'credentials.json';
export const filesMember = 'files.tar.gz';
export const documentsMember = (collection: string) => `documents/${encodeURIComponent(collection)}.ejson.gz`;
export const indexesMember = (collection: string) => `documents/${encodeURIComponent(collection)}.indexes.json`;

export interface Manifest {
  format: 1;
  createdAt: string;
  /** `cluster`: the embedded engine's PostgreSQL cluster (pg_basebackup); `documents`: every collection of one database, exported through the driver. */
  database:
    | { kind: 'cluster'; postgresql: string; documentdb: string }
    | { kind: 'documents'; name: string; collections: Record<string, number>; pointInTime: false };
  /** DATA_DIR's entries beside the database (the SMS outbox, attachments, recordings…), in files.tar.gz. */
  files: string[];
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

interface RunOptions {
  input?: string;
  /** Exit codes that are not failures (GNU tar's 1: a file changed while it was read). */
  accept?: number[];
}

/** A command to its end; its stderr is in the error when it fails. */
export function run(file: string, args: string[], options: RunOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 || (code !== null && options.accept?.includes(code))) resolve({ code, stdout, stderr });
      else reject(new BackupError(`${file} ${args[0] ?? ''} failed (${code}): ${stderr.trim()}`));
    });
    // A command that reads no input may have exited already: its exit status tells, not the pipe.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** One member of the backup file as a stream, read by `tar` without extracting the rest. */
export function readMember(file: string, member: string): { stream: Readable; done: Promise<void> } {
  const child = spawn('tar', ['-xOf', file, member], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`reading ${member} from the backup failed: ${stderr.trim()}`))));
  });
  return { stream: child.stdout, done };
}

/** A compressed tar member of the backup file unpacked into a folder, streamed from one tar into the other. */
export async function extractMember(file: string, member: string, into: string): Promise<void> {
  const { stream, done } = readMember(file, member);
  const unpack = spawn('tar', ['-xzf', '-', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  unpack.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const unpacked = new Promise<void>((resolve, reject) => {
    unpack.once('error', reject);
    unpack.once('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`unpacking ${member} into ${into} failed: ${stderr.trim()}`))));
  });
  // tar stops reading at the end-of-archive blocks, before the padding behind them: the rest is
  // drained so the reading tar can finish, and the unpacking tar's exit status tells.
  unpack.stdin.on('error', () => {
    stream.unpipe(unpack.stdin);
    stream.resume();
  });
  stream.pipe(unpack.stdin);
  await Promise.all([done, unpacked]);
}

export async function listMembers(file: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tf', file]);
  return stdout.split('\n').filter(Boolean);
}

export async function readManifest(file: string): Promise<Manifest> {
  const { stdout } = await run('tar', ['-xOf', file, manifestName]).catch(() => {
    throw new BackupError(`${file} is not a backup written by \`npm run backup\` (no ${manifestName} in it).`);
  });
  const manifest = JSON.parse(stdout) as Manifest;
  if (manifest.format !== 1) throw new BackupError(`${file} is a backup of format ${String(manifest.format)}; this version reads format 1.`);
  return manifest;
}
