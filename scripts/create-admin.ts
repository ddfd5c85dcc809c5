import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { systemActor } from '../core/accounts/access.js';
import { loadConfigOrExit } from '../core/platform/config.js';
import { connectDatabase } from '../core/platform/database.js';
import { isDomainError } from '../core/platform/errors.js';
import { createServices, serviceSettings } from '../core/services.js';
import { openDatabaseServer } from '../infra/database-server.js';

/**
 * `npm run create-admin -- --username admin [--password <pw>]`: the first administrator. There is
 * no default password anywhere; without --password the command asks for one.
 */
const { values } = parseArgs({ options: { username: { type: 'string', default: 'admin' }, password: { type: 'string' }, name: { type: 'string', default: '系统管理员' } } });
let password = values.password;
if (!password) {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  password = await prompt.question(`password for ${values.username}: `);
  prompt.close();
}
const config = loadConfigOrExit(process.env);
const database = await openDatabaseServer(config, (line) => console.error(line));
const connection = await connectDatabase(database.uri, config.MONGODB_DB);
try {
  const services = await createServices(connection, serviceSettings(config));
  const user = await services.users.create({ actor: systemActor, now: new Date() }, {
    username: values.username, displayName: values.name, password, roles: ['administrator'],
  });
  console.log(`administrator ${user.username} created (id ${user.id})`);
} catch (err) {
  if (!isDomainError(err)) throw err;
  console.error(`${err.code}: ${err.message}`);
  process.exitCode = 1;
} finally {
  await connection.close();
  await database.stop();
}
