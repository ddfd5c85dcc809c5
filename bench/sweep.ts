/**
 * The deadline sweep at scale (issue 10's acceptance: finding due tickets < 200 ms and 4,500 due
 * warned in < 10 s among 100k and 500k open tickets), on a fresh database of the embedded engine,
 * or of the server MONGODB_URI names:
 *   npm run bench -- sweep [--tickets 100000] [--due 0.01] [--window 5] [--rounds 3] [--concurrency 8] [--budget 10] [--now ISO]
 * Seeds open tickets (dispatched / in handling) whose next deadlines spread over the coming weeks, as
 * earlier sweeps would have left them, with the --due share falling in the last --window minutes
 * before `now`. Then, in the same run, each --rounds times (median): the raw driver's range query
 * (one batch as the sweep reads it, and every due ticket), and `DeadlineSweep.run(now)` (the due
 * tickets and what the sweep wrote are restored between rounds; the last round is command-monitored).
 * A sweep still running after --budget minutes is reported with its progress, and the benchmark
 * stops there. `now` defaults to 15:00 Beijing time on the first working day from today, so that
 * deadlines (in working time) can fall in the minutes before it.
 */
import { parseArgs } from 'node:util';
import type { AnyBulkWriteOperation, Db } from 'mongodb';
import { chinaDateKey } from '../core/clocks/index.js';
import { DeadlineSweep, type SweepReport } from '../core/sla/deadline-sweep.js';
import type { Services } from '../core/services.js';
import { profileCommands, type BenchDatabase, type CommandProfile, runBench } from './lib/database.js';
import { DueTickets, insertInBatches, ticketSink, loadMessages, openTicketForSweep, setupWorld, TicketFactory, type TicketDoc } from './lib/seed.js';
import { seededRandom } from '../core/platform/seeded-random.js';
import { median, ms, rate, table, timed } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    due: { type: 'string', default: '0.01' },
    window: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    budget: { type: 'string', default: '10' },
    now: { type: 'string' },
    seed: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '8' },
  },
});
const ticketCount = Number(options.tickets);
const dueShare = Number(options.due);
const windowMinutes = Number(options.window);
const rounds = Math.max(1, Number(options.rounds));
const budgetMs = Number(options.budget) * 60_000;
/** As `DeadlineSweep` reads them. */
const batchSize = 500;
const sweepOptions = { batchSize, concurrency: Number(options.concurrency) };

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

await runBench('sweep', `${ticketCount} open tickets, ${(dueShare * 100).toFixed(2)} % due in the last ${windowMinutes} minutes, ${rounds} rounds, ${options.budget} min budget per sweep`, run);

