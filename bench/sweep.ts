/**
 * The deadline sweep at scale (issue 4's acceptance: one sweep over 450k open tickets with 1 % due),
 * on a fresh embedded FerretDB in a temporary directory:
 *   npm run bench -- sweep [--tickets 450000] [--due 0.01] [--window 5] [--rounds 3] [--scan-rounds 1] [--budget 10] [--now ISO]
 * Seeds open tickets (dispatched / in handling) whose next deadlines spread over the coming weeks, as
 * earlier sweeps would have left them, with the --due share falling in the last --window minutes
 * before `now`, and lists each under its deadline minute as the ticket writes would have
 * (`deadline_minutes`, one entry per ticket); the sweep mark says the previous sweep ran --window
 * minutes before `now`. Then, in the same run: the reads the sweep makes (each --rounds times,
 * median), the queries that decode every ticket on FerretDB (the baseline range query
 * `{nextDeadlineAt: {$lte: now}}` and the `{deadlineMinute}` query the sweep made before the minute
 * lists; each --scan-rounds times), and `DeadlineSweep.run(now)` --rounds times (the due tickets,
 * their minute lists and what the sweep wrote are restored between rounds). A sweep still running
 * after --budget minutes is reported with its progress and a projection, and the benchmark stops there.
 * `now` defaults to 15:00 Beijing time on the first working day from today, so that deadlines (in
 * working time) can fall in the minutes before it.
 */
import { parseArgs } from 'node:util';
import type { Types } from 'mongoose';
import { chinaDateKey } from '../core/clocks/index.js';
import { deadlineMinuteOf } from '../core/tickets/ticket-lifecycle.js';
import { deadlineSlotId, DeadlineMinutes, type DeadlineEntry } from '../core/sla/deadline-minutes.js';
import type { SweepReport } from '../core/sla/deadline-sweep.js';
import type { Services } from '../core/services.js';
import { explainFind, openBenchDatabase, profileCommands, type BenchDatabase, type CommandProfile } from './lib/database.js';
import { DueTickets, insertInBatches, loadMessages, openTicketForSweep, setupWorld, TicketFactory, type TicketDoc } from './lib/seed.js';
import { seededRandom } from '../core/platform/seeded-random.js';
import { loadAverage, machineNotes, median, ms, rate, table, timed } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    tickets: { type: 'string', default: '450000' },
    due: { type: 'string', default: '0.01' },
    window: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'scan-rounds': { type: 'string', default: '1' },
    budget: { type: 'string', default: '10' },
    now: { type: 'string' },
    seed: { type: 'string', default: '4' },
  },
});
const ticketCount = Number(options.tickets);
const dueShare = Number(options.due);
const windowMinutes = Number(options.window);
const rounds = Math.max(1, Number(options.rounds));
const scanRounds = Math.max(1, Number(options['scan-rounds']));
const budgetMs = Number(options.budget) * 60_000;

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const startedAt = performance.now();
console.log(`sweep benchmark: ${ticketCount} open tickets, ${(dueShare * 100).toFixed(2)} % due in the last ${windowMinutes} minutes, ${rounds} rounds, ${options.budget} min budget per sweep`);
console.log(`machine: ${machineNotes()}; load average at start: ${loadAverage()}`);

const db = await openBenchDatabase('sweep');
try {
  await run(db);
} finally {
  await db.close();
}
console.log(`\nload average at end: ${loadAverage()}; whole run ${ms(performance.now() - startedAt)}; temporary database removed`);

