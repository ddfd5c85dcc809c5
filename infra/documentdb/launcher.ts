import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from '../free-port.js';
import { killGroup } from '../supervisor.js';

/**
 * The project's folder, where package.json is: two levels up from the sources, three from their
 * compiled copy in dist/ (DATA_DIR and .cache/ are relative to it either way).
 */
export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Where scripts/setup.sh (infra/documentdb/build.sh) puts FerretDB 2; the extensions go into PostgreSQL 15's own directories. */
export const ferretDBVersion = 'v2.7.0';
export const defaultFerretDBBinary = path.join(projectRoot, `.cache/ferretdb-${ferretDBVersion}/bin/ferretdb`);
const pgBin = '/usr/lib/postgresql/15/bin';
const pgLib = '/usr/lib/postgresql/15/lib';

export interface DatabaseServer {
  uri: string;
  /** Which server this is, for logs and the README's claims. */
  engine: 'documentdb' | 'mongod' | 'external';
  /** Resolves with why when a server this process started ends by itself (a crash); absent for one it did not start. */
  exited?: Promise<string>;
  stop(): Promise<void>;
}

export interface DocumentDBOptions {
  /** Absolute or project-relative directory: the PostgreSQL cluster, FerretDB's state and the credentials live in it. */
  dataDir: string;
  /** The MongoDB-protocol port (FerretDB); a free one when absent. PostgreSQL always takes a free loopback port. */
  port?: number;
  ferretdb?: string;
  log?: (line: string) => void;
}

/** The MongoDB user FerretDB authenticates (a PostgreSQL role with a SCRAM-SHA-256 password), generated at first start. */
interface Credentials {
  user: string;
  password: string;
}

/**
 * DocumentDB connects back to its own server for some work (index builds, background jobs): through
 * the Unix socket in the data folder, which needs no password, rather than its default TCP localhost.
 */
/**
 * PostgreSQL's defaults are for a small shared host: 128 MB of buffers (and so 4 MB of WAL buffers,
 * where concurrent writers queue on WALWrite) and a checkpoint every 1 GB of WAL, after which every
 * first change of a page logs the whole page. Ticket documents are rewritten whole on each change,
 * so the engine gets an eighth of the machine's memory (at most 4 GB), compressed page images and
 * rarer checkpoints. Durability is unchanged: every commit is still flushed before it is acknowledged.
 */
const memoryConf = (totalBytes: number) => {
  const mib = (bytes: number) => Math.floor(bytes / 2 ** 20);
  const buffers = Math.min(4096, Math.max(128, mib(totalBytes / 8)));
  return `shared_buffers = ${buffers}MB
effective_cache_size = ${Math.max(buffers, mib(totalBytes / 2))}MB
wal_compression = lz4
max_wal_size = 4GB
checkpoint_timeout = 15min`;
};

const postgresqlConf = (database: string, socketDir: string) => `# Written by infra/documentdb/launcher.ts at every start; edit the launcher, not this file.
${memoryConf(totalmem())}
documentdb.localhost_connection_string = 'host=${socketDir.replaceAll("'", "''")}'
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = '${database}'
documentdb.enableCompact = true
documentdb.enableLetAndCollationForQueryMatch = true
documentdb.enableNowSystemVariable = true
documentdb.enableSortbyIdPushDownToPrimaryKey = true
documentdb.enableSchemaValidation = true
documentdb.enableBypassDocumentValidation = true
documentdb.enableUserCrud = true
documentdb.maxUserLimit = 100
password_encryption = 'scram-sha-256'
log_checkpoints = off
log_line_prefix = '%m [%p] '
`;

/**
 * Loopback TCP needs a password; the Unix socket sits in the data folder (mode 700), so only its owner
 * reaches it. `all` does not cover replication connections: `npm run backup` (pg_basebackup) needs its own line.
 */
const pgHba = `# Written by infra/documentdb/launcher.ts.
local all all trust
local replication postgres trust
host all all 127.0.0.1/32 scram-sha-256
`;

