/**
 * Ticket core at scale (issue 3's acceptance), on a fresh embedded FerretDB in a temporary directory:
 *   npm run bench -- tickets [--tickets 100000] [--requests 500] [--concurrency 10] [--rounds 3] [--create-budget 300]
 *                            [--list-rounds 3] [--list-queries 50] [--list-budget 60]
 * Seeds tickets with the citizens' messages of ../shared/data/complaints across the demo city's 41
 * departments, then measures, each round in the same run:
 *   (a) create-ticket through HTTP (POST /api/tickets on a real http.Server, an operator's API token);
 *   (b) the baseline: as many raw-driver insertOne of intake-shaped tickets at the same concurrency;
 *   (c) the department open list (use case and HTTP), the centre's received list, a caller's history,
 *       and the raw queries they come down to, with FerretDB's explain.
 * Bounded in time: no HTTP create starts after --create-budget seconds of a round (the raw baseline
 * then inserts as many as HTTP completed), and each list series runs up to --list-queries queries, or
 * fewer when the next would overrun --list-budget seconds per series and round (at least one).
 * Figures are medians over the rounds (--list-rounds for the lists, as many as --rounds unless given:
 * on FerretDB most lists decode every ticket, about a minute each at 100k). `--tickets 3000
 * --requests 50` is a quick run.
 */
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { systemActor, type Actor } from '../core/accounts/access.js';
import { openStates, type TicketState } from '../core/tickets/ticket.js';
import { explainFind, openBenchDatabase, profileCommands, type BenchDatabase } from './lib/database.js';
import {
  insertInBatches, intakeTimeFor, lifecycleTicket, loadMessages, setupWorld, shapeDifferences, stateMix, TicketFactory,
  benchPassword, type Message, type TicketDoc,
} from './lib/seed.js';
import { seededRandom } from '../core/platform/seeded-random.js';
import { loadAverage, machineNotes, median, ms, percentile, rate, runConcurrently, table, timed } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'list-rounds': { type: 'string' },
    'list-queries': { type: 'string', default: '50' },
    'list-budget': { type: 'string', default: '60' },
    'create-budget': { type: 'string', default: '300' },
    seed: { type: 'string', default: '12345' },
  },
});
const ticketCount = Number(options.tickets);
const requests = Number(options.requests);
const concurrency = Number(options.concurrency);
const rounds = Math.max(1, Number(options.rounds));
const listRounds = Math.max(1, Number(options['list-rounds'] ?? rounds));
const listQueries = Number(options['list-queries']);
const listBudgetMs = Number(options['list-budget']) * 1000;
const createBudgetMs = Number(options['create-budget']) * 1000;

function indent(text: string): string {
  return text.replace(/^/gm, '    ');
}

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const startedAt = performance.now();
const loadAtStart = loadAverage();
console.log(`tickets benchmark: ${ticketCount} seeded tickets, ${requests} creates at concurrency ${concurrency}, ${rounds} rounds (lists: ${listRounds})`);
console.log(`machine: ${machineNotes()}; load average at start: ${loadAtStart}`);

const db = await openBenchDatabase('tickets');
try {
  await run(db);
} finally {
  await db.close();
}
console.log(`\nload average at end: ${loadAverage()}; whole run ${ms(performance.now() - startedAt)}; temporary database removed`);