async function run({ services, connection, size, server: { uri } }: BenchDatabase): Promise<void> {
  const today = new Date();
  const world = await setupWorld(services, today);
  const now = options.now ? new Date(options.now) : sweepInstant(world.settings.calendar.isWorkingDay.bind(world.settings.calendar), today);
  const through = new Date(now.getTime() - windowMinutes * 60_000);
  // What the previous sweep, run at `through`, stored as its mark; this one walks the minutes after it.
  const mark = deadlineMinuteOf(new Date(through.getTime() - 60_000 + 1));
  const lastMinute = deadlineMinuteOf(new Date(now.getTime() - 60_000 + 1));
  console.log(`now ${now.toISOString()} (Beijing ${chinaDateKey(now)} ${new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(11, 16)}), mark through ${mark}, minutes to walk up to ${lastMinute}`);

  const random = seededRandom(Number(options.seed));
  const factory = new TicketFactory(world, loadMessages(), random, ticketCount);
  const due = new DueTickets(factory, { now, through });
  const tickets = connection.db!.collection<TicketDoc>('tickets');
  const originals: TicketDoc[] = [];
  const states = new Map<string, number>();
  // Each ticket under its deadline minute, in the next slot, as the ticket writes list them.
  const listing: DeadlineEntry[] = [];
  const slots = new Map<string, number>();
  const list = (doc: TicketDoc) => {
    const slot = slots.get(doc.deadlineMinute!) ?? 0;
    slots.set(doc.deadlineMinute!, slot + 1);
    listing.push({ _id: deadlineSlotId(doc.deadlineMinute!, slot), ticketId: String(doc._id) });
    return doc;
  };
  let redraws = 0;
  log(`seeding ${ticketCount} tickets`);
  const seeding = await insertInBatches(tickets, ticketCount, (i) => {
    if (Math.floor((i + 1) * dueShare) > Math.floor(i * dueShare)) {
      const doc = due.build();
      originals.push(doc);
      return list(doc);
    }
    for (;;) {
      const doc = openTicketForSweep(factory, { now, through });
      if (doc) {
        states.set(doc.state, (states.get(doc.state) ?? 0) + 1);
        return list(doc);
      }
      redraws += 1;
    }
  }, { progress: (done, elapsed) => done % 25_000 === 0 && log(`  ${done} tickets, ${ms(elapsed)}`) });
  log(`listing ${listing.length} tickets under their deadline minutes`);
  const entries = connection.db!.collection<DeadlineEntry>('deadline_minutes');
  const listingMs = (await insertInBatches(entries, listing.length, (i) => listing[i]!)).insertMs;
  listing.length = 0;
  await connection.db!.collection<{ _id: string; last: number }>('ticket_counters').insertMany(factory.counters());
  await connection.db!.collection<{ _id: string; through: string }>('sweep_marks').insertOne({ _id: 'deadlines', through: mark });
  const seedMs = seeding.buildMs + seeding.insertMs;
  console.log(`\nseeded ${ticketCount} tickets (${originals.length} due) in ${ms(seedMs)} (${rate((ticketCount / seedMs) * 1000)}/s): building by the lifecycle ${ms(seeding.buildMs)}, insertMany×1000 ${ms(seeding.insertMs)} (${rate((ticketCount / seeding.insertMs) * 1000)} docs/s); ${redraws} redraws of tickets that fell due by chance`);
  console.log(`  minute lists: ${ticketCount} entries in ${slots.size} minutes, insertMany×1000 ${ms(listingMs)}`);
  const dueMinutes = new Map<string, number>();
  for (const doc of originals) dueMinutes.set(doc.deadlineMinute!, (dueMinutes.get(doc.deadlineMinute!) ?? 0) + 1);
  console.log(`  not due: ${[...states].map(([s, n]) => `${s} ${n}`).join(', ')}; due (dispatched, accept clock turning yellow) per minute: ${[...dueMinutes].sort().map(([m, n]) => `${m.slice(11)} ${n}`).join(', ')}; database files ${(size() / 2 ** 20).toFixed(0)} MiB`);

  // ---- the queries, each `rounds` times ----
  const model = services.tickets.tickets;
  const minutes = [...dueMinutes.keys()].sort();
  const oneMinute = minutes[Math.floor(minutes.length / 2)] ?? lastMinute;
  const lists = new DeadlineMinutes(connection);
  const readMinute = async (minute: string) => {
    const ids = [...new Set(await lists.listed(minute))];
    let read = 0;
    for (let first = 0; first < ids.length; first += 500) read += (await model.find({ _id: { $in: ids.slice(first, first + 500) } }).lean()).length;
    return read;
  };
  const firstSlots = Array.from({ length: 250 }, (_, slot) => deadlineSlotId(oneMinute, slot));
  const queries: { name: string; run: (round: number) => Promise<number>; explain: () => Promise<string>; scan?: boolean }[] = [
    {
      name: 'baseline: one range query {nextDeadlineAt: {$lte: now}}',
      run: async () => (await model.find({ nextDeadlineAt: { $lte: now } }).lean()).length,
      explain: () => explainFind(connection, 'tickets', { nextDeadlineAt: { $lte: now } }),
      scan: true,
    },
    {
      name: `the sweep's read of one minute ('${oneMinute}'): its list, then its tickets, by _id $in`,
      run: () => readMinute(oneMinute),
      explain: async () => `deadline_minutes ${await explainFind(connection, 'deadline_minutes', { _id: { $in: firstSlots } })}; tickets ${await explainFind(connection, 'tickets', { _id: { $in: originals.slice(0, 500).map((doc) => doc._id) } })}`,
    },
    {
      name: `before the minute lists, the sweep's query {deadlineMinute: '${oneMinute}'}`,
      run: async () => (await model.find({ deadlineMinute: oneMinute }).lean()).length,
      explain: () => explainFind(connection, 'tickets', { deadlineMinute: oneMinute }),
      scan: true,
    },
    {
      name: 'per due ticket: findById (Tickets.load)',
      run: async (round) => ((await model.findById(originals[pickDue(round)]!._id).lean()) ? 1 : 0),
      explain: () => explainFind(connection, 'tickets', { _id: originals[0]!._id }),
    },
    {
      name: 'per due ticket: findOne {_id, version} (_id to SQLite, version filtered in Go)',
      run: async (round) => {
        const doc = originals[pickDue(round)]!;
        return (await model.findOne({ _id: doc._id, version: doc.version }).lean()) ? 1 : 0;
      },
      explain: () => explainFind(connection, 'tickets', { _id: originals[0]!._id, version: originals[0]!.version }),
    },
  ];
  const pickDue = (round: number) => Math.floor(((round + 1) / (rounds + 1)) * originals.length);
  const measured: { times: number[]; count: number }[] = [];
  for (const q of queries) {
    const times: number[] = [];
    let count = 0;
    for (let round = 0; round < (q.scan ? scanRounds : rounds); round++) {
      log(`${q.name}, round ${round + 1}`);
      const { ms: elapsed, value } = await timed(() => q.run(round));
      times.push(elapsed);
      count = value;
    }
    measured.push({ times, count });
  }
  console.log(`\nqueries over ${ticketCount} tickets (median of the rounds: ${rounds}, or ${scanRounds} for the queries that decode every ticket; the per-ticket queries read different due tickets, spread over the table)`);
  console.log(table(['query', 'documents', 'runs', 'median', 'each run'], queries.map((q, i) => {
    const { times, count } = measured[i]!;
    return [q.name, String(count), String(times.length), ms(median(times)), times.map(ms).join(' / ')];
  })));
  console.log('explain (FerretDB 1.24, SQLite):');
  for (const q of queries) console.log(`  ${q.name}: ${await q.explain()}`);
  const baselineMs = median(measured[0]!.times);
  const minuteReadMs = median(measured[1]!.times);

  // ---- the sweep ----
  // The ids of every other collection's rows, so that a restore removes exactly what the sweep added.
  const before = new Map<string, unknown[]>();
  for (const { name } of await connection.db!.listCollections().toArray()) {
    if (!['tickets', 'deadline_minutes'].includes(name)) before.set(name, (await connection.db!.collection(name).find({}, { projection: { _id: 1 } }).toArray()).map((row) => row._id));
  }
  const sweepRows: string[][] = [];
  const reports: (SweepReport & { ms: number })[] = [];
  let profile: CommandProfile | undefined;
  for (let round = 1; round <= rounds; round++) {
    if (round > 1) await restore(connection, before, originals, slots, mark);
    log(`sweep round ${round}${round === rounds && rounds > 1 ? ' (command-monitored)' : ''}`);
    const began = performance.now();
    const sweepOnce = async (sweep: Services['deadlineSweep']) => {
      const running = sweep.run(now).then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      );
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), budgetMs - (performance.now() - began))));
      const result = await Promise.race([running, expired]);
      clearTimeout(timer);
      return result;
    };
    let outcome: Awaited<ReturnType<typeof sweepOnce>> = 'expired';
    if (round === rounds && rounds > 1) {
      profile = await profileCommands(uri, 'bench', async (monitored) => {
        outcome = await sweepOnce(monitored.deadlineSweep);
      });
    } else outcome = await sweepOnce(services.deadlineSweep);
    const elapsed = performance.now() - began;
    if (outcome === 'expired') {
      const warned = await connection.db!.collection('ticket_events').countDocuments({ action: 'warn' });
      const perTicket = warned > 0 ? elapsed / warned : Number.NaN;
      console.log(`\nsweep round ${round} did NOT finish within ${options.budget} min: ${warned} of ${originals.length} due tickets warned after ${ms(elapsed)}`);
      if (warned > 0) console.log(`  ≈ ${ms(perTicket)} per warned ticket, minute reads included; the whole sweep would take about ${ms(originals.length * perTicket)}`);
      console.log('stopping here: the sweep is abandoned and the database removed.');
      break;
    }
    if ('error' in outcome) throw outcome.error;
    reports.push({ ...outcome.report, ms: elapsed });
    const r = outcome.report;
    sweepRows.push([`round ${round}`, ms(elapsed), String(r.minutes), String(r.read), String(r.examined), String(r.warned), String(r.supervised), String(r.conflicts), `×${(elapsed / baselineMs).toFixed(2)}`]);
  }
  if (reports.length) {
    sweepRows.push(['median', ms(median(reports.map((r) => r.ms))), '', String(median(reports.map((r) => r.read))), String(median(reports.map((r) => r.examined))), String(median(reports.map((r) => r.warned))), '', '', `×${(median(reports.map((r) => r.ms)) / baselineMs).toFixed(2)}`]);
    console.log(`\nDeadlineSweep.run(now) over ${ticketCount} open tickets, ${originals.length} due; baseline range query median ${ms(baselineMs)}`);
    console.log(table(['', 'time', 'minutes walked', 'tickets read', 'examined', 'warned', 'supervised', 'conflicts', 'vs baseline query'], sweepRows));
    const perTicket = (median(reports.map((r) => r.ms)) - median(reports.map((r) => r.minutes)) * minuteReadMs) / Math.max(1, median(reports.map((r) => r.examined)));
    console.log(`  ≈ ${ms(perTicket)} per examined ticket after the minute reads (${ms(minuteReadMs)} each: load, category limits, claim, event, counters, minute list, compare-and-set write)`);
    if (profile) {
      console.log(`  the database commands of round ${rounds} (durations summed):`);
      console.log(table(['command collection {filter keys}', 'count', 'summed ms'], profile.rows.slice(0, 12).map((r) => [r.command, String(r.count), ms(r.ms)])).replace(/^/gm, '    '));
    }
  }
}