/**
 * FerretDB 2.7 on PostgreSQL 15 with the DocumentDB extension, both children of this process:
 * `postgres` runs in the foreground (not daemonised by pg_ctl) so that stopping, or this process
 * dying, takes it down. As root, both run as the `postgres` system user (PostgreSQL refuses root).
 * The first start creates the cluster in DATA/postgres, the extension, and a MongoDB user whose
 * generated password is kept in DATA/credentials.json (mode 600); the URI returned carries it.
 */
export async function startDocumentDB(options: DocumentDBOptions): Promise<DatabaseServer> {
  const log = options.log ?? (() => {});
  const ferretdb = options.ferretdb ?? defaultFerretDBBinary;
  checkInstalled(ferretdb, log);
  const dataDir = path.resolve(projectRoot, options.dataDir);
  const pgData = clusterDir(dataDir);
  const stateDir = path.join(dataDir, 'ferretdb-state');
  const owner = databaseOwner();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) makeReachable(dataDir, owner);

  const credentials = loadOrCreateCredentials(credentialsFile(dataDir));
  if (!existsSync(path.join(pgData, 'PG_VERSION'))) initCluster(pgData, owner, log);
  writeFileSync(path.join(pgData, 'hotline12345.conf'), postgresqlConf('postgres', pgData));
  writeFileSync(path.join(pgData, 'pg_hba.conf'), pgHba);
  if (owner) chownSync(path.join(pgData, 'hotline12345.conf'), owner.uid, owner.gid);

  const pgPort = await freePort();
  const postgres = spawnAs(
    owner,
    path.join(pgBin, 'postgres'),
    ['-D', pgData, '-p', String(pgPort), '-k', pgData, '-c', 'listen_addresses=127.0.0.1'],
    'INT', // fast shutdown if this process dies without stopping it
  );
  const pg = supervise(postgres, 'postgres', log, 'SIGINT', 'SIGQUIT', postgresWorthLogging);
  try {
    await waitFor(pg, 'postgres', () => psql(pgData, pgPort, 'SELECT 1').status === 0, 60_000);
    setUpDatabase(pgData, pgPort, credentials);
  } catch (error) {
    await pg.stop();
    throw error;
  }

  if (owner) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    chownSync(stateDir, owner.uid, owner.gid);
  } else mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const port = options.port ?? (await freePort());
  const pgUrl = `postgres://postgres@/postgres?host=${encodeURIComponent(pgData)}&port=${pgPort}`;
  const ferret = spawnAs(
    owner,
    ferretdb,
    [
      `--listen-addr=127.0.0.1:${port}`,
      `--postgresql-url=${pgUrl}`,
      '--debug-addr=-',
      '--telemetry=disable',
      `--state-dir=${stateDir}`,
      '--log-level=error',
    ],
    'KILL',
  );
  const fd = supervise(ferret, 'ferretdb', log, 'SIGTERM', 'SIGKILL');
  const uri =
    `mongodb://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/` +
    '?authSource=admin&authMechanism=SCRAM-SHA-256&directConnection=true&retryWrites=false';
  const stop = async () => {
    await fd.stop();
    await pg.stop();
  };
  try {
    await waitFor(fd, 'ferretdb', () => answers(uri), 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  // Either one gone is the database gone: FerretDB without PostgreSQL answers nothing useful.
  const exited = Promise.race([pg.exited.then((why) => `postgres ${why}`), fd.exited.then((why) => `ferretdb ${why}`)]);
  return { uri, engine: 'documentdb', exited, stop };
}

function checkInstalled(ferretdb: string, log: (line: string) => void) {
  const missing = [path.join(pgBin, 'postgres'), path.join(pgLib, 'pg_documentdb.so'), path.join(pgLib, 'pg_cron.so'), ferretdb].filter(
    (file) => !existsSync(file),
  );
  if (missing.length > 0) {
    throw new Error(
      `The embedded database (PostgreSQL 15 + DocumentDB + FerretDB ${ferretDBVersion}) is not built: ${missing.join(', ')} missing. ` +
        'Run `bash scripts/setup.sh` (as root: it installs Debian packages and the extensions), or set MONGODB_URI to a MongoDB server.',
    );
  }
  if (ferretdb === defaultFerretDBBinary) {
    const check = spawnSync('bash', [path.join(projectRoot, 'infra/documentdb/build.sh'), '--check'], { encoding: 'utf8' });
    if (check.status !== 0) log(`the database engine's build inputs changed since it was built: run \`bash scripts/setup.sh\` (${check.stdout.trim()})`);
  }
}

/** As root, PostgreSQL (and FerretDB with it) runs as the `postgres` system user; otherwise as this user. */
export function databaseOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) throw new Error('Running as root needs the `postgres` system user (apt-get install postgresql-15).');
  return { uid, gid };
}

