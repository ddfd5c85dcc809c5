import type { Connection } from 'mongoose';
import { accountModels } from './accounts/account-models.js';
import { Authentication, type AuthenticationSettings } from './accounts/authentication.js';
import { Users } from './accounts/users.js';
import { AuditLog, auditModel } from './audit/audit.js';
import { categoryModel } from './categories/category.js';
import { Categories } from './categories/categories.js';
import { departmentModel } from './departments/department.js';
import { Departments } from './departments/departments.js';
import { initModels } from './platform/database.js';
import { loadConfig, type Config } from './platform/config.js';
import { HotlineSettings } from './settings/hotline-settings.js';
import { Tickets } from './tickets/tickets.js';
import { DepartmentCounters, hotspotWords, ticketRollups } from './analytics/department-counters.js';
import { Dashboard } from './analytics/dashboard.js';
import { Callbacks } from './callbacks/callbacks.js';
import { MonthlyRanking } from './analytics/monthly-ranking.js';
import { ticketEventModel } from './tickets/ticket-events.js';
import { Outbox } from './notifications/outbox.js';
import { noticeSettingsFrom, TicketNotices, type NoticeSettings } from './notifications/ticket-notices.js';
import { DeadlineSweep } from './sla/deadline-sweep.js';
import { TicketRouting } from './routing/ticket-routing.js';
import { loadCommittedClassifier, type RoutingClassifier } from './routing/classifier.js';
import { knowledgeArticleModel } from './knowledge/knowledge-article.js';
import { KnowledgeBase } from './knowledge/knowledge-base.js';
import { ticketModel } from './tickets/ticket.js';
import { CallRecords } from './calls/call-records.js';
import { MissedCalls } from './calls/missed-calls.js';
import { Telephony } from './calls/telephony.js';
import { telephonySettingsFrom, type TelephonySettings } from './calls/telephony-settings.js';

export interface ServiceSettings {
  authentication: AuthenticationSettings;
  /** Without them (tests), the configuration's defaults. */
  notices?: NoticeSettings;
  /** null or left out: no telephony (no SIP secret or Kamailio token configured). */
  telephony?: TelephonySettings | null;
}

export const serviceSettings = (config: Config): ServiceSettings => ({
  authentication: { sessionTtlHours: config.SESSION_TTL_HOURS, maxFailures: config.LOGIN_MAX_FAILURES, lockMinutes: config.LOGIN_LOCK_MINUTES },
  notices: noticeSettingsFrom(config),
  telephony: telephonySettingsFrom(config),
});

/** The model is 4 MB of JSON: only the process that routes (the workers) pays for loading it. */
function lazyClassifier(): () => Promise<RoutingClassifier> {
  let loading: Promise<RoutingClassifier> | undefined;
  return () => (loading ??= loadCommittedClassifier());
}

/** The use cases over one database, shared by the API, the workers, the scripts and the tests. */
export async function createServices(connection: Connection, settings: ServiceSettings) {
  const accounts = accountModels(connection);
  const departmentsModel = departmentModel(connection);
  const categoriesModel = categoryModel(connection);
  const audit = new AuditLog(auditModel(connection));
  const hotlineSettings = new HotlineSettings(connection, audit);
  const outbox = new Outbox(connection);
  const noticeSettings = settings.notices ?? noticeSettingsFrom(loadConfig({}));
  const notices = new TicketNotices(
    outbox, { departments: departmentsModel, users: accounts.users, events: ticketEventModel(connection) }, hotlineSettings, noticeSettings,
  );
  const counters = new DepartmentCounters(connection);
  const callRecords = new CallRecords(connection, ticketModel(connection), counters);
  const missedCalls = new MissedCalls(connection);
  // A ticket change's consequences, each a named reaction applied from the ticket as written.
  const tickets = new Tickets(connection, departmentsModel, categoriesModel, hotlineSettings, {
    rollupsOf: (event, ticket, previous) => ticketRollups(event, ticket, previous, event.action === 'intake' ? hotspotWords(ticket.terms) : []),
    reactions: [
      { name: 'roll-ups', apply: (_ticket, effect) => counters.record(effect.id, effect.rollups) },
      { name: 'notices', apply: async (ticket, effect) => void (await notices.enqueueFor(ticket, effect.event)) },
      { name: 'calls', apply: (ticket, effect) => callRecords.ticketEvent(ticket, effect.event) },
    ],
  });
  const services = {
    connection,
    audit,
    settings: hotlineSettings,
    authentication: new Authentication(accounts, audit, settings.authentication),
    users: new Users(accounts, departmentsModel, audit),
    departments: new Departments(departmentsModel, accounts.users, categoriesModel, knowledgeArticleModel(connection), audit),
    categories: new Categories(categoriesModel, departmentsModel, audit),
    tickets,
    outbox,
    notices,
    deadlineSweep: new DeadlineSweep(tickets),
    routing: new TicketRouting(tickets, categoriesModel, departmentsModel, hotlineSettings, lazyClassifier()),
    counters,
    callbacks: new Callbacks(connection, tickets, outbox, noticeSettings),
    ranking: new MonthlyRanking(counters, departmentsModel, accounts.users, outbox, noticeSettings.locale),
    dashboard: new Dashboard(counters, departmentsModel, categoriesModel, accounts.users),
    knowledge: new KnowledgeBase(knowledgeArticleModel(connection), departmentsModel, categoriesModel, audit),
    callRecords,
    missedCalls,
    telephony: new Telephony(connection, settings.telephony ?? null, callRecords, missedCalls, audit),
  };
  await initModels(connection);
  return services;
}
export type Services = Awaited<ReturnType<typeof createServices>>;
