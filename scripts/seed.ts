import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemActor } from '../core/accounts/access.js';
import { loadConfigOrExit } from '../core/platform/config.js';
import { connectDatabase } from '../core/platform/database.js';
import { parseCsv } from '../core/platform/csv.js';
import { createServices, serviceSettings } from '../core/services.js';
import { openDatabaseServer } from '../infra/database-server.js';
import { categoryDepartments, demoDepartments, demoUsers } from './seed-data/demo-city.js';

/**
 * `npm run seed -- --password <pw>`: the shipped category tree, a demo city of 40 departments and
 * one user per role, all with the given password. Safe to run again: it adds what is missing.
 */
const { values } = parseArgs({ options: { password: { type: 'string' } } });
if (!values.password) {
  console.error('usage: npm run seed -- --password <password of at least 10 characters>');
  process.exit(2);
}
const config = loadConfigOrExit(process.env);
const database = await openDatabaseServer(config, (line) => console.error(line));
const connection = await connectDatabase(database.uri, config.MONGODB_DB);
try {
  const services = await createServices(connection, serviceSettings(config));
  const ctx = { actor: systemActor, now: new Date() };

  const departments = await services.departments.import(ctx, demoDepartments);
  const taxonomy = readFileSync(new URL('../core/categories/data/taxonomy.csv', import.meta.url), 'utf8');
  const categories = await services.categories.importTaxonomy(ctx, parseCsv(taxonomy).slice(1));

  const allDepartments = await services.departments.list(systemActor, {});
  const departmentId = (code: string) => allDepartments.find((d) => d.code === code)?.id ?? null;
  for (const category of await services.categories.list(systemActor, { level: 1 })) {
    const target = departmentId(categoryDepartments[category.name] ?? '');
    if (target && category.defaultDepartmentId !== target) {
      await services.categories.update(ctx, category.id, { version: category.version, defaultDepartmentId: target });
    }
  }

  const existing = new Set((await services.users.list(systemActor, {})).map((u) => u.username));
  const rows: string[] = [];
  for (const user of demoUsers) {
    const department = user.departmentCode ? departmentId(user.departmentCode) : null;
    if (!existing.has(user.username)) {
      await services.users.create(ctx, { ...user, password: values.password, departmentId: department });
    }
    rows.push(`  ${user.username.padEnd(12)} ${user.roles.join(',').padEnd(17)} ${user.departmentCode ?? ''}${existing.has(user.username) ? '  (existed, password unchanged)' : ''}`);
  }
  console.log(`departments: ${departments.created} created, ${departments.updated} updated`);
  console.log(`categories: ${categories.created} created, ${categories.existing} already there`);
  console.log('accounts (user name, roles, department):');
  console.log(rows.join('\n'));
} finally {
  await connection.close();
  await database.stop();
}
