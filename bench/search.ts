/**
 * Chinese keyword search at scale (issue 10's acceptance: p99 < 300 ms at 100k and at 500k tickets):
 *   npm run bench -- search [--tickets 100000] [--queries 50] [--seed 12345]
 * Seeds tickets with the citizens' messages through the product's lifecycle (bench/lib/seed.ts), so
 * each carries the `terms` that `newTicket` gives it, and counts in how many tickets each term is.
 * Then, in the same run, --queries queries per series, one at a time:
 *   - `Tickets.search` (limit 20) as a dispatcher (every ticket) and as the housing bureau's staff
 *     (its scope) for the most frequent terms, terms in about 1 % of the tickets, rare terms, and
 *     message subjects (several terms);
 *   - `duplicateCandidates` with a whole message as its text (its first 12 terms);
 *   - beside them the raw driver: one term's newest 20 (`find({terms}).sort({_id: -1}).limit(20)`),
 *     and the tickets holding any of a subject's terms (`$in`, limit 20, unranked);
 * and the engine's plans of one term's lookups: unbounded (what search avoids) and over its last 64 hours.
 */
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import type { Actor } from '../core/accounts/access.js';
import { seededRandom } from '../core/platform/seeded-random.js';
import { tokenizeForIndex } from '../core/search/tokenize.js';
import { ticketTerms } from '../core/tickets/ticket.js';
import { duplicateCandidates } from '../core/tickets/duplicates.js';

import { type BenchDatabase, runBench } from './lib/database.js';
import { insertInBatches, termsOf, ticketSink, withIndexesBuiltAfter, intakeTimeFor, lifecycleTicket, loadMessages, setupWorld, TicketFactory, type TicketDoc, stateChooser } from './lib/seed.js';
import { median, ms, percentile, table } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '50' },
    seed: { type: 'string', default: '12345' },
  },
});
const ticketCount = Number(options.tickets);
const queryCount = Math.max(1, Number(options.queries));

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

await runBench('search', `${ticketCount} seeded tickets, ${queryCount} queries per series`, run);

