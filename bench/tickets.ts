/**
 * Ticket core at scale (issue 10's acceptance), on a fresh embedded engine (FerretDB 2 on PostgreSQL
 * 15 with DocumentDB) in a temporary directory:
 *   npm run bench -- tickets [--tickets 100000] [--rounds 3] [--concurrency 20] [--creates 600] [--accepts 400]
 *                            [--list-queries 100] [--budget 120] [--batch 2000] [--rate 0]
 * Seeds --tickets tickets built by the product's own pure functions (bench/lib/seed.ts: newTicket,
 * decide, settleClocks, the sweep's steps) with the citizens' messages of ../shared/data/complaints
 * over the demo city's 41 departments, bulk-inserted with insertMany. Then the API runs as its own
 * process (api/server.ts, as `npm run api`), and each round measures, beside the raw driver on the
 * same engine:
 *   (a) POST /api/tickets by an operator's API token, --concurrency clients, --creates requests (or
 *       --budget seconds), against as many raw insertOne of intake-shaped tickets at the same concurrency;
 *   (b) a department's open list, GET /api/tickets?open=true as a department user (a bureau and a
 *       district), sequential, against its raw find (same filter, sort and limit);
 *   (c) accept (签收) of dispatched tickets, POST /api/tickets/:id/accept by the department's user,
 *       --concurrency clients, against raw findOneAndUpdate({_id, version}) with the same $set.
 * Figures are medians over --rounds rounds. Then the API process's memory, the data size (per
 * 100k tickets), DocumentDB's plans of the raw queries, and the database commands of one intake and
 * one accept. `--tickets 5000 --creates 100 --accepts 100` is a quick run. With `--rate R`, creates
 * and accepts (HTTP and raw) are offered at R per second, at most --concurrency in flight, and each
 * latency counts from when its request was due: the latency at that load, where closed-loop clients
 * (the default) measure the highest rate, whose latency is then concurrency / rate by construction.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Types, type Connection } from 'mongoose';
import { systemActor, type Actor } from '../core/accounts/access.js';
import { openStates, type Ticket } from '../core/tickets/ticket.js';
import { analyzeFind, explainFind, profileCommands, type BenchDatabase, type CpuSnapshot, runBench } from './lib/database.js';
import {
  benchPassword, insertInBatches, ticketSink, withIndexesBuiltAfter, intakeTimeFor, lifecycleTicket, loadMessages, setupWorld, shapeDifferences, TicketFactory, type Message, type TicketDoc, type WorldDepartment, stateChooser,
} from './lib/seed.js';
import { seededRandom } from '../core/platform/seeded-random.js';
import { loadAverage, median, ms, percentile, rate, runConcurrently, table, timed } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '20' },
    creates: { type: 'string', default: '600' },
    accepts: { type: 'string', default: '400' },
    'list-queries': { type: 'string', default: '100' },
    budget: { type: 'string', default: '120' },
    rate: { type: 'string', default: '0' },
    batch: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '12345' },
  },
});
const ticketCount = Number(options.tickets);
const rounds = Math.max(1, Number(options.rounds));
const concurrency = Number(options.concurrency);
const createsPerRound = Number(options.creates);
const acceptsPerRound = Number(options.accepts);
const listQueries = Number(options['list-queries']);
const budgetMs = Number(options.budget) * 1000;
/** Requests per second offered to creates and accepts (HTTP and raw alike); 0: as fast as answers come (closed loop). */
const offered = Number(options.rate);
const batch = Number(options.batch);

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

await runBench('tickets', `${ticketCount} seeded tickets; per round ${createsPerRound} creates and ${acceptsPerRound} accepts at concurrency ${concurrency}, ${listQueries} list queries per series; ${rounds} rounds`, run);

interface Summary {
  n: number;
  throughput: number;
  p50: number;
  p99: number;
}

