import path from 'node:path';
import { newSecret } from '../core/accounts/secrets.js';
import { loadConfigOrExit } from '../core/platform/config.js';
import { connectDatabase } from '../core/platform/database.js';
import { createServices, serviceSettings } from '../core/services.js';
import { openDatabaseServer } from '../infra/database-server.js';
import { projectRoot } from '../infra/documentdb/launcher.js';
import { KamailioNotInstalledError, startKamailio, type KamailioOptions, type KamailioServer } from '../infra/kamailio/launcher.js';
import { startNodeChild, supervise, type Running, type Supervisor } from '../infra/supervisor.js';

/**
 * `npm start`: the whole system on one machine. Starts the database once (the embedded engine
 * unless MONGODB_URI is set), Kamailio when it is installed, then the API and the workers as
 * child processes sharing them. Each of them (the database, Kamailio with rtpengine, the API, the
 * workers) runs in its own process group and is restarted with a back-off when it exits by itself.
 * Ctrl-C or SIGTERM stops the API and the workers first, then Kamailio and the database: nothing
 * is left behind.
 *
 * In production (run by `npm start` from dist/, see scripts/launch.mjs) the API and the workers are
 * the compiled JavaScript of dist/ and the softphone and consoles the bundles `npm run build` made;
 * in development they are the TypeScript sources through tsx, and the bundles are built here.
 */
const config = loadConfigOrExit(process.env);
const production = config.NODE_ENV === 'production';
const log = (line: string) => console.log(`[start] ${line}`);
const started = Date.now();
// The database starts (mostly waiting on PostgreSQL and FerretDB) while the bundles are built.
const databaseStarting = openDatabaseServer(config, log).then(async (server) => {
  await buildIndexes(server.uri);
  return server;
});
databaseStarting.catch(() => {}); // awaited below; a failure surfaces there
if (production) {
  log('softphone and consoles: the bundles npm run build made in dist/');
} else {
  // Imported here only: esbuild is a development dependency.
  const { buildSoftphone } = await import('../softphone/build.js');
  const { buildConsoles } = await import('../consoles/build.js');
  await buildSoftphone();
  await buildConsoles({ stopBuilder: true });
  log('softphone and consoles built: /softphone/, /portal/, /console/');
}
const database = await databaseStarting;
log(`database ready (${database.engine}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const databasePort = Number(new URL(database.uri).port) || undefined;
const telephony = await startTelephony();
const env = { ...process.env, MONGODB_URI: database.uri, ...telephony?.env };
const supervisors = new Map<string, Supervisor>();
// The database and Kamailio keep their ports when restarted: the URI and addresses the API and
// the workers were given stay valid, and they reconnect by themselves.
if (database.exited) {
  supervisors.set('database', supervise('database', asRunning(database), async () => asRunning(await openDatabaseServer(config, log, { port: databasePort })), log));
}
if (telephony) {
  const restartTelephony = async () => asRunning(await startKamailio({ ...telephony.options, sipPort: telephony.kamailio.sipPort, wsPort: telephony.kamailio.wsPort }));
  supervisors.set('kamailio', supervise('kamailio and rtpengine', asRunning(telephony.kamailio), restartTelephony, log));
}
for (const [name, entry] of [['api', 'api/server'], ['workers', 'workers/worker']] as const) {
  const args = production ? ['--enable-source-maps', path.join(projectRoot, 'dist', `${entry}.js`)] : ['--import', 'tsx', path.join(projectRoot, `${entry}.ts`)];
  const start = async () => startNodeChild(args, { env, cwd: projectRoot });
  supervisors.set(name, supervise(name, await start(), start, log));
}
log('supervising: a child that exits is restarted after 1 s, doubling to 30 s while it keeps failing');

function asRunning(server: { exited?: Promise<string>; stop(): Promise<void> }): Running {
  return { exited: server.exited ?? new Promise<string>(() => {}), stop: () => server.stop() };
}

let stopping = false;
/** The API and the workers first (they use the rest), then Kamailio, the database last. */
async function shutdown(exitCode: number) {
  if (stopping) return;
  stopping = true;
  const stop = (name: string) => supervisors.get(name)?.stop();
  await Promise.all([stop('api'), stop('workers')]);
  await stop('kamailio');
  await stop('database');
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
async function startTelephony(): Promise<{ kamailio: KamailioServer; options: KamailioOptions; env: Record<string, string> } | null> {
  const generate = config.NODE_ENV !== 'production';
  const secret = config.SIP_SECRET ?? (generate ? newSecret() : undefined);
  const token = config.TELEPHONY_TOKEN ?? (generate ? newSecret() : undefined);
  if (!secret || !token) return null;
  const apiHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const options: KamailioOptions = {
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
  };
  try {
    const kamailio = await startKamailio(options);
    log(`Kamailio ready: SIP on ${config.SIP_HOST}:${kamailio.sipPort} (UDP and TCP), softphones on ${kamailio.wsUrl}`);
    // The API checks Kamailio for /readyz on the ports it really took (port 0 asks for any).
    const env = { SIP_SECRET: secret, TELEPHONY_TOKEN: token, SIP_WS_URL: config.SIP_WS_URL ?? kamailio.wsUrl, SIP_PORT: String(kamailio.sipPort), SIP_WS_PORT: String(kamailio.wsPort) };
    return { kamailio, options, env };
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
