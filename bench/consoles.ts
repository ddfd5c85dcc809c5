/**
 * What each console's first screen costs a browser (issue 15's acceptance: ≤ 300 KB compressed):
 *   npm run bench -- consoles [--tickets 2000] [--runs 5] [--seed 12345]
 * On a fresh embedded engine (or MONGODB_URI's server) with the demo city and --tickets seeded
 * tickets (bench/lib/seed.ts), the consoles and the softphone built as `npm run build` builds them
 * for production (minified, precompressed, hashed names), and the API as its own process. Each
 * page is loaded --runs times in headless Chromium, signed in as its user: cold (a new browser
 * context, empty cache) and then warm (a new tab of the same context: what the cache keeps). Per
 * page the medians of the bytes transferred (headers and compressed bodies, as DevTools counts
 * them, the API's answers included) and of the time from navigation until the page has drawn its
 * first view (`body[data-ready=true]`). The supervisor's dashboard, which loads the charts, is a
 * page of its own.
 */
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { systemActor } from '../core/accounts/access.js';
import type { Role } from '../core/accounts/roles.js';
import { seededRandom } from '../core/platform/seeded-random.js';
import { buildConsoles } from '../consoles/build.js';
import { buildSoftphone } from '../softphone/build.js';
import { headlessChromium, loadFirstScreen, signInContext, type FirstScreen } from '../test/helpers/first-screen.js';
import { type BenchDatabase, runBench } from './lib/database.js';
import { benchPassword, insertInBatches, intakeTimeFor, lifecycleTicket, loadMessages, setupWorld, stateChooser, TicketFactory, ticketSink, withIndexesBuiltAfter } from './lib/seed.js';
import { median, ms, table } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    tickets: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '12345' },
  },
});
const ticketCount = Number(options.tickets);
const runs = Math.max(1, Number(options.runs));

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Each page measured, and who signs in to it (nobody: the portal, and the softphone's sign-in screen). */
const pages: { page: string; at: string; user: string | null }[] = [
  { page: 'portal', at: '/portal/', user: null },
  { page: 'workspace', at: '/console/workspace/', user: 'bench.staff' },
  { page: 'supervisor', at: '/console/supervisor/', user: 'bench.supervisor' },
  { page: 'supervisor dashboard', at: '/console/supervisor/#dashboard', user: 'bench.supervisor' },
  { page: 'admin', at: '/console/admin/', user: 'bench.admin' },
  { page: 'softphone', at: '/softphone/', user: null },
];

await runBench('consoles', `first screens in Chromium, ${runs} cold and warm loads each, ${ticketCount} seeded tickets`, run);

async function run(db: BenchDatabase): Promise<void> {
  await seed(db);
  log('building the consoles and the softphone for production');
  await buildSoftphone({ production: true });
  await buildConsoles({ production: true, stopBuilder: true });
  const api = await db.spawnApi();
  const browser = await chromium.launch(headlessChromium);
  try {
    const rows: string[][] = [];
    for (const { page, at, user } of pages) {
      log(`${page}: ${runs} runs`);
      const cold: FirstScreen[] = [];
      const warm: FirstScreen[] = [];
      for (let i = 0; i < runs; i++) {
        const [first, second] = await coldThenWarm(browser, api.base, at, user);
        cold.push(first);
        warm.push(second);
      }
      const kb = (screens: FirstScreen[]) => (median(screens.map((s) => s.bytes)) / 1024).toFixed(1);
      const time = (screens: FirstScreen[]) => ms(median(screens.map((s) => s.ms)));
      rows.push([page, String(cold[0]!.transfers.length), kb(cold), time(cold), kb(warm), time(warm)]);
    }
    console.log(`\n${table(['page', 'requests', 'cold KB', 'cold load', 'warm KB', 'warm load'], rows)}`);
    console.log('\nKB: transferred (headers and compressed bodies, API answers included); load: navigation until the first view is drawn; medians.');
  } finally {
    await browser.close();
  }
}

/** One cold load in a new context, then a warm one in a new tab of that context. */
async function coldThenWarm(browser: Browser, base: string, at: string, user: string | null): Promise<[FirstScreen, FirstScreen]> {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 768 }, timezoneId: 'Asia/Shanghai' });
  try {
    if (user) await signInContext(context, base, user, benchPassword);
    const cold = await loadFirstScreen(await context.newPage(), `${base}${at}`);
    const warm = await loadFirstScreen(await context.newPage(), `${base}${at}`);
    return [cold, warm];
  } finally {
    await context.close();
  }
}

/** The demo city, a user per staff console, and tickets in every state (the workspace's user is housing's). */
async function seed({ services, connection }: BenchDatabase): Promise<void> {
  const now = new Date();
  const world = await setupWorld(services, now);
  const housing = world.byCode.get('HOUSING')!;
  const user = (username: string, roles: Role[], departmentId: string | null = null) =>
    services.users.create({ actor: systemActor, now }, { username, displayName: username, password: benchPassword, roles, departmentId });
  await user('bench.staff', ['department_staff'], housing.id);
  await user('bench.supervisor', ['supervisor']);
  await user('bench.admin', ['administrator']);
  log(`seeding ${ticketCount} tickets`);
  const random = seededRandom(Number(options.seed));
  const factory = new TicketFactory(world, loadMessages(), random, ticketCount);
  const targetOf = stateChooser(random);
  const sink = ticketSink(connection.db!);
  await withIndexesBuiltAfter(sink.collections, async () => {
    await insertInBatches(sink, ticketCount, () => {
      const target = targetOf();
      return lifecycleTicket(factory, target, intakeTimeFor(random, target, now), now, []);
    });
  });
}