async function run({ services, connection, server }: BenchDatabase): Promise<void> {
  console.log(`engine: ${server.engine}`);
  const today = new Date();
  const world = await setupWorld(services, today);
  const now = options.now ? new Date(options.now) : sweepInstant(world.settings.calendar.isWorkingDay.bind(world.settings.calendar), today);
  const through = new Date(now.getTime() - windowMinutes * 60_000);
  console.log(`now ${now.toISOString()} (Beijing ${chinaDateKey(now)} ${new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(11, 16)})`);

  const random = seededRandom(Number(options.seed));
  const factory = new TicketFactory(world, loadMessages(), random, ticketCount);
  const due = new DueTickets(factory, { now, through });
  const raw = connection.db!;
  const sink = ticketSink(raw);
  const { tickets } = sink;
  const originals: TicketDoc[] = [];
  const states = new Map<string, number>();
  let redraws = 0;
  log(`seeding ${ticketCount} tickets`);
  const seeding = await insertInBatches(sink, ticketCount, (i) => {
    if (Math.floor((i + 1) * dueShare) > Math.floor(i * dueShare)) {
      const doc = due.build();
      originals.push(doc);
      return doc;
    }
    for (;;) {
      const doc = openTicketForSweep(factory, { now, through });
      if (doc) {
        states.set(doc.state, (states.get(doc.state) ?? 0) + 1);
        return doc;
      }
      redraws += 1;
    }
  }, { progress: (done, elapsed) => done % 25_000 === 0 && log(`  ${done} tickets, ${ms(elapsed)}`) });
  await raw.collection<{ _id: string; last: number }>('ticket_counters').insertMany(factory.counters());
  const seedMs = seeding.buildMs + seeding.insertMs;
  const stats = (await raw.command({ collStats: 'tickets' }).catch(() => ({}))) as { size?: number; totalIndexSize?: number };
  console.log(`\nseeded ${ticketCount} tickets (${originals.length} due) in ${ms(seedMs)} (${rate((ticketCount / seedMs) * 1000)}/s): building by the lifecycle ${ms(seeding.buildMs)}, insertMany×1000 ${ms(seeding.insertMs)} (${rate((ticketCount / seeding.insertMs) * 1000)} docs/s); ${redraws} redraws of tickets that fell due by chance`);
  console.log(`  not due: ${[...states].map(([s, n]) => `${s} ${n}`).join(', ')}; due: dispatched, accept clock turning yellow; tickets ${mib(stats.size)} MiB, their indexes ${mib(stats.totalIndexSize)} MiB`);

  // ---- the raw driver's range query, each `rounds` times ----
  const dueFilter = { nextDeadlineAt: { $lte: now } };
  const order = { nextDeadlineAt: 1, _id: 1 } as const;
  const queries = [
    { name: `one batch: find({nextDeadlineAt: {$lte: now}}).sort({nextDeadlineAt: 1, _id: 1}).limit(${batchSize})`, run: async () => (await tickets.find(dueFilter).sort(order).limit(batchSize).toArray()).length },
    { name: 'every due ticket: find({nextDeadlineAt: {$lte: now}})', run: async () => (await tickets.find(dueFilter).toArray()).length },
    { name: 'how many are due: countDocuments({nextDeadlineAt: {$lte: now}})', run: () => tickets.countDocuments(dueFilter) },
  ];
  const measured: { times: number[]; count: number }[] = [];
  for (const q of queries) {
    const times: number[] = [];
    let count = 0;
    for (let round = 0; round < rounds; round++) {
      const { ms: elapsed, value } = await timed(q.run);
      times.push(elapsed);
      count = value;
    }
    measured.push({ times, count });
  }
  console.log(`\nthe raw driver's range query over ${ticketCount} tickets (median of ${rounds} rounds)`);
  console.log(table(['query', 'documents', 'median', 'each run'], queries.map((q, i) => {
    const { times, count } = measured[i]!;
    return [q.name, String(count), ms(median(times)), times.map(ms).join(' / ')];
  })));
  console.log(`plan of one batch: ${await plan(raw, dueFilter, order)}`);
  const batchMs = median(measured[0]!.times);

  // ---- the sweep ----
  // The ids of every other collection's rows, so that a restore removes exactly what the sweep added.
  const before = new Map<string, unknown[]>();
  for (const { name } of await raw.listCollections().toArray()) {
    if (name !== 'tickets') before.set(name, (await raw.collection(name).find({}, { projection: { _id: 1 } }).toArray()).map((row) => row._id));
  }
  const sweepRows: string[][] = [];
  const reports: (SweepReport & { ms: number })[] = [];
  let profile: CommandProfile | undefined;
  for (let round = 1; round <= rounds; round++) {
    if (round > 1) await restore(raw, before, originals);
    const monitored = round === rounds && rounds > 1;
    log(`sweep round ${round}${monitored ? ' (command-monitored)' : ''}`);
    const began = performance.now();
    const sweepOnce = async ({ tickets, repositories }: Pick<Services, 'tickets' | 'repositories'>) => {
      const sweep = new DeadlineSweep(tickets, repositories.tickets, sweepOptions);
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), budgetMs)));
      const result = await Promise.race([sweep.run(now).then((report) => ({ report }), (error: unknown) => ({ error })), expired]);
      clearTimeout(timer);
      return result;
    };
    let outcome: Awaited<ReturnType<typeof sweepOnce>> = 'expired';
    if (monitored) profile = await profileCommands(server.uri, connection.name, async (s) => void (outcome = await sweepOnce(s)));
    else outcome = await sweepOnce(services);
    const elapsed = performance.now() - began;
    if (outcome === 'expired') {
      const warned = await raw.collection('ticket_events').countDocuments({ action: 'warn' });
      console.log(`\nsweep round ${round} did NOT finish within ${options.budget} min: ${warned} of ${originals.length} due tickets warned after ${ms(elapsed)}`);
      if (warned > 0) console.log(`  ≈ ${ms(elapsed / warned)} per warned ticket; the whole sweep would take about ${ms((originals.length * elapsed) / warned)}`);
      console.log('stopping here: the sweep is abandoned and the database removed.');
      break;
    }
    if ('error' in outcome) throw outcome.error;
    const r = outcome.report;
    reports.push({ ...r, ms: elapsed });
    sweepRows.push([`round ${round}${monitored ? ' (monitored)' : ''}`, ms(elapsed), String(r.examined), String(r.warned), String(r.supervised), String(r.conflicts), rate((r.warned / elapsed) * 1000)]);
  }
  if (reports.length) {
    const medianMs = median(reports.map((r) => r.ms));
    const warned = median(reports.map((r) => r.warned));
    sweepRows.push(['median', ms(medianMs), String(median(reports.map((r) => r.examined))), String(warned), '', '', rate((warned / medianMs) * 1000)]);
    console.log(`\nDeadlineSweep.run(now) over ${ticketCount} open tickets, ${originals.length} due (batches of ${batchSize}, ${sweepOptions.concurrency} tickets at a time; the raw driver reads one batch in ${ms(batchMs)})`);
    console.log(table(['', 'time', 'examined', 'warned', 'supervised', 'conflicts', 'warned/s'], sweepRows));
    if (profile) {
      console.log(`  the database commands of round ${rounds} (durations summed, overlapping when concurrent):`);
      console.log(table(['command collection {filter keys}', 'count', 'summed ms'], profile.rows.slice(0, 14).map((r) => [r.command, String(r.count), ms(r.ms)])).replace(/^/gm, '    '));
    }
  }
}