/**
 * The data folder belongs to `postgres`; the folders above it must let it pass (a mkdtemp folder is
 * mode 700): they get the search bit only, never read. Folders above DATA_DIR's parent are left alone
 * and named in an error if `postgres` cannot pass them.
 */
function makeReachable(dataDir: string, owner: { uid: number; gid: number }) {
  chownSync(dataDir, owner.uid, owner.gid);
  chmodSync(dataDir, 0o700);
  const parent = path.dirname(dataDir);
  const mode = statSync(parent).mode;
  if ((mode & 0o001) === 0) chmodSync(parent, (mode & 0o7777) | 0o001);
  if (spawnSync('setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups', '--', 'test', '-x', dataDir]).status !== 0) {
    throw new Error(`The postgres system user cannot reach ${dataDir}: give the folders above it the search permission (chmod o+x), or choose another DATA_DIR.`);
  }
}

export const credentialsFile = (dataDir: string) => path.join(dataDir, 'credentials.json');
/** The PostgreSQL cluster in the engine's data folder; its Unix socket is there too. */
export const clusterDir = (dataDir: string) => path.join(dataDir, 'postgres');

/** The engine's URI without its password (as in a state file) made whole again from DATA/credentials.json; other URIs as they are. */
export function withCredentials(dataDir: string, uri: string): string {
  const file = credentialsFile(dataDir);
  if (!existsSync(file)) return uri;
  const { user, password } = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  const url = new URL(uri);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}

function loadOrCreateCredentials(file: string): Credentials {
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  }
  const credentials = { user: 'hotline', password: randomBytes(24).toString('base64url') };
  writeFileSync(`${file}.tmp`, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return credentials;
}

/** initdb into a side folder, renamed when complete: an interrupted first start leaves no half cluster. */
function initCluster(pgData: string, owner: { uid: number; gid: number } | null, log: (line: string) => void) {
  const partial = `${pgData}.initdb`;
  rmSync(partial, { recursive: true, force: true });
  if (existsSync(pgData) && readdirSync(pgData).length > 0) {
    throw new Error(`${pgData} exists but holds no PostgreSQL cluster (no PG_VERSION): move it away or delete it.`);
  }
  rmSync(pgData, { recursive: true, force: true });
  mkdirSync(partial, { mode: 0o700 });
  if (owner) chownSync(partial, owner.uid, owner.gid);
  log(`creating the PostgreSQL cluster in ${pgData} (first start only)`);
  const initdb = spawnSync(
    path.join(pgBin, 'initdb'),
    ['-D', partial, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--auth-local=trust', '--auth-host=scram-sha-256'],
    { encoding: 'utf8', ...(owner ?? {}) },
  );
  if (initdb.status !== 0) throw new Error(`initdb failed:\n${initdb.stderr || initdb.stdout || initdb.error}`);
  const conf = path.join(partial, 'postgresql.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8') + "\ninclude = 'hotline12345.conf'\n");
  renameSync(partial, pgData);
}

function psql(pgData: string, pgPort: number, sql: string): SpawnSyncReturns<string> {
  return spawnSync(path.join(pgBin, 'psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', pgData, '-p', String(pgPort), '-U', 'postgres', '-d', 'postgres'], {
    input: sql,
    encoding: 'utf8',
  });
}