/** The first working day from `from` (China date), at 15:00 Beijing time. */
function sweepInstant(isWorkingDay: (date: string) => boolean, from: Date): Date {
  for (let day = 0; day < 30; day++) {
    const date = chinaDateKey(new Date(from.getTime() + day * 86_400_000));
    if (isWorkingDay(date)) return new Date(`${date}T07:00:00Z`);
  }
  throw new Error('no working day in the next 30 days');
}

/** Puts the due tickets, their minute lists, the mark and the collections the sweep wrote to back as they were seeded. */
async function restore(connection: BenchDatabase['connection'], before: Map<string, unknown[]>, originals: TicketDoc[], seededSlots: Map<string, number>, mark: string): Promise<void> {
  const db = connection.db!;
  // The sweep listed the tickets it warned under their new deadline minutes, after the seeded slots.
  // (Its writer then remembers those minutes' next slots, so later rounds may leave a gap and a few
  // entries behind in minutes no round walks.)
  const lists = new DeadlineMinutes(connection);
  const moved = new Set<string>();
  for (let first = 0; first < originals.length; first += 500) {
    const ids = originals.slice(first, first + 500).map((doc) => doc._id);
    for (const row of await db.collection<TicketDoc>('tickets').find({ _id: { $in: ids } }, { projection: { deadlineMinute: 1 } }).toArray()) {
      if (row.deadlineMinute) moved.add(row.deadlineMinute);
    }
  }
  for (const minute of moved) {
    const seeded = seededSlots.get(minute) ?? 0;
    const added = Array.from({ length: (await lists.listed(minute)).length - seeded }, (_, i) => deadlineSlotId(minute, seeded + i));
    for (let first = 0; first < added.length; first += 500) await db.collection<DeadlineEntry>('deadline_minutes').deleteMany({ _id: { $in: added.slice(first, first + 500) } });
  }
  for (const { name } of await db.listCollections().toArray()) {
    if (['tickets', 'sweep_marks', 'deadline_minutes'].includes(name)) continue;
    const ids = before.get(name) ?? [];
    if ((await db.collection(name).estimatedDocumentCount()) === ids.length) continue;
    await db.collection(name).deleteMany({ _id: { $nin: ids as never[] } });
  }
  const tickets = db.collection<TicketDoc>('tickets');
  for (const doc of originals) await tickets.replaceOne({ _id: doc._id as Types.ObjectId }, doc);
  await db.collection<{ _id: string; through: string }>('sweep_marks').replaceOne({ _id: 'deadlines' }, { through: mark });
}