function mib(bytes: number | undefined): string {
  return ((bytes ?? 0) / 2 ** 20).toFixed(0);
}

/**
 * The stages and indexes of the engine's plan, from its `explain`: MongoDB's winning plan, or the
 * PostgreSQL plan FerretDB 2 returns.
 */
async function plan(raw: Db, filter: object, sort: object): Promise<string> {
  const explained = (await raw.command({ explain: { find: 'tickets', filter, sort, limit: batchSize }, verbosity: 'queryPlanner' })) as { queryPlanner?: { winningPlan?: unknown } };
  const steps: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const { stage = (node as Record<string, unknown>)['Node Type'], indexName = (node as Record<string, unknown>)['Index Name'] } = node as { stage?: unknown; indexName?: unknown };
    if (typeof stage === 'string') steps.push(typeof indexName === 'string' ? `${stage}(${indexName})` : stage);
    for (const value of Object.values(node)) walk(value);
  };
  walk(explained.queryPlanner?.winningPlan ?? explained.queryPlanner);
  return steps.join(' < ') || JSON.stringify(explained).slice(0, 400);
}

/** The first working day from `from` (China date), at 15:00 Beijing time. */
function sweepInstant(isWorkingDay: (date: string) => boolean, from: Date): Date {
  for (let day = 0; day < 30; day++) {
    const date = chinaDateKey(new Date(from.getTime() + day * 86_400_000));
    if (isWorkingDay(date)) return new Date(`${date}T07:00:00Z`);
  }
  throw new Error('no working day in the next 30 days');
}

/** Puts the due tickets and the collections the sweep wrote to back as they were seeded. */
async function restore(raw: Db, before: Map<string, unknown[]>, originals: TicketDoc[]): Promise<void> {
  for (const { name } of await raw.listCollections().toArray()) {
    if (name === 'tickets') continue;
    const ids = before.get(name) ?? [];
    if ((await raw.collection(name).estimatedDocumentCount()) === ids.length) continue;
    await raw.collection(name).deleteMany({ _id: { $nin: ids as never[] } });
  }
  const tickets = raw.collection<TicketDoc>('tickets');
  for (let first = 0; first < originals.length; first += 500) {
    const ops: AnyBulkWriteOperation<TicketDoc>[] = originals.slice(first, first + 500).map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc } }));
    await tickets.bulkWrite(ops, { ordered: false });
  }
}
