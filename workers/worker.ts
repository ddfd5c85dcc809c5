import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Db } from 'mongodb';
import { loadConfigOrExit } from '../core/platform/config.js';
import { createLogger } from '../core/platform/logger.js';
import { systemClock } from '../core/platform/clock.js';
import { connectDatabase } from '../core/platform/database.js';
import { createServices, serviceSettings } from '../core/services.js';
import { openDatabaseServer } from '../infra/database-server.js';
import { NoticeSender } from '../core/notifications/notice-sender.js';
import { transportsFromConfig } from '../core/notifications/transports.js';
import { WebhookSender, webhookSenderSettings } from '../core/webhooks/webhook-sender.js';
import { registerJobs } from './register-jobs.js';

// Composition root of the worker process: the only place here that reads the environment.
const config = loadConfigOrExit(process.env);
const logger = createLogger(config.LOG_LEVEL);
const server = await openDatabaseServer(config, (line) => logger.info(line));
const connection = await connectDatabase(server.uri, config.MONGODB_DB);
const services = await createServices(connection, serviceSettings(config));

// Polling only: FerretDB has no change streams, so no notification channel is configured.
const agenda = new Agenda({
  backend: new MongoBackend({ mongo: connection.db as unknown as Db, collection: 'jobs' }),
  processEvery: '5 seconds',
  name: `worker-${process.pid}`,
});
const noticeSender = new NoticeSender(services.outbox, transportsFromConfig(config), { name: `worker-${process.pid}` });
const webhookSender = new WebhookSender(services.webhooks, { name: `worker-${process.pid}`, ...webhookSenderSettings(config) });
await registerJobs(agenda, { services, clock: systemClock, logger, noticeSender, webhookSender });
await agenda.start();
logger.info({ engine: server.engine }, 'workers started');
// In the background: on a database from before search terms it reads every ticket once.
void services.backfillSearchTerms().then(
  (filled) => filled.tickets + filled.articles > 0 && logger.info(filled, 'search terms backfilled'),
  (err: unknown) => logger.error({ err }, 'search terms backfill failed; it runs again at the next start'),
);
// Also in the background: on a database from before canonical phone numbers, once.
void services.canonicalizePhones(systemClock.now()).then(
  (changed) => changed && logger.info(changed, 'stored phone numbers made canonical'),
  (err: unknown) => logger.error({ err }, 'making stored phone numbers canonical failed; it runs again at the next start'),
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'workers stopping');
  await agenda.stop();
  await connection.close();
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