async function run({ services, connection }: BenchDatabase): Promise<void> {
  const now = new Date();
  const world = await setupWorld(services, now);
  const messages = loadMessages();
  const random = seededRandom(Number(options.seed));
  const factory = new TicketFactory(world, messages, random, ticketCount);
  const sink = ticketSink(connection.db!);
  const termDocs = connection.db!.collection('ticket_terms');

  const targetOf = stateChooser(random);
  const housing = world.byCode.get('HOUSING')!;
  const frequency = new Map<string, number>();
  let inHousingScope = 0;
  let termCount = 0;
  const parents: string[] = [];
  log(`seeding ${ticketCount} tickets`);
  let seeding = { insertMs: 0, buildMs: 0 };
  const indexMs = await withIndexesBuiltAfter(sink.collections, async () => { seeding = await insertInBatches(sink, ticketCount, () => {
    const target = targetOf();
    const doc = lifecycleTicket(factory, target, intakeTimeFor(random, target, now), now, parents);
    if (parents.length < 5000 && random() < 0.1) parents.push(String(doc._id));
    const terms = ticketTerms(doc);
    for (const term of terms) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    termCount += terms.length;
    if (doc.scope.includes(housing.id)) inHousingScope += 1;
    return doc;
  }, { progress: (done, elapsed) => done % 20_000 === 0 && log(`  ${done} tickets, ${ms(elapsed)}`) }); });
  console.log(`\nseeded ${ticketCount} tickets in ${ms(seeding.buildMs + seeding.insertMs + indexMs)}: building, with newTicket's terms, ${ms(seeding.buildMs)}; insertMany×1000 ${ms(seeding.insertMs)}; then the secondary indexes (terms among them) built in ${ms(indexMs)}`);
  console.log(`  ${frequency.size} distinct terms, ${(termCount / ticketCount).toFixed(1)} per ticket; ${inHousingScope} tickets in the housing bureau's scope`);
  const byFrequency = [...frequency].sort((a, b) => b[1] - a[1]);
  const share = (n: number) => `${((n / ticketCount) * 100).toFixed(1)} %`;
  const pickTerms = (rows: [string, number][]) => rows.slice(0, queryCount);
  const frequent = pickTerms(byFrequency);
  const middling = pickTerms(byFrequency.filter(([, n]) => n >= ticketCount * 0.005 && n <= ticketCount * 0.02));
  const rare = pickTerms(byFrequency.filter(([, n]) => n >= 5 && n <= 50));
  const subjects = messages.map((m) => m.subject).filter((s) => tokenizeForIndex(s).length >= 2).slice(0, queryCount);
  const probes = messages.slice(0, queryCount).map((m) => `${m.subject} ${m.content}`);
  const describe = (rows: [string, number][]) => (rows.length ? `${share(rows.at(-1)![1])}–${share(rows[0]![1])} of the tickets` : 'none');
  console.log(`  query terms: frequent ${describe(frequent)} (${frequent.slice(0, 5).map(([t]) => t).join(' ')} …), middling ${describe(middling)}, rare ${describe(rare)}`);

  const dispatcher: Actor = { userId: world.dispatcherId, username: 'dispatcher1', roles: ['dispatcher'], departmentId: null, via: 'session' };
  const staff: Actor = { userId: 'bench-housing-staff', username: 'housing-staff', roles: ['department_staff'], departmentId: housing.id, via: 'session' };
  const operator: Actor = { ...dispatcher, roles: ['operator'], username: 'operator1', userId: world.operatorIds[0]! };
  const series: { name: string; inputs: string[]; run: (input: string) => Promise<number> }[] = [];
  const search = (actor: Actor) => async (q: string) => (await services.tickets.search(actor, q, 20, now)).length;
  const rawOneTerm = async (term: string) => (await termDocs.find({ terms: term }).sort({ _id: -1 }).limit(20).toArray()).length;
  const rawAnyTerm = async (q: string) => (await termDocs.find({ terms: { $in: tokenizeForIndex(q) } }).limit(20).toArray()).length;
  for (const [label, rows] of [['frequent', frequent], ['~1 %', middling], ['rare', rare]] as const) {
    const words = rows.map(([t]) => t);
    series.push({ name: `Tickets.search(dispatcher, ${label} term)`, inputs: words, run: search(dispatcher) });
    series.push({ name: `Tickets.search(housing staff, ${label} term)`, inputs: words, run: search(staff) });
    series.push({ name: `raw find {terms: ${label} term} sort _id -1 limit 20`, inputs: words, run: rawOneTerm });
  }
  series.push({ name: 'Tickets.search(dispatcher, message subject)', inputs: subjects, run: search(dispatcher) });
  series.push({ name: 'Tickets.search(housing staff, message subject)', inputs: subjects, run: search(staff) });
  series.push({ name: 'raw find {terms: $in subject terms} limit 20', inputs: subjects, run: rawAnyTerm });
  series.push({
    name: 'duplicateCandidates(operator, whole message)', inputs: probes,
    run: async (text) => (await duplicateCandidates(services.tickets, operator, { text }, now)).length,
  });

  const rows: string[][] = [];
  for (const { name, inputs, run: query } of series) {
    if (inputs.length === 0) continue;
    log(name);
    await query(inputs[0]!);
    const latencies: number[] = [];
    let found = 0;
    for (let i = 0; i < queryCount; i++) {
      const at = performance.now();
      found += await query(inputs[i % inputs.length]!);
      latencies.push(performance.now() - at);
    }
    rows.push([name, String(latencies.length), (found / latencies.length).toFixed(1), ms(median(latencies)), ms(percentile(latencies, 99)), ms(Math.max(...latencies))]);
  }
  console.log(`\nsearch, one query at a time\n${table(['', 'n', 'found/query', 'p50', 'p99', 'max'], rows)}`);

  // What the terms cost a write: intake-shaped tickets inserted one at a time, and their terms documents.
  const writes: string[][] = [];
  for (const round of [1, 2]) {
    const docs = Array.from({ length: 100 }, () => ({ ...factory.draft({ createdAt: now }).ticket, _id: factory.objectIdAt(now) }));
    for (const [label, insert] of [['ticket', (doc: TicketDoc) => sink.tickets.insertOne(doc)], ['its terms document', (doc: TicketDoc) => termDocs.insertOne(termsOf(doc))]] as const) {
      const latencies: number[] = [];
      for (const doc of docs) {
        const at = performance.now();
        await insert(doc);
        latencies.push(performance.now() - at);
      }
      writes.push([`round ${round} raw insertOne, ${label}`, String(latencies.length), ms(median(latencies)), ms(percentile(latencies, 99))]);
    }
  }
  console.log(`\n${table(['', 'n', 'p50', 'p99'], writes)}`);

  const since = Types.ObjectId.createFromTime(Math.floor(now.getTime() / 1000) - 64 * 3600);
  console.log('\nplans of one term\'s lookup, newest first (sort {_id: -1}, limit 100):');
  for (const [label, term] of [['most frequent', frequent[0]?.[0]], ['rare', rare[0]?.[0]]] as const) {
    if (!term) continue;
    for (const filter of [{ terms: term }, { terms: term, _id: { $gte: since } }]) {
      const explained = (await connection.db!.command({ explain: { find: 'ticket_terms', filter, sort: { _id: -1 }, limit: 100 }, verbosity: 'queryPlanner' })) as { queryPlanner?: unknown };
      console.log(`  ${label} term${'_id' in filter ? ', last 64 hours' : ''}: ${planSteps(explained.queryPlanner)}`);
    }
  }
}

/** The plan's steps, outermost first: PostgreSQL's node types with the index each reads. */
function planSteps(plan: unknown): string {
  const steps: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as { 'Node Type'?: string; 'Index Name'?: string; 'Scan Direction'?: string; Plan?: unknown; Plans?: unknown[] };
    if (n['Node Type']) steps.push(`${n['Node Type']}${n['Index Name'] ? ` (${n['Index Name']}${n['Scan Direction'] === 'Backward' ? ', backward' : ''})` : ''}`);
    walk(n.Plan);
    for (const child of n.Plans ?? []) walk(child);
  };
  walk(plan);
  return steps.join(' → ') || JSON.stringify(plan).slice(0, 300);
}