function summary(latencies: number[], throughput = Number.NaN): Summary {
  return { n: latencies.length, throughput, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function run(bench: BenchDatabase): Promise<void> {
  const { services, connection, server: { uri } } = bench;
  const now = new Date();
  const world = await setupWorld(services, now);
  const messages = loadMessages();
  const random = seededRandom(Number(options.seed));
  const factory = new TicketFactory(world, messages, random, ticketCount);
  const sink = ticketSink(connection.db!);
  const { tickets } = sink;
  const counters = connection.db!.collection<{ _id: string; last: number }>('ticket_counters');
  /** Numbers the factory hands out continue after those the use cases took, and the day counters then cover both. */
  const withNumbers = async <T>(work: () => Promise<T>): Promise<T> => {
    factory.continueFrom(await counters.find({}).toArray());
    const result = await work();
    await counters.bulkWrite(factory.counters().map(({ _id, last }) => ({ updateOne: { filter: { _id }, update: { $max: { last } }, upsert: true } })));
    return result;
  };

  // The seeded documents against what the use cases write: intake + dispatch, key path by key path.
  const dispatcher: Actor = { ...systemActor, roles: ['dispatcher'], userId: world.dispatcherId, username: 'dispatcher1', via: 'session' };
  const probe = await services.tickets.intake({ actor: dispatcher, now }, {
    channel: 'phone', requestType: 'complaint', requester: { name: '王先生', phone: '13800000000' }, subject: messages[0]!.subject, content: messages[0]!.content, categoryId: world.categories[0]!.id,
  });
  await services.tickets.act({ actor: dispatcher, now }, probe.id, 'dispatch', { lead: world.byCode.get('HOUSING')!.id });
  const written = await tickets.findOne({ _id: new Types.ObjectId(probe.id) });
  const differences = shapeDifferences(written, lifecycleTicket(factory, 'dispatched', now, now, []));
  console.log(`document shape vs Tickets.intake + dispatch: ${differences.length ? `DIFFERENT ${differences.join(' ')}` : 'same key paths'}`);

  // ---- seeding: the product's pure functions, bulk-inserted ----
  const targetOf = stateChooser(random);
  const departments = { HOUSING: world.byCode.get('HOUSING')!, CHAOYANG: world.byCode.get('CHAOYANG')! };
  const openIn = new Map<string, number>(Object.keys(departments).map((code) => [code, 0]));
  const byState = new Map<string, number>();
  const parents: string[] = [];
  log(`seeding ${ticketCount} tickets`);
  let seeding = { insertMs: 0, buildMs: 0 };
  const indexMs = await withIndexesBuiltAfter(sink.collections, async () => { seeding = await withNumbers(() => insertInBatches(sink, ticketCount, () => {
    const target = targetOf();
    const doc = lifecycleTicket(factory, target, intakeTimeFor(random, target, now), now, parents);
    byState.set(doc.state, (byState.get(doc.state) ?? 0) + 1);
    if (openStates.includes(doc.state)) for (const [code, d] of Object.entries(departments)) if (doc.scope.includes(d.id)) openIn.set(code, openIn.get(code)! + 1);
    if (parents.length < 5000 && random() < 0.1) parents.push(String(doc._id));
    return doc;
  }, { batch, progress: (done, elapsed) => done % 50_000 === 0 && log(`  ${done} tickets, ${ms(elapsed)}`) })); });
  const seedMs = seeding.buildMs + seeding.insertMs + indexMs;
  console.log(`\nseeded ${ticketCount} tickets in ${ms(seedMs)}: building by the lifecycle ${ms(seeding.buildMs)}, insertMany×${batch} ${ms(seeding.insertMs)} (${rate((ticketCount / seeding.insertMs) * 1000)} docs/s), then the secondary indexes built in ${ms(indexMs)}`);
  console.log(`  states: ${[...byState].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  console.log(`  open tickets in scope: ${[...openIn].map(([code, n]) => `${code} ${n}`).join(', ')}`);
  const seededSize = await sizes(bench, connection);

  // ---- accounts and the API process ----
  const ctx = { actor: systemActor, now };
  const token = async (userId: string) => (await services.users.issueToken(ctx, userId, { name: 'bench' })).token;
  const operatorToken = await token(world.operatorIds[0]!);
  const staff = new Map<string, { actor: Actor; token: string }>();
  for (const [code, department] of Object.entries(departments)) {
    const user = await services.users.create(ctx, { username: `staff-${code.toLowerCase()}`, displayName: code, password: benchPassword, roles: ['department_staff'], departmentId: department.id });
    staff.set(code, { actor: { userId: user.id, username: user.username, roles: user.roles, departmentId: department.id, via: 'token' }, token: await token(user.id) });
  }
  const api = await bench.spawnApi();
  const { base } = api;
  const afterStart = await api.memory();
  const call = async (path: string, bearer: string, body?: unknown, expected = body ? [200, 201] : [200]) => {
    const res = await fetch(base + path, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!expected.includes(res.status)) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
    return text;
  };
  const housing = staff.get('HOUSING')!;
  const district = staff.get('CHAOYANG')!;
  // Warm-up: connections, caches and JIT of both processes, not counted.
  for (let i = 0; i < 20; i++) {
    await call('/api/tickets?open=true', housing.token);
    await call('/healthz', operatorToken);
  }

  const intakeBody = (i: number, message: Message) => {
    const category = world.categories[i % world.categories.length]!;
    const street = world.departments.filter((d) => d.kind === 'street')[i % 10]!;
    return {
      channel: 'phone', requestType: 'complaint', categoryId: category.id, callId: `bench-http-${i}`,
      requester: { name: '李女士', phone: factory.phone(), address: '某小区' },
      location: { address: '某小区', departmentId: street.id },
      subject: message.subject, content: message.content,
    };
  };
  const farDay = new Date('2099-01-01T04:00:00Z');
  const open = [...openStates];
  const rawList = (department: WorldDepartment) => () => tickets.find({ scope: department.id, state: { $in: open } }).sort({ _id: -1 }).limit(51).toArray();
  const listSeries: { name: string; run: () => Promise<unknown> }[] = [
    { name: 'HTTP GET /api/tickets?open=true (HOUSING bureau user)', run: () => call('/api/tickets?open=true', housing.token) },
    { name: 'raw find {scope: HOUSING, state $in open} sort _id -1 limit 51', run: rawList(departments.HOUSING) },
    { name: 'HTTP GET /api/tickets?open=true (CHAOYANG district user)', run: () => call('/api/tickets?open=true', district.token) },
    { name: 'raw find {scope: CHAOYANG, state $in open} sort _id -1 limit 51', run: rawList(departments.CHAOYANG) },
    { name: 'baseline HTTP GET /healthz', run: () => call('/healthz', operatorToken) },
  ];

  const createRounds: { http: Summary; raw: Summary }[] = [];
  const listRounds: Summary[][] = listSeries.map(() => []);
  const acceptRounds: { http: Summary; raw: Summary }[] = [];
  const createWaits = { samples: 0, waits: new Map<string, number>() };
  const acceptWaits = { samples: 0, waits: new Map<string, number>() };
  const createCpuRounds: CpuSnapshot[] = [];
  const acceptCpuRounds: CpuSnapshot[] = [];
  let created = 0;
  for (let round = 1; round <= rounds; round++) {
    // (a) creates
    log(`round ${round}: HTTP creates`);
    const createSampler = bench.embedded ? bench.sampleWaits() : null;
    const createCpu = bench.embedded ? bench.cpu(api.pid) : null;
    const http = await runConcurrently(createsPerRound, concurrency, async (i) => {
      await call('/api/tickets', operatorToken, intakeBody(created + i, messages[(created + i) % messages.length]!));
    }, budgetMs, offered);
    if (createSampler) addWaits(createWaits, await createSampler.stop());
    const completed = http.latencies.length + http.errors;
    if (createCpu) createCpuRounds.push(perRequest(createCpu, bench.cpu(api.pid), completed, http.wallMs));
    created += completed;
    const rawDocs = Array.from({ length: completed }, () => {
      const { ticket } = factory.draft({ createdAt: new Date() });
      return { ...ticket, _id: new Types.ObjectId(), number: factory.number(farDay) };
    });
    log(`round ${round}: ${completed} raw insertOne`);
    const raw = await runConcurrently(completed, concurrency, async (i) => {
      await tickets.insertOne(rawDocs[i]!);
    }, Number.POSITIVE_INFINITY, offered);
    if (http.errors || raw.errors) throw new Error(`create errors: HTTP ${http.errors}, raw ${raw.errors}: ${String(http.firstError ?? raw.firstError)}`);
    createRounds.push({ http: summary(http.latencies, http.throughput), raw: summary(raw.latencies, raw.throughput) });

    // (b) lists, sequential
    for (const [i, s] of listSeries.entries()) {
      log(`round ${round}: ${s.name}`);
      const latencies: number[] = [];
      for (let q = 0; q < listQueries; q++) latencies.push((await timed(s.run)).ms);
      listRounds[i]!.push(summary(latencies));
    }

    // (c) accept: fresh dispatched tickets of HOUSING (lead only), half through HTTP, half raw
    log(`round ${round}: accepts`);
    const targets = await withNumbers(async () => {
      const docs = Array.from({ length: 2 * acceptsPerRound }, () => dispatchedTo(factory, departments.HOUSING, new Date()));
      for (let i = 0; i < docs.length; i += batch) await tickets.insertMany(docs.slice(i, i + batch), { ordered: false });
      return docs;
    });
    const httpTargets = targets.slice(0, acceptsPerRound);
    const rawTargets = targets.slice(acceptsPerRound);
    const acceptSampler = bench.embedded ? bench.sampleWaits() : null;
    const acceptCpu = bench.embedded ? bench.cpu(api.pid) : null;
    const httpAccept = await runConcurrently(httpTargets.length, concurrency, async (i) => {
      await call(`/api/tickets/${String(httpTargets[i]!._id)}/accept`, housing.token, {});
    }, Number.POSITIVE_INFINITY, offered);
    if (acceptSampler) addWaits(acceptWaits, await acceptSampler.stop());
    if (acceptCpu) acceptCpuRounds.push(perRequest(acceptCpu, bench.cpu(api.pid), httpTargets.length, httpAccept.wallMs));
    // The raw equivalent of the product's compare-and-set: the accepted ticket (by `decide`, computed
    // before the clock starts) written with one findOneAndUpdate on {_id, version}.
    const acceptedBy = staff.get('HOUSING')!.actor;
    const updates = rawTargets.map((doc) => {
      const { _id: _clone, version: _version, effects: _effects, ...fields } = factory.act(doc, 'accept', {}, acceptedBy, new Date(), {}) as TicketDoc;
      return { filter: { _id: doc._id, version: doc.version }, update: { $set: fields, $inc: { version: 1 } } };
    });
    const rawAccept = await runConcurrently(updates.length, concurrency, async (i) => {
      const { filter, update } = updates[i]!;
      const result = await tickets.findOneAndUpdate(filter, update as never, { returnDocument: 'after' });
      if (!result) throw new Error(`raw accept of ${String(filter._id)} matched nothing`);
    }, Number.POSITIVE_INFINITY, offered);
    if (httpAccept.errors || rawAccept.errors) throw new Error(`accept errors: HTTP ${httpAccept.errors}, raw ${rawAccept.errors}: ${String(httpAccept.firstError ?? rawAccept.firstError)}`);
    acceptRounds.push({ http: summary(httpAccept.latencies, httpAccept.throughput), raw: summary(rawAccept.latencies, rawAccept.throughput) });
    const accepted = await tickets.countDocuments({ _id: { $in: httpTargets.map((t) => t._id) }, state: 'in_handling' });
    if (accepted !== httpTargets.length) throw new Error(`only ${accepted} of ${httpTargets.length} HTTP accepts left the ticket in handling`);
  }
  const memory = await api.memory();
  const peakRss = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${api.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) * 1024;
  const loadAfter = loadAverage();

  // ---- report ----
  const pair = (title: string, target: string, rows: { http: Summary; raw: Summary }[], httpName: string, rawName: string) => {
    const med = (pick: (r: (typeof rows)[number]) => number) => median(rows.map(pick));
    const lines: string[][] = [];
    rows.forEach(({ http, raw }, i) => {
      lines.push([`round ${i + 1} ${httpName}`, String(http.n), rate(http.throughput), ms(http.p50), ms(http.p99)]);
      lines.push([`round ${i + 1} ${rawName}`, String(raw.n), rate(raw.throughput), ms(raw.p50), ms(raw.p99)]);
    });
    lines.push([`median ${httpName}`, '', rate(med((r) => r.http.throughput)), ms(med((r) => r.http.p50)), ms(med((r) => r.http.p99))]);
    lines.push([`median ${rawName}`, '', rate(med((r) => r.raw.throughput)), ms(med((r) => r.raw.p50)), ms(med((r) => r.raw.p99))]);
    lines.push([
      'raw/HTTP (median of per-round ratios)', '',
      `×${median(rows.map((r) => r.raw.throughput / r.http.throughput)).toFixed(1)}`,
      `HTTP ×${median(rows.map((r) => r.http.p50 / r.raw.p50)).toFixed(1)}`,
      `HTTP ×${median(rows.map((r) => r.http.p99 / r.raw.p99)).toFixed(1)}`,
    ]);
    console.log(`\n${title} (target ${target})`);
    console.log(table(['', 'n', 'per second', 'p50', 'p99'], lines));
  };
  const load = offered > 0 ? `offered at ${offered}/s, at most ${concurrency} in flight` : `${concurrency} concurrent clients`;
  pair(`(a) create, ${load}, up to ${createsPerRound} per round`, '≥ 75/s, p99 < 200 ms', createRounds, 'HTTP POST /api/tickets', 'raw insertOne');
  console.log(`\n(b) department open lists, sequential, ${listQueries} per series and round, medians of ${rounds} rounds (target p99 < 100 ms); open tickets in scope at seeding: ${[...openIn].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  console.log(table(
    ['query', 'p50', 'p99', 'p50 per round', 'p99 per round'],
    listSeries.map((s, i) => {
      const r = listRounds[i]!;
      return [s.name, ms(median(r.map((x) => x.p50))), ms(median(r.map((x) => x.p99))), r.map((x) => ms(x.p50)).join(' / '), r.map((x) => ms(x.p99)).join(' / ')];
    }),
  ));
  pair(`(c) accept (签收), ${load}, ${acceptsPerRound} per round`, '≥ 100/s', acceptRounds, 'HTTP POST /api/tickets/:id/accept', 'raw findOneAndUpdate {_id, version}');

  const finalSize = await sizes(bench, connection);
  console.log(`\nAPI process (api/server.ts, pid ${api.pid}) after the run: RSS ${mib(memory.rss)} (peak ${mib(peakRss)}), heap used ${mib(memory.heapUsed)} of ${mib(memory.heapTotal)}, external ${mib(memory.external)}; at start RSS ${mib(afterStart.rss)}, heap used ${mib(afterStart.heapUsed)}`);
  console.log(`data size after seeding ${ticketCount} tickets: ${seededSize}`);
  console.log(`data size at the end (${ticketCount + 2 * created + rounds * 2 * acceptsPerRound} tickets): ${finalSize}`);

  // ---- why: DocumentDB's plans and the commands of one use case ----
  const sampleId = new Types.ObjectId(parents[Math.floor(parents.length / 2)] ?? probe.id);
  console.log('\nDocumentDB plans (explain through FerretDB; PostgreSQL execution time by EXPLAIN ANALYZE on the engine):');
  const plans: [string, Record<string, unknown>, Record<string, 1 | -1> | undefined, number | undefined][] = [
    ['open list HOUSING', { scope: departments.HOUSING.id, state: { $in: open } }, { _id: -1 }, 51],
    ['open list CHAOYANG', { scope: departments.CHAOYANG.id, state: { $in: open } }, { _id: -1 }, 51],
    ['ticket by _id (load, compare-and-set)', { _id: sampleId }, undefined, undefined],
    ['ticket by _id and version', { _id: sampleId, version: 1 }, undefined, undefined],
  ];
  for (const [name, filter, sort, limit] of plans) {
    const plan = await explainFind(connection, 'tickets', filter, sort, limit);
    const executed = bench.embedded ? `; executed in ${ms(analyzeFind(bench, 'tickets', filter, sort, limit).executionMs)}` : '';
    console.log(`  ${name}: ${plan}${executed}`);
  }
  const operator: Actor = { userId: world.operatorIds[0]!, username: 'operator1', roles: ['operator'], departmentId: null, via: 'session' };
  const profileBody = intakeBody(created + 1, messages[11]!) as unknown as Parameters<typeof services.tickets.intake>[1];
  const intakeProfile = await profileCommands(uri, bench.dbName, (s) => s.tickets.intake({ actor: operator, now: new Date() }, profileBody));
  const [acceptTarget] = await withNumbers(async () => {
    const docs = [dispatchedTo(factory, departments.HOUSING, new Date())];
    await tickets.insertMany(docs);
    return docs;
  });
  const acceptProfile = await profileCommands(uri, bench.dbName, (s) => s.tickets.act({ actor: housing.actor, now: new Date() }, String(acceptTarget!._id), 'accept', {}));
  for (const [name, profile] of [['Tickets.intake', intakeProfile], ['Tickets.act accept', acceptProfile]] as const) {
    const commands = profile.rows.reduce((sum, r) => sum + r.count, 0);
    console.log(`\nthe database commands of one ${name}, alone: ${commands} commands, ${ms(profile.wallMs)} wall`);
    console.log(table(['command collection {filter keys}', 'count', 'summed ms'], profile.rows.map((r) => [r.command, String(r.count), ms(r.ms)])).replace(/^/gm, '  '));
  }
  if (createCpuRounds.length) {
    console.log(`\nCPU per HTTP request, by process (ms of CPU time from /proc, medians of ${rounds} rounds; 'bench' is the load generator; all four share 2 cores with whatever else runs)`);
    const cpuRow = (name: string, rows: CpuSnapshot[]) => [name, ...(['api', 'ferretdb', 'postgres', 'bench'] as const).map((k) => ms(median(rows.map((r) => r[k]))))];
    console.log(table(['request', 'API process', 'FerretDB', 'PostgreSQL', 'bench'], [cpuRow('POST /api/tickets', createCpuRounds), cpuRow('POST /api/tickets/:id/accept', acceptCpuRounds)]).replace(/^/gm, '  '));
  }
  for (const [name, waits] of [['HTTP creates', createWaits], ['HTTP accepts', acceptWaits]] as const) {
    if (!waits.samples) continue;
    const rows = [...waits.waits].sort((a, b) => b[1] - a[1]).slice(0, 10);
    console.log(`\nPostgreSQL sessions during the ${name} (pg_stat_activity every 50 ms, ${waits.samples} samples): what the active sessions were doing, per sample`);
    console.log(table(['wait (CPU = running; lock waits name the collection)', 'sessions per sample'], rows.map(([wait, count]) => [wait, (count / waits.samples).toFixed(2)])).replace(/^/gm, '  '));
  }
  console.log(`\nload average after the measured rounds: ${loadAfter}`);
}

function perRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number, _wallMs: number): CpuSnapshot {
  const per = (k: keyof CpuSnapshot) => (after[k] - before[k]) / Math.max(1, requests);
  return { api: per('api'), ferretdb: per('ferretdb'), postgres: per('postgres'), bench: per('bench') };
}

function addWaits(into: { samples: number; waits: Map<string, number> }, sampled: { samples: number; waits: { wait: string; count: number }[] }): void {
  into.samples += sampled.samples;
  for (const { wait, count } of sampled.waits) into.waits.set(wait, (into.waits.get(wait) ?? 0) + count);
}

/** A ticket dispatched just now to `department` as lead (no assists): what its user accepts. */
function dispatchedTo(factory: TicketFactory, department: WorldDepartment, at: Date): TicketDoc {
  const createdAt = new Date(at.getTime() - (5 + factory.random() * 55) * 60_000);
  const { ticket: draft, category } = factory.draft({ createdAt });
  const ticket: Ticket = factory.act(draft, 'dispatch', { lead: { id: department.id, ancestors: department.ancestors }, assists: [] }, factory.dispatcherActor, at, category.limits);
  return { _id: factory.objectIdAt(createdAt), ...ticket };
}

/** The sizes, as one line: the tickets collection and its indexes (also per 100k tickets), the database, the folder. */
async function sizes(bench: BenchDatabase, connection: Connection): Promise<string> {
  const stats = (await connection.db!.command({ collStats: 'tickets' })) as { count: number; size: number; storageSize: number; totalIndexSize: number };
  // collStats' count is PostgreSQL's estimate (the last ANALYZE): count them.
  stats.count = await connection.db!.collection('tickets').countDocuments({});
  const all = await bench.size();
  if (!bench.embedded) return `tickets ${stats.count}: ${mib(stats.storageSize)} stored + ${mib(stats.totalIndexSize)} indexes; dbStats ${mib(all.dbStatsTotal)}`;
  const per100k = (bytes: number) => mib((bytes / stats.count) * 100_000);
  return `tickets ${stats.count}: ${mib(stats.storageSize)} stored + ${mib(stats.totalIndexSize)} indexes (per 100k tickets ${per100k(stats.storageSize)} + ${per100k(stats.totalIndexSize)}); ` +
    `dbStats ${mib(all.dbStatsTotal)}, pg_database_size ${mib(all.pgDatabase)}, PostgreSQL folder (du) ${mib(all.folder)} of which WAL ${mib(all.wal)}`;
}
