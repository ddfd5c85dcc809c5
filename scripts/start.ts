import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { newSecret } from '../core/accounts/secrets.js';
import { loadConfigOrExit } from '../core/platform/config.js';
import { connectDatabase } from '../core/platform/database.js';
import { createServices, serviceSettings } from '../core/services.js';
import { openDatabaseServer } from '../infra/database-server.js';
import { projectRoot } from '../infra/documentdb/launcher.js';
import { KamailioNotInstalledError, startKamailio, type KamailioServer } from '../infra/kamailio/launcher.js';
import { buildSoftphone } from '../softphone/build.js';
import { buildConsoles } from '../consoles/build.js';

/**
 * `npm start`: the whole system on one machine. Starts the database once (the embedded engine
 * unless MONGODB_URI is set), Kamailio when it is installed, then the API and the workers as
 * child processes sharing them. Ctrl-C or SIGTERM stops the children first, then Kamailio and the
 * database: nothing is left behind.
 */
const config = loadConfigOrExit(process.env);
const log = (line: string) => console.log(`[start] ${line}`);
const started = Date.now();
// The database starts (mostly waiting on PostgreSQL and FerretDB) while the bundles are built.
const databaseStarting = openDatabaseServer(config, log).then(async (server) => {
  await buildIndexes(server.uri);
  return server;
});
databaseStarting.catch(() => {}); // awaited below; a failure surfaces there
await buildSoftphone({ minify: config.NODE_ENV === 'production' });
await buildConsoles({ minify: config.NODE_ENV === 'production', stopBuilder: true });
log('softphone and consoles built: /softphone/, /portal/, /console/');
const database = await databaseStarting;
log(`database ready (${database.engine}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const telephony = await startTelephony();
const env = { ...process.env, MONGODB_URI: database.uri, ...telephony?.env };
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
  await telephony?.kamailio.stop();
  await database.stop();
  log('stopped');
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/**
 * Builds the declared indexes once, before the API and the workers start: both build them at
 * start-up, and DocumentDB answers two sessions creating the same new indexes at once with a
 * deadlock error. Done, they are found in place (a few hundred milliseconds).
 */
async function buildIndexes(uri: string) {
  const connection = await connectDatabase(uri, config.MONGODB_DB);
  try {
    await createServices(connection, serviceSettings(config));
  } finally {
    await connection.close();
  }
}

/**
 * Kamailio, with the secret and token it shares with the API handed to the API's environment.
 * Development generates both per start (softphones fetch new credentials when they sign in);
 * production sets them, and without them the API refuses to start and names them.
 */
async function startTelephony(): Promise<{ kamailio: KamailioServer; env: Record<string, string> } | null> {
  const generate = config.NODE_ENV !== 'production';
  const secret = config.SIP_SECRET ?? (generate ? newSecret() : undefined);
  const token = config.TELEPHONY_TOKEN ?? (generate ? newSecret() : undefined);
  if (!secret || !token) return null;
  const apiHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  try {
    const kamailio = await startKamailio({
      runDir: path.resolve(projectRoot, config.DATA_DIR, 'kamailio'),
      host: config.SIP_HOST,
      // Port 0: any free port.
      sipPort: config.SIP_PORT || undefined,
      wsPort: config.SIP_WS_PORT || undefined,
      domain: config.SIP_DOMAIN,
      secret,
      apiUrl: `http://${apiHost}:${config.PORT}`,
      telephonyToken: token,
      trunkSubnets: config.SIP_TRUNK_SUBNETS.split(','),
      defaultRingSeconds: config.RING_SECONDS,
      log,
    });
    log(`Kamailio ready: SIP on ${config.SIP_HOST}:${kamailio.sipPort} (UDP and TCP), softphones on ${kamailio.wsUrl}`);
    return { kamailio, env: { SIP_SECRET: secret, TELEPHONY_TOKEN: token, SIP_WS_URL: config.SIP_WS_URL ?? kamailio.wsUrl } };
  } catch (err) {
    if (err instanceof KamailioNotInstalledError) {
      log(`${err.message}. Starting without telephony.`);
      return null;
    }
    log(`Kamailio did not start: ${(err as Error).message}`);
    await database.stop();
    process.exit(1);
  }
}