async function run({ services, connection, size, serveApi, server: { uri } }: BenchDatabase): Promise<void> {
  const now = new Date();
  const world = await setupWorld(services, now);
  const messages = loadMessages();
  const random = seededRandom(Number(options.seed));
  const factory = new TicketFactory(world, messages, random, ticketCount);
  const tickets = connection.db!.collection<TicketDoc>('tickets');

  // The seeded documents against what the use cases write: intake + dispatch, field by field.
  const probeCtx = { actor: { ...systemActor, roles: ['dispatcher'], userId: world.dispatcherId, username: 'dispatcher1', via: 'session' } as Actor, now };
  const probe = await services.tickets.intake(probeCtx, { channel: 'phone', requestType: 'complaint', requester: { name: '王先生', phone: '13800000000' }, subject: messages[0]!.subject, content: messages[0]!.content, categoryId: world.categories[0]!.id });
  await services.tickets.act(probeCtx, probe.id, 'dispatch', { lead: world.byCode.get('HOUSING')!.id });
  const written = await tickets.findOne({ _id: new Types.ObjectId(probe.id) });
  const differences = shapeDifferences(written, lifecycleTicket(factory, 'dispatched', now, now, []));
  console.log(`document shape vs Tickets.intake + dispatch: ${differences.length ? `DIFFERENT ${differences.join(' ')}` : 'same key paths'}`);

  // ---- seeding ----
  const counters = connection.db!.collection<{ _id: string; last: number }>('ticket_counters');
  factory.continueFrom(await counters.find({}).toArray());
  const states = Object.keys(stateMix) as TicketState[];
  const total = states.reduce((sum, s) => sum + stateMix[s], 0);
  const targetOf = () => {
    let x = random() * total;
    for (const s of states) if ((x -= stateMix[s]) <= 0) return s;
    return 'archived' as TicketState;
  };
  const departments = { HOUSING: world.byCode.get('HOUSING')!, CHAOYANG: world.byCode.get('CHAOYANG')!, 'CY-WJ': world.byCode.get('CY-WJ')! };
  const openIn = new Map<string, number>(Object.keys(departments).map((code) => [code, 0]));
  const byState = new Map<string, number>();
  const frequentPhone = factory.phoneOf(0);
  let frequentPhoneTickets = 0;
  const parents: string[] = [];
  let inHousingScope = 0;
  log(`seeding ${ticketCount} tickets`);
  const seeding = await insertInBatches(tickets, ticketCount, () => {
    const target = targetOf();
    const doc = lifecycleTicket(factory, target, intakeTimeFor(random, target, now), now, parents);
    byState.set(doc.state, (byState.get(doc.state) ?? 0) + 1);
    if (openStates.includes(doc.state)) for (const [code, d] of Object.entries(departments)) if (doc.scope.includes(d.id)) openIn.set(code, openIn.get(code)! + 1);
    if (doc.requester.phone === frequentPhone) frequentPhoneTickets += 1;
    if (parents.length < 5000 && random() < 0.1) parents.push(String(doc._id));
    if (doc.scope.includes(departments.HOUSING.id)) inHousingScope += 1;
    return doc;
  }, { progress: (done, elapsed) => done % 20_000 === 0 && log(`  ${done} tickets, ${ms(elapsed)}`) });
  await counters.bulkWrite(factory.counters().map(({ _id, last }) => ({ updateOne: { filter: { _id }, update: { $max: { last } }, upsert: true } })));
  const seedMs = seeding.buildMs + seeding.insertMs;
  console.log(`\nseeded ${ticketCount} tickets in ${ms(seedMs)} (${rate((ticketCount / seedMs) * 1000)}/s): building by the lifecycle ${ms(seeding.buildMs)}, insertMany×1000 ${ms(seeding.insertMs)} (${rate((ticketCount / seeding.insertMs) * 1000)} docs/s)`);
  console.log(`  states: ${[...byState].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  console.log(`  open tickets in scope: ${[...openIn].map(([code, n]) => `${code} ${n}`).join(', ')}; caller ${frequentPhone} has ${frequentPhoneTickets} tickets`);

  console.log(`  database files: ${(size() / 2 ** 20).toFixed(0)} MiB`);

  // ---- accounts and the HTTP server ----
  const ctx = { actor: systemActor, now };
  const token = async (userId: string) => (await services.users.issueToken(ctx, userId, { name: 'bench' })).token;
  const operatorToken = await token(world.operatorIds[0]!);
  const staff = new Map<string, { actor: Actor; token: string }>();
  for (const [code, department] of Object.entries(departments)) {
    const user = await services.users.create(ctx, { username: `staff-${code.toLowerCase()}`, displayName: code, password: benchPassword, roles: ['department_staff'], departmentId: department.id });
    staff.set(code, { actor: { userId: user.id, username: user.username, roles: user.roles, departmentId: department.id, via: 'token' }, token: await token(user.id) });
  }
  const base = await serveApi();
  const call = async (path: string, bearer: string, body?: unknown, expected = body ? 201 : 200) => {
    const res = await fetch(base + path, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
    return text;
  };

  // ---- (a) and (b): create throughput and latency, HTTP against the raw driver ----
  const intakeBody = (i: number, message: Message) => {
    const category = world.categories[i % world.categories.length]!;
    return {
      channel: 'phone', requestType: 'complaint', categoryId: category.id, callId: `bench-http-${i}`,
      requester: { name: '李女士', phone: factory.phone(), address: '望京街道某小区' },
      location: { address: '望京街道某小区', departmentId: departments['CY-WJ'].id },
      subject: message.subject, content: message.content,
    };
  };
  const farDay = new Date('2099-01-01T04:00:00Z');
  const createRounds: { http: ReturnType<typeof summary>; raw: ReturnType<typeof summary> }[] = [];
  let created = 0;
  for (let round = 1; round <= rounds; round++) {
    log(`round ${round}: ${requests} HTTP creates`);
    const http = await runConcurrently(requests, concurrency, async (i) => {
      await call('/api/tickets', operatorToken, intakeBody(created + i, messages[(created + i) % messages.length]!));
    }, createBudgetMs);
    const completed = http.latencies.length + http.errors;
    created += completed;
    const rawDocs = Array.from({ length: completed }, () => {
      const { ticket } = factory.draft({ createdAt: new Date() });
      return { ...ticket, _id: new Types.ObjectId(), number: factory.number(farDay) };
    });
    log(`round ${round}: ${completed} raw insertOne`);
    const raw = await runConcurrently(completed, concurrency, async (i) => {
      await tickets.insertOne(rawDocs[i]!);
    });
    if (http.errors || raw.errors) throw new Error(`create errors: HTTP ${http.errors}, raw ${raw.errors}: ${String(http.firstError ?? raw.firstError)}`);
    createRounds.push({ http: summary(http.latencies, http.throughput), raw: summary(raw.latencies, raw.throughput) });
    if (completed < requests) log(`round ${round}: the ${createBudgetMs / 1000} s budget stopped HTTP creates after ${completed} of ${requests}`);
  }

  // What one create costs inside the use case, and the reads it makes: intake alone, no HTTP, one at a time.
  const operator: Actor = { userId: world.operatorIds[0]!, username: 'operator1', roles: ['operator'], departmentId: null, via: 'session' };
  const intakeAlone: number[] = [];
  for (let i = 0; i < 10; i++) {
    const body = intakeBody(created + i, messages[i]!) as unknown as Parameters<typeof services.tickets.intake>[1];
    intakeAlone.push((await timed(() => services.tickets.intake({ actor: operator, now: new Date() }, body))).ms);
  }

  console.log(`\n(a)/(b) create-ticket, up to ${requests} requests (or ${createBudgetMs / 1000} s) per round at concurrency ${concurrency}, then as many raw inserts; per round and median of ${rounds}`);
  const createRows: string[][] = [];
  createRounds.forEach(({ http, raw }, i) => {
    createRows.push([`round ${i + 1} HTTP POST /api/tickets`, String(http.n), rate(http.throughput), ms(http.p50), ms(http.p99), '']);
    createRows.push([`round ${i + 1} raw insertOne`, String(raw.n), rate(raw.throughput), ms(raw.p50), ms(raw.p99), `HTTP/raw p50 ×${(http.p50 / raw.p50).toFixed(1)}`]);
  });
  const med = (pick: (r: (typeof createRounds)[number]) => number) => median(createRounds.map(pick));
  createRows.push(['median HTTP POST /api/tickets', '', rate(med((r) => r.http.throughput)), ms(med((r) => r.http.p50)), ms(med((r) => r.http.p99)), '']);
  createRows.push(['median raw insertOne', '', rate(med((r) => r.raw.throughput)), ms(med((r) => r.raw.p50)), ms(med((r) => r.raw.p99)), '']);
  createRows.push([
    'ratio HTTP/raw (median of per-round ratios)', '',
    `×${median(createRounds.map((r) => r.raw.throughput / r.http.throughput)).toFixed(1)} slower`,
    `×${median(createRounds.map((r) => r.http.p50 / r.raw.p50)).toFixed(1)}`,
    `×${median(createRounds.map((r) => r.http.p99 / r.raw.p99)).toFixed(1)}`,
    '',
  ]);
  console.log(table(['', 'n', 'per second', 'p50', 'p99', ''], createRows));
  console.log(`  inside a create, one at a time (n=10): Tickets.intake use case median ${ms(median(intakeAlone))}`);
  const profileBody = intakeBody(created + 10, messages[11]!) as unknown as Parameters<typeof services.tickets.intake>[1];
  const profile = await profileCommands(uri, 'bench', (s) => s.tickets.intake({ actor: operator, now: new Date() }, profileBody));
  console.log(`  the database commands of one Tickets.intake (${ms(profile.wallMs)} wall; durations summed):`);
  console.log(indent(table(['command collection {filter keys}', 'count', 'summed ms'], profile.rows.slice(0, 12).map((r) => [r.command, String(r.count), ms(r.ms)]))));

  // ---- (c) lists ----
  const housing = staff.get('HOUSING')!;
  const district = staff.get('CHAOYANG')!;
  const open = [...openStates];
  // Every create of this run (HTTP, raw, use case alone) added a received ticket.
  const receivedNow = (byState.get('received') ?? 0) + 2 * created + intakeAlone.length;
  const sampleId = new Types.ObjectId(parents[Math.floor(parents.length / 2)] ?? probe.id);
  const series: { name: string; matched: string; run: () => Promise<unknown>; explain?: () => Promise<string> }[] = [
    { name: 'core Tickets.list(HOUSING staff, open, 50)', matched: String(openIn.get('HOUSING')), run: () => services.tickets.list(housing.actor, { open: true, limit: 50 }) },
    { name: 'HTTP GET /api/tickets?open=true (HOUSING staff)', matched: String(openIn.get('HOUSING')), run: () => call('/api/tickets?open=true', housing.token) },
    { name: 'HTTP GET /api/tickets?open=true (CHAOYANG staff)', matched: String(openIn.get('CHAOYANG')), run: () => call('/api/tickets?open=true', district.token) },
    { name: 'HTTP GET /api/tickets?state=received (operator)', matched: String(receivedNow), run: () => call('/api/tickets?state=received', operatorToken) },
    { name: `HTTP GET /api/callers/${frequentPhone}/tickets`, matched: String(frequentPhoneTickets), run: () => call(`/api/callers/${frequentPhone}/tickets`, operatorToken) },
    {
      name: 'raw find {scope, state $in open} sort _id -1 limit 51', matched: String(openIn.get('HOUSING')),
      run: () => tickets.find({ scope: housing.actor.departmentId!, state: { $in: open } }).sort({ _id: -1 }).limit(51).toArray(),
      explain: () => explainFind(connection, 'tickets', { scope: housing.actor.departmentId!, state: { $in: open } }, { _id: -1 }),
    },
    {
      name: "raw find {state: 'received'} (indexed equality)", matched: String(receivedNow),
      run: () => tickets.find({ state: 'received' }).toArray(),
      explain: () => explainFind(connection, 'tickets', { state: 'received' }),
    },
    {
      name: 'raw find {scope: HOUSING} (array equality)', matched: String(inHousingScope),
      run: () => tickets.find({ scope: housing.actor.departmentId! }, { projection: { _id: 1 } }).toArray(),
      explain: () => explainFind(connection, 'tickets', { scope: housing.actor.departmentId! }),
    },
    {
      name: 'raw findOne {_id} (pushed down: SQLite searches the _id index)', matched: '1',
      run: () => tickets.findOne({ _id: sampleId }),
      explain: () => explainFind(connection, 'tickets', { _id: sampleId }),
    },
  ];
  const listResults = series.map(() => [] as { n: number; p50: number; p99: number }[]);
  for (let round = 1; round <= listRounds; round++) {
    for (const [i, s] of series.entries()) {
      log(`round ${round}: ${s.name}`);
      const latencies: number[] = [];
      const began = performance.now();
      while (latencies.length < listQueries && (latencies.length === 0 || performance.now() - began + latencies.at(-1)! <= listBudgetMs)) {
        latencies.push((await timed(s.run)).ms);
      }
      listResults[i]!.push({ n: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99) });
    }
  }
  console.log(`\n(c) list queries over ≈${ticketCount + created * 2} tickets; sequential; per series up to ${listQueries} queries or ${listBudgetMs / 1000} s per round; median over ${listRounds} rounds`);
  console.log(table(
    ['query', 'matching', 'n/round', 'p50', 'p99', 'p50 per round'],
    series.map((s, i) => {
      const r = listResults[i]!;
      return [s.name, s.matched, r.map((x) => x.n).join('/'), ms(median(r.map((x) => x.p50))), ms(median(r.map((x) => x.p99))), r.map((x) => ms(x.p50)).join(' / ')];
    }),
  ));
  console.log('\nexplain (FerretDB 1.24, SQLite):');
  for (const s of series) if (s.explain) console.log(`  ${s.name}: ${await s.explain()}`);
}

function summary(latencies: number[], throughput: number) {
  return { n: latencies.length, throughput, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