/** The extension (idempotent) and the MongoDB user; SQL goes through stdin so the password is not on a command line. */
function setUpDatabase(pgData: string, pgPort: number, credentials: Credentials) {
  const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
  const createUser = JSON.stringify({
    createUser: credentials.user,
    pwd: credentials.password,
    roles: [
      { role: 'clusterAdmin', db: 'admin' },
      { role: 'readWriteAnyDatabase', db: 'admin' },
    ],
  });
  const sql = `
CREATE EXTENSION IF NOT EXISTS documentdb CASCADE;
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(credentials.user)})
  THEN NULL ELSE documentdb_api.create_user(${literal(createUser)}::documentdb_core.bson) END;
`;
  const result = psql(pgData, pgPort, sql);
  if (result.status !== 0) throw new Error(`Setting up the documentdb extension failed:\n${result.stderr || result.error}`);
}

function spawnAs(owner: { uid: number; gid: number } | null, file: string, args: string[], deathSignal: string): ChildProcess {
  // setpriv execs the program itself (no process in between) and asks the kernel to signal it
  // when this process dies, however it dies.
  const prefix = ['--pdeathsig', deathSignal];
  if (owner) prefix.push(`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups');
  // Its own process group: Ctrl-C in a terminal reaches the whole foreground group, and the
  // database must outlive the API and the workers while they stop (this process stops it last).
  return spawn('setpriv', [...prefix, '--', file, ...args], { stdio: ['ignore', 'ignore', 'pipe'], cwd: '/', detached: true });
}

interface Supervised {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves with the exit code or signal. */
  exited: Promise<string>;
  stop: () => Promise<void>;
}

/**
 * PostgreSQL logs at LOG level (which it ranks above ERROR) what the extension does, and at ERROR
 * every failed statement (a duplicate key, say): only its own troubles are passed on. After a crash
 * each backend says it lost the postmaster and the restart's probes are refused until it is up:
 * the supervisor's one line says that. A backup (pg_basebackup) passes over the Unix socket, which
 * lives in the cluster's folder, with a warning; a restored one refuses connections while it
 * replays its WAL.
 */
function postgresWorthLogging(line: string): boolean {
  return (
    /\b(FATAL|PANIC|WARNING):/.test(line) &&
    !/terminating connection due to (administrator command|unexpected postmaster exit)|pg_documentdb_cursor_files|the database system is (starting up|shutting down|not yet accepting connections)|skipping special file "\.\/\.s\.PGSQL/.test(line)
  );
}

function supervise(
  child: ChildProcess,
  name: string,
  log: (line: string) => void,
  stopSignal: NodeJS.Signals,
  lastSignal: NodeJS.Signals,
  worthLogging: (line: string) => boolean = () => true,
): Supervised {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    for (const line of chunk.split('\n')) if (line.trim() && worthLogging(line)) log(`${name}: ${line}`);
  });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  // A synchronous kill on exit as well as the kernel's parent-death signal.
  const killOnExit = () => child.kill(lastSignal);
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(stopSignal);
      const timer = setTimeout(() => child.kill(lastSignal), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // The server runs in its own process group (spawned detached): after a crash of its main
    // process, what it forked (PostgreSQL's backends) goes too, so a restart finds the data free.
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  };
  return { child, stderr: () => stderr, exited, stop };
}

async function waitFor(server: Supervised, name: string, ready: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${name} exited (${server.child.signalCode ?? server.child.exitCode}) before it answered:\n${server.stderr()}`);
    }
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer within ${timeoutMs / 1000} s:\n${server.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function answers(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}

/** For users who have MongoDB installed and prefer it to the embedded engine. */
export async function startMongod(options: { dataDir: string; port?: number; log?: (line: string) => void }): Promise<DatabaseServer> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(projectRoot, options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn('mongod', ['--dbpath', dataDir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const server = supervise(child, 'mongod', log, 'SIGTERM', 'SIGKILL');
  const uri = `mongodb://127.0.0.1:${port}/?directConnection=true`;
  try {
    await waitFor(server, 'mongod', () => answers(uri), 30_000);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { uri, engine: 'mongod', exited: server.exited.then((why) => `mongod ${why}`), stop: server.stop };
}
