import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from '../free-port.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, '../..');
export const defaultFerretDBBinary = path.join(projectRoot, '.cache/bin/ferretdb');

export interface DatabaseServer {
  uri: string;
  /** Which server this is, for logs and the README's claims. */
  engine: 'ferretdb' | 'mongod' | 'external';
  stop(): Promise<void>;
}

export interface FerretDBOptions {
  /** Absolute or project-relative directory; FerretDB keeps one SQLite file per database in it. */
  dataDir: string;
  binary?: string;
  port?: number;
  log?: (line: string) => void;
}

/** What the binary is built from: a newer one (a pulled patch, say) makes the default binary stale. */
const buildInputs = ['build.sh', 'go.mod', 'go.sum', 'main.go', 'patches'].map((name) => path.join(here, name));

function builtFromCurrentInputs(binary: string): boolean {
  const built = statSync(binary).mtimeMs;
  const inputs = buildInputs.flatMap((input) => (statSync(input).isDirectory() ? readdirSync(input).map((name) => path.join(input, name)) : [input]));
  return inputs.every((input) => statSync(input).mtimeMs <= built);
}

/**
 * Builds the binary once (a cold machine needs about a minute), then reuses it; the default binary
 * is built again when its inputs changed since.
 */
export function ensureFerretDBBinary(binary = defaultFerretDBBinary, log: (line: string) => void = () => {}): string {
  const exists = existsSync(binary);
  if (exists && (binary !== defaultFerretDBBinary || builtFromCurrentInputs(binary))) return binary;
  const haveGo = spawnSync('go', ['version']).status === 0;
  if (exists && !haveGo) {
    log(`FerretDB's build inputs changed since ${binary} was built, but Go is not on the PATH to rebuild it: using it as it is`);
    return binary;
  }
  if (!haveGo) {
    throw new Error(
      'The embedded database needs Go to build FerretDB, and `go` is not on the PATH. ' +
        'Install Go (Debian: apt-get install golang, or https://go.dev/dl) or set MONGODB_URI to a MongoDB server.',
    );
  }
  log(exists ? `rebuilding FerretDB into ${binary} (its build inputs changed)` : `building FerretDB into ${binary} (first start only)`);
  const build = spawnSync('bash', [path.join(projectRoot, 'infra/ferretdb/build.sh'), binary], { encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`Building FerretDB failed:\n${build.stderr || build.stdout}`);
  }
  return binary;
}

export async function startFerretDB(options: FerretDBOptions): Promise<DatabaseServer> {
  const log = options.log ?? (() => {});
  const binary = ensureFerretDBBinary(options.binary, log);
  const dataDir = path.resolve(projectRoot, options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn(
    binary,
    [`--listen-addr=127.0.0.1:${port}`, `--sqlite-url=file:${dataDir}/`, '--log-level=error'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return superviseServer(child, `mongodb://127.0.0.1:${port}/?directConnection=true&retryWrites=false`, 'ferretdb', log);
}

/** For users who have MongoDB installed and prefer it to the embedded FerretDB. */
export async function startMongod(options: { dataDir: string; port?: number; log?: (line: string) => void }): Promise<DatabaseServer> {
  const dataDir = path.resolve(projectRoot, options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn('mongod', ['--dbpath', dataDir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return superviseServer(child, `mongodb://127.0.0.1:${port}/?directConnection=true`, 'mongod', options.log ?? (() => {}));
}

async function superviseServer(
  child: ChildProcess,
  uri: string,
  engine: DatabaseServer['engine'],
  log: (line: string) => void,
): Promise<DatabaseServer> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    for (const line of chunk.split('\n')) if (line.trim()) log(`${engine}: ${line}`);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A synchronous kill on exit: if the parent dies without stopping us, the database must not linger.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      process.removeListener('exit', killOnExit);
      throw new Error(`${engine} exited with code ${child.exitCode} before it answered:\n${stderr}`);
    }
    if (await answers(uri)) return { uri, engine, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${engine} did not answer within 30 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function answers(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}
