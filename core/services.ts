import path from 'node:path';
import type { Connection } from 'mongoose';
import { accountModels } from './accounts/account-models.js';
import { ActorCache } from './accounts/actor-cache.js';
import { Authentication, type AuthenticationSettings } from './accounts/authentication.js';
import { UserRepository } from './accounts/user.repository.js';
import { Users } from './accounts/users.js';
import { AuditLog, auditModel } from './audit/audit.js';
import { categoryModel } from './categories/category.js';
import { Categories } from './categories/categories.js';
import { CategoryRepository } from './categories/category.repository.js';
import { departmentModel } from './departments/department.js';
import { DepartmentRepository } from './departments/department.repository.js';
import { Departments } from './departments/departments.js';
import { initModels } from './platform/database.js';
import { loadConfig, type Config } from './platform/config.js';
import { HotlineSettings } from './settings/hotline-settings.js';
import { CalendarCoverageWatch } from './settings/calendar-coverage.js';
import { Tickets } from './tickets/tickets.js';
import { DepartmentCounters, hotspotWords, ticketRollups } from './analytics/department-counters.js';
import { Dashboard } from './analytics/dashboard.js';
import { Callbacks } from './callbacks/callbacks.js';
import { Accountability } from './accountability/accountability.js';
import { AccountabilityBulletin } from './accountability/bulletin.js';
import { MonthlyRanking } from './analytics/monthly-ranking.js';
import { PublicResults } from './analytics/public-results.js';
import { ticketEventModel } from './tickets/ticket-events.js';
import { Outbox } from './notifications/outbox.js';
import { noticeSettingsFrom, TicketNotices, type NoticeSettings } from './notifications/ticket-notices.js';
import { DeadlineSweep } from './sla/deadline-sweep.js';
import { TicketRouting } from './routing/ticket-routing.js';
import { RoutingCorrections } from './routing/routing-corrections.js';
import { RoutingModelStore } from './routing/model-store.js';
import { RoutingRetraining } from './routing/retraining.js';
import { knowledgeArticleModel } from './knowledge/knowledge-article.js';
import { KnowledgeArticleRepository } from './knowledge/knowledge-article.repository.js';
import { KnowledgeBase } from './knowledge/knowledge-base.js';
import { backfillSearchTerms } from './search/backfill-search-terms.js';
import { canonicalizePhones } from './requesters/canonicalize-phones.js';
import { ticketModel } from './tickets/ticket.js';
import { TicketRepository } from './tickets/ticket.repository.js';
import { ticketTermsModel } from './tickets/ticket-terms.js';
import { CallRecords } from './calls/call-records.js';
import { MissedCalls } from './calls/missed-calls.js';
import { Telephony } from './calls/telephony.js';
import { telephonySettingsFrom, type TelephonySettings } from './calls/telephony-settings.js';
import { Attachments, attachmentSettingsFrom, type AttachmentSettings } from './attachments/attachments.js';
import { Webhooks } from './webhooks/webhooks.js';
import { InboundMessages } from './inbound/inbound-messages.js';
import { InboundMail } from './inbound/inbound-mail.js';
import { InboundSms } from './inbound/inbound-sms.js';
import { inboundSettingsFrom, type InboundSettings } from './inbound/inbound-settings.js';
import { MailboxPoller } from './inbound/mailbox-poller.js';
import { Open311, open311SettingsFrom, type Open311Settings } from './open311/open311.js';

export interface ServiceSettings {
  authentication: AuthenticationSettings;
  /** Without them (tests), the configuration's defaults. */
  notices?: NoticeSettings;
  /** null or left out: no telephony (no SIP secret or Kamailio token configured). */
  telephony?: TelephonySettings | null;
  /** Without them (tests), the configuration's defaults: files under .data/attachments. */
  attachments?: AttachmentSettings;
  /** Without them (tests), no mailbox and no SMS secret. */
  inbound?: InboundSettings;
  /** Without them (tests), the configuration's defaults. */
  open311?: Open311Settings;
  /** Where a retrained routing model is kept and the corpus it is trained from; left out: the committed model, no retraining. */
  routing?: { modelDir: string; dataDir: string | null };
}

export const serviceSettings = (config: Config): ServiceSettings => ({
  authentication: { sessionTtlHours: config.SESSION_TTL_HOURS, maxFailures: config.LOGIN_MAX_FAILURES, lockMinutes: config.LOGIN_LOCK_MINUTES },
  notices: noticeSettingsFrom(config),
  telephony: telephonySettingsFrom(config),
  attachments: attachmentSettingsFrom(config),
  inbound: inboundSettingsFrom(config),
  open311: open311SettingsFrom(config),
  routing: { modelDir: path.join(config.DATA_DIR, 'routing'), dataDir: config.ROUTING_DATA_DIR ?? null },
});

