import { createServer } from 'node:http';
import { loadConfigOrExit } from '../core/platform/config.js';
import { createLogger } from '../core/platform/logger.js';
import { systemClock } from '../core/platform/clock.js';
import { connectDatabase } from '../core/platform/database.js';
import { createServices, serviceSettings } from '../core/services.js';
import { openDatabaseServer } from '../infra/database-server.js';
import { telephonySettingsFrom } from '../core/calls/telephony-settings.js';
import { transportChecks } from '../core/notifications/transports.js';
import { kamailioAnswers } from '../infra/kamailio/launcher.js';
import { createApp } from './app.js';

// Composition root of the API process: the only place here that reads the environment.
const config = loadConfigOrExit(process.env);
const logger = createLogger(config.LOG_LEVEL);
const database = await openDatabaseServer(config, (line) => logger.info(line));
const connection = await connectDatabase(database.uri, config.MONGODB_DB);
const services = await createServices(connection, serviceSettings(config));
// What /readyz asks besides the database: Kamailio when telephony is on, the ways out for notices.
const dependencies = [
  ...(telephonySettingsFrom(config) ? [{ name: 'telephony', answers: () => kamailioAnswers(config.SIP_HOST, config.SIP_PORT) }] : []),
  ...transportChecks(config),
];
const app = createApp({ services, clock: systemClock, logger, cookieSecure: config.COOKIE_SECURE, trustProxy: config.TRUST_PROXY, livePollMs: config.LIVE_POLL_MS, dependencies });

const server = createServer(app);
server.listen(config.PORT, config.HOST, () => {
  logger.info({ url: `http://${config.HOST}:${config.PORT}`, database: database.engine }, 'API listening');
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'API stopping');
  server.close();
  server.closeAllConnections();
  await connection.close();
  await database.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
