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
import { revisionModel } from './platform/compare-and-set.js';
import { idempotencyModel } from './platform/idempotency.js';
import type { Config } from './platform/config.js';
import { HotlineSettings } from './settings/hotline-settings.js';
import { Tickets } from './tickets/tickets.js';
import { DeadlineSweep } from './sla/deadline-sweep.js';
import { TicketRouting } from './routing/ticket-routing.js';
import { loadCommittedClassifier, type RoutingClassifier } from './routing/classifier.js';

export interface ServiceSettings {
  authentication: AuthenticationSettings;
}

export const serviceSettings = (config: Config): ServiceSettings => ({
  authentication: { sessionTtlHours: config.SESSION_TTL_HOURS, maxFailures: config.LOGIN_MAX_FAILURES, lockMinutes: config.LOGIN_LOCK_MINUTES },
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
  const tickets = new Tickets(connection, departmentsModel, categoriesModel, hotlineSettings);
  const services = {
    connection,
    audit,
    settings: hotlineSettings,
    authentication: new Authentication(accounts, audit, settings.authentication),
    users: new Users(accounts, departmentsModel, audit),
    departments: new Departments(departmentsModel, accounts.users, categoriesModel, audit),
    categories: new Categories(categoriesModel, departmentsModel, audit),
    tickets,
    deadlineSweep: new DeadlineSweep(connection, tickets),
    routing: new TicketRouting(tickets, categoriesModel, departmentsModel, hotlineSettings, lazyClassifier()),
  };
  revisionModel(connection);
  idempotencyModel(connection);
  await initModels(connection);
  return services;
}
export type Services = Awaited<ReturnType<typeof createServices>>;