/** The use cases over one database, shared by the API, the workers, the scripts and the tests. */
export async function createServices(connection: Connection, settings: ServiceSettings) {
  const accounts = accountModels(connection);
  const departmentsModel = departmentModel(connection);
  const categoriesModel = categoryModel(connection);
  const articlesModel = knowledgeArticleModel(connection);
  // Each area reads another's collections through the owner's repository, never its model.
  const repositories = {
    departments: new DepartmentRepository(departmentsModel),
    categories: new CategoryRepository(categoriesModel),
    users: new UserRepository(accounts.users),
    tickets: new TicketRepository(ticketModel(connection), ticketEventModel(connection), ticketTermsModel(connection)),
    articles: new KnowledgeArticleRepository(articlesModel),
  };
  const audit = new AuditLog(auditModel(connection));
  // Shared by sign-in and account changes, so that a change here is seen at once.
  const actors = new ActorCache();
  const hotlineSettings = new HotlineSettings(connection, audit);
  const outbox = new Outbox(connection);
  const noticeSettings = settings.notices ?? noticeSettingsFrom(loadConfig({}));
  const notices = new TicketNotices(
    outbox, { departments: repositories.departments, users: repositories.users, tickets: repositories.tickets }, hotlineSettings, noticeSettings,
  );
  const counters = new DepartmentCounters(connection);
  const callRecords = new CallRecords(connection, repositories.tickets, counters);
  const missedCalls = new MissedCalls(connection);
  const webhooks = new Webhooks(connection, {
    departments: repositories.departments, users: repositories.users, outbox, audit, locale: noticeSettings.locale,
  });
  const routingCorrections = new RoutingCorrections(connection, repositories.categories);
  // The model is 6 MB of JSON: only the process that routes (the workers) pays for loading it, on first use.
  const routingModels = new RoutingModelStore(settings.routing?.modelDir ?? null);
  const accountability = new Accountability(connection, repositories.tickets, counters, audit);
  // A ticket change's consequences, each a named reaction applied from the ticket as written.
  const tickets = new Tickets(connection, repositories.departments, repositories.categories, hotlineSettings, {
    rollupsOf: (event, ticket, previous, terms) => ticketRollups(event, ticket, previous, hotspotWords(terms)),
    reactions: [
      { name: 'roll-ups', apply: (_ticket, effect) => counters.record(effect.id, effect.rollups) },
      { name: 'notices', apply: async (ticket, effect) => void (await notices.enqueueFor(ticket, effect.event)) },
      { name: 'calls', apply: (ticket, effect) => callRecords.ticketEvent(ticket, effect.event) },
      { name: 'webhooks', apply: async (_ticket, effect) => void (await webhooks.record(effect)) },
      { name: 'routing-corrections', apply: (ticket, effect) => routingCorrections.recordFrom(ticket, effect.event) },
      { name: 'accountability', apply: (ticket, effect) => accountability.recordFrom(ticket, effect) },
    ],
  });
  const inboundSettings = settings.inbound ?? inboundSettingsFrom(loadConfig({}));
  const attachments = new Attachments(connection, tickets, audit, settings.attachments ?? attachmentSettingsFrom(loadConfig({})));
  const callbacks = new Callbacks(connection, tickets, repositories.tickets, outbox, noticeSettings);
  const inboundMessages = new InboundMessages(connection);
  const inboundMail = new InboundMail(inboundMessages, tickets, repositories.tickets, outbox, attachments);
  const ranking = new MonthlyRanking(counters, repositories.departments, repositories.users, outbox, noticeSettings.locale, hotlineSettings);
  const services = {
    connection,
    repositories,
    audit,
    settings: hotlineSettings,
    authentication: new Authentication(accounts, audit, settings.authentication, actors),
    users: new Users(accounts, repositories.departments, audit, actors),
    departments: new Departments(departmentsModel, repositories.users, repositories.categories, repositories.articles, audit),
    categories: new Categories(categoriesModel, repositories.categories, repositories.departments, audit),
    tickets,
    outbox,
    notices,
    deadlineSweep: new DeadlineSweep(tickets, repositories.tickets),
    routing: new TicketRouting(tickets, repositories.tickets, repositories.categories, repositories.departments, hotlineSettings, () => routingModels.classifier()),
    routingRetraining: new RoutingRetraining(routingCorrections, routingModels, settings.routing?.dataDir ?? null),
    routingCorrections,
    counters,
    callbacks,
    accountability,
    accountabilityBulletin: new AccountabilityBulletin(accountability, ranking, repositories.departments, repositories.users, outbox, noticeSettings.locale),
    attachments,
    inboundMail,
    mailbox: new MailboxPoller(inboundSettings.imap, inboundMail),
    inboundSms: new InboundSms(inboundMessages, tickets, callbacks),
    smsInboundSecret: inboundSettings.smsSecret,
    ranking,
    calendarCoverage: new CalendarCoverageWatch(hotlineSettings, repositories.users, outbox, noticeSettings.locale, noticeSettings.publicUrl),
    publicResults: new PublicResults(ranking, repositories.tickets, repositories.departments, hotlineSettings),
    dashboard: new Dashboard(counters, repositories.departments, repositories.categories, repositories.users, hotlineSettings),
    knowledge: new KnowledgeBase(articlesModel, repositories.departments, repositories.categories, audit),
    callRecords,
    missedCalls,
    webhooks,
    /** On a database from before search terms: fills them in and drops the old postings. */
    backfillSearchTerms: () => backfillSearchTerms(connection, repositories),
    /** On a database from before canonical phone numbers: rewrites the stored ones, once. */
    canonicalizePhones: (now: Date) => canonicalizePhones(connection, { tickets: repositories.tickets, calls: callRecords, missedCalls }, now),
    telephony: new Telephony(connection, settings.telephony ?? null, callRecords, missedCalls, audit),
    open311: new Open311(tickets, repositories.tickets, repositories.categories, repositories.departments, settings.open311 ?? open311SettingsFrom(loadConfig({}))),
  };
  await initModels(connection);
  return services;
}
export type Services = Awaited<ReturnType<typeof createServices>>;
