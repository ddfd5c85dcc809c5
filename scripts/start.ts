import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfigOrExit } from '../core/platform/config.js';
import { openDatabaseServer } from '../infra/database-server.js';
import { projectRoot } from '../infra/ferretdb/launcher.js';

/**
 * `npm start`: the whole system on one machine. Starts the database once (embedded FerretDB
 * unless MONGODB_URI is set), then the API and the workers as child processes sharing it.
 * Ctrl-C or SIGTERM stops the children first, then the database: nothing is left behind.
 */
const config = loadConfigOrExit(process.env);
const log = (line: string) => console.log(`[start] ${line}`);
const started = Date.now();
const database = await openDatabaseServer(config, log);
log(`database ready (${database.engine}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const env = { ...process.env, MONGODB_URI: database.uri };
const children = new Map<string, ChildProcess>();
for (const [name, entry] of [['api', 'api/server.ts'], ['workers', 'workers/worker.ts']] as const) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], { env, stdio: 'inherit', cwd: projectRoot });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
}

let stopping = false;
async function shutdown(exitCode: number) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await database.stop();
  log('stopped');
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
