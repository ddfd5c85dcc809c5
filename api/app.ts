import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import type { Services } from '../core/services.js';
import type { Clock } from '../core/platform/clock.js';
import type { Logger } from '../core/platform/logger.js';
import { databaseAnswers } from '../core/platform/database.js';
import type { DependencyCheck } from '../core/platform/readiness.js';
import { accountsRouter } from './accounts/accounts.router.js';
import { attachmentsRouter, publicAttachmentsRouter } from './attachments/attachments.router.js';
import { auditRouter } from './audit/audit.router.js';
import { categoriesRouter, publicCategoriesRouter } from './categories/categories.router.js';
import { departmentsRouter } from './departments/departments.router.js';
import { healthRouter } from './health/health.router.js';
import { callbacksRouter, publicSurveyRouter } from './callbacks/callbacks.router.js';
import { accountabilityRouter } from './accountability/accountability.router.js';
import { analyticsRouter } from './analytics/analytics.router.js';
import { knowledgeRouter } from './knowledge/knowledge.router.js';
import { publicTicketsRouter, ticketsRouter } from './tickets/tickets.router.js';
import { callsRouter, telephonySwitchRouter } from './calls/calls.router.js';
import { liveRouter } from './live/live.router.js';
import { open311Router } from './open311/open311.router.js';
import { calendarRouter } from './settings/calendar.router.js';
import { publicResultsRouter } from './analytics/public-results.router.js';
import { templatesRouter } from './templates/templates.router.js';
import { webhooksRouter } from './webhooks/webhooks.router.js';
import { softphoneRouter } from '../softphone/serve.js';
import { consolesRouter } from '../consoles/serve.js';
import { inboundRouter } from './inbound/inbound.router.js';
import { authenticate } from './http/authenticate.js';
import { EndpointRegistry } from './http/endpoint.js';
import { errorHandler, unknownRoute } from './http/error-handler.js';
import { createHttpMetrics } from './http/metrics.js';
import { createOpenApiRegistry, openApiRouter } from './http/openapi.js';
import { requestContext } from './http/request-context.js';
import { assertUtf8Body } from './http/text.js';
import './http/express-request.js';

export interface AppDeps {
  services: Services;
  clock: Clock;
  logger: Logger;
  cookieSecure: boolean;
  trustProxy: boolean;
  /** Web-form submissions per client address and hour. */
  publicSubmitPerHour?: number;
  /** How often live updates look for new assignments (LIVE_POLL_MS); 2 s when left out. */
  livePollMs?: number;
  /** What /readyz asks besides the database (telephony, mail, SMS); server.ts builds them from the configuration. */
  dependencies?: DependencyCheck[];
}

/** The whole HTTP API as a value: server.ts listens on it, tests drive it with supertest. */
export function createApp(deps: AppDeps): Express {
  const { services, clock, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  const metrics = createHttpMetrics();
  const openapi = createOpenApiRegistry();
  const endpoints = new EndpointRegistry(openapi, clock);

  app.use(requestContext(logger, metrics));
  app.use(helmet());
  // Before the JSON parser: the gateway's signature covers the body's bytes as sent.
  app.use(inboundRouter(endpoints, { inboundSms: services.inboundSms, secret: services.smsInboundSecret, clock }));
  app.use(express.json({ limit: '1mb', verify: assertUtf8Body }));
  app.use(cookieParser());

  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(healthRouter(endpoints, [{ name: 'database', answers: () => databaseAnswers(services.connection) }, ...(deps.dependencies ?? [])]));
  app.use(openApiRouter(openapi));
  app.use(softphoneRouter());
  app.use(consolesRouter());
  app.use(publicTicketsRouter(endpoints, { tickets: services.tickets, clock, submitPerHour: deps.publicSubmitPerHour ?? 20 }));
  app.use(publicAttachmentsRouter(endpoints, { attachments: services.attachments, clock }));
  app.use(publicSurveyRouter(endpoints, { callbacks: services.callbacks, clock }));
  app.use(publicCategoriesRouter(endpoints, { categories: services.categories, clock }));
  app.use(publicResultsRouter(endpoints, { publicResults: services.publicResults, clock }));
  app.use(telephonySwitchRouter(endpoints, { telephony: services.telephony, clock }));
  app.use(open311Router(endpoints, { open311: services.open311, authentication: services.authentication, clock, logger }));
  app.use(authenticate(services.authentication, clock));
  app.use(accountsRouter(endpoints, { authentication: services.authentication, users: services.users, clock, cookieSecure: deps.cookieSecure }));
  app.use(departmentsRouter(endpoints, services.departments));
  app.use(categoriesRouter(endpoints, services.categories));
  app.use(auditRouter(endpoints, services.audit));
  app.use(knowledgeRouter(endpoints, services.knowledge, clock));
  app.use(ticketsRouter(endpoints, { tickets: services.tickets, settings: services.settings, clock }));
  app.use(attachmentsRouter(endpoints, { attachments: services.attachments }));
  app.use(liveRouter(endpoints, services.tickets.feed({ intervalMs: deps.livePollMs ?? 2000, onError: (err) => logger.warn({ err }, 'live ticket feed poll failed') })));
  app.use(callbacksRouter(endpoints, { callbacks: services.callbacks, outbox: services.outbox, clock }));
  app.use(accountabilityRouter(endpoints, { accountability: services.accountability, bulletin: services.accountabilityBulletin, clock }));
  app.use(analyticsRouter(endpoints, { ranking: services.ranking, dashboard: services.dashboard, departments: services.repositories.departments }));
  app.use(callsRouter(endpoints, { telephony: services.telephony, callRecords: services.callRecords, missedCalls: services.missedCalls, clock }));
  app.use(calendarRouter(endpoints, services.settings, clock));
  app.use(templatesRouter(endpoints));
  app.use(webhooksRouter(endpoints, services.webhooks));

  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}
