/**
 * The supervisors' dashboard at scale (issue 10's acceptance: p99 < 100 ms), on a fresh embedded
 * engine (FerretDB 2 on PostgreSQL 15 with DocumentDB) in a temporary directory:
 *   npm run bench -- dashboard [--tickets 100000] [--days 60] [--period 30] [--requests 100] [--rounds 3] [--no-tickets]
 * Seeds tickets over the last --days days with the product's own lifecycle (bench/lib/seed.ts), and
 * the roll-ups the 'roll-ups' reaction would have recorded for every event of their histories
 * (ticketRollups, with the hotspot words of the tokenizer). The documented bulk loader of the
 * roll-ups: the deltas are summed in memory per roll-up key, each hotspot day cut to the keys
 * trimHotspots would keep, and written with the product's own DepartmentCounters.record, one change
 * per roll-up document. Each phone ticket also gets the call record it was written from (answered by one
 * of --operators operators; 直办 when the ticket was resolved on the call), plus missed calls at 8 %
 * of those, and each answered call the operator-day deltas its writes record (operatorDayDeltas).
 * Then the API runs as its own process (api/server.ts) and each round measures, sequentially,
 * GET /api/analytics/dashboard over the last --period days (wall time at the client, and the
 * server's own time from its Server-Timing header) against GET /healthz and GET
 * /api/analytics/ranking for the same period. Medians of --rounds rounds. `--tickets 3000` is a quick run.
 */
import { parseArgs } from 'node:util';
import { systemActor, type Actor } from '../core/accounts/access.js';
import { previousPeriod } from '../core/analytics/dashboard.js';
import { asRollup, countersFor, daysBetween, hotspotKeep, hotspotKinds, hotspotWords, rollupsFor, type CounterDelta, type RollupDelta } from '../core/analytics/department-counters.js';
import type { OperatorFigures } from '../core/calls/call-records.js';
import { chinaDateKey, type LimitOverrides } from '../core/clocks/index.js';
import { seededRandom } from '../core/platform/seeded-random.js';
import { tokenizeForIndex } from '../core/search/tokenize.js';
import { decide, type ActionInputs, type TicketAction } from '../core/tickets/ticket-lifecycle.js';
import type { Ticket, TicketState } from '../core/tickets/ticket.js';
import { gaugesOf } from '../core/analytics/gauges.js';
import { operatorDayDeltas } from '../core/analytics/operator-days.js';
import { callKey, durations, type CallRecord } from '../core/calls/call-record.js';
import { type BenchDatabase, runBench } from './lib/database.js';
import {
  benchPassword, insertInBatches, ticketSink, withIndexesBuiltAfter, lifecycleTicket, loadMessages, setupWorld, TicketFactory, type TicketSpec, stateChooser,
} from './lib/seed.js';
import { median, ms, percentile, table, timed } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    days: { type: 'string', default: '60' },
    period: { type: 'string', default: '30' },
    requests: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    'no-tickets': { type: 'boolean', default: false },
    seed: { type: 'string', default: '12345' },
    operators: { type: 'string', default: '80' },
  },
});
const ticketCount = Number(options.tickets);
const spanDays = Number(options.days);
const periodDays = Number(options.period);
const requests = Math.max(20, Number(options.requests));
const rounds = Math.max(1, Number(options.rounds));
const operatorCount = Math.max(1, Number(options.operators));

const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** The factory of the other benchmarks, also keeping what the ticket hook would record for each event. */
class RecordingFactory extends TicketFactory {
  deltas: CounterDelta[] = [];
  rollups: RollupDelta[] = [];
  private readonly wordsOf = new Map<string, string[]>();

  override draft(spec: TicketSpec) {
    const drafted = super.draft(spec);
    this.record({ action: 'intake', at: spec.createdAt, actor: this.operatorActor(), data: {} }, drafted.ticket, null);
    return drafted;
  }

  override act<A extends TicketAction>(ticket: Ticket, action: A, input: ActionInputs[A], actor: Actor, at: Date, limits: LimitOverrides): Ticket {
    const { ticket: next, event } = decide(ticket, action, input, actor, this.env(at, limits));
    next.version = ticket.version + 1;
    this.record({ action: event.action, at, actor, data: event.data }, next, ticket);
    return next;
  }

  take(): { deltas: CounterDelta[]; rollups: RollupDelta[] } {
    const taken = { deltas: this.deltas, rollups: this.rollups };
    this.deltas = [];
    this.rollups = [];
    return taken;
  }

  private record(event: { action: string; at: Date; actor: Actor; data: Record<string, unknown> }, ticket: Ticket, previous: Ticket | null): void {
    const eventActor = { ...event.actor, userId: event.actor.userId || null };
    let words: string[] = [];
    if (event.action === 'intake') {
      // The seed reuses 2,633 messages: segment each text once.
      const text = `${ticket.subject} ${ticket.content}`;
      words = this.wordsOf.get(text) ?? hotspotWords(tokenizeForIndex(text));
      this.wordsOf.set(text, words);
    }
    // As the 'roll-ups' reaction records them (ticketRollups): the departments' counters and the rest.
    const counters = countersFor({ ...event, actor: eventActor }, ticket);
    this.deltas.push(...counters);
    this.rollups.push(...counters.map(asRollup), ...rollupsFor(event, ticket, previous, words));
  }
}

/** Roll-up deltas of many changes summed per roll-up document and key. */
class RollupSums {
  private readonly documents = new Map<string, { kind: RollupDelta['kind']; day: string; keys: Map<string, Record<string, number>> }>();

  add(deltas: readonly RollupDelta[]): void {
    for (const delta of deltas) {
      const id = `${delta.kind}:${delta.day}`;
      const doc = this.documents.get(id) ?? { kind: delta.kind, day: delta.day, keys: new Map() };
      this.documents.set(id, doc);
      for (const key of delta.keys) {
        const counts = doc.keys.get(key) ?? {};
        doc.keys.set(key, counts);
        for (const [name, value] of Object.entries(delta.counts)) counts[name] = (counts[name] ?? 0) + value;
      }
    }
  }

  /**
   * One change per roll-up document: its id and its summed deltas, keys with the same counts in one
   * delta (a delta adds its counts to each of its keys). Few deltas per change, as in production:
   * DepartmentCounters.record's own summing is quadratic in the deltas of one document.
   */
  changes(): [string, RollupDelta[]][] {
    return [...this.documents].map(([id, doc]) => {
      const byCounts = new Map<string, RollupDelta>();
      for (const [key, counts] of this.kept(doc.kind, doc.keys)) {
        const signature = JSON.stringify(counts);
        const delta = byCounts.get(signature) ?? { kind: doc.kind, day: doc.day, keys: [], counts };
        delta.keys.push(key);
        byCounts.set(signature, delta);
      }
      return [id, [...byCounts.values()]];
    });
  }

  /**
   * A hotspot day keeps what DepartmentCounters.trimHotspots leaves of it (its busiest hotspotKeep
   * keys, ties by key), trimmed here rather than recorded in full and trimmed after: a day of words
   * at 500k tickets holds tens of thousands of keys, and DocumentDB rewrites the document per path.
   */
  private kept(kind: RollupDelta['kind'], keys: Map<string, Record<string, number>>): [string, Record<string, number>][] {
    const entries = [...keys];
    if (!(hotspotKinds as readonly string[]).includes(kind) || entries.length <= 2 * hotspotKeep) return entries;
    const total = (c: Record<string, number>) => Object.values(c).reduce((sum, v) => sum + v, 0);
    return entries.sort(([ka, a], [kb, b]) => total(b) - total(a) || ka.localeCompare(kb)).slice(0, hotspotKeep);
  }
}

await runBench('dashboard', `${ticketCount} tickets over ${spanDays} days, a ${periodDays}-day period, ${requests} requests per endpoint and round, ${rounds} rounds`, run);

async function run({ services, connection, size, spawnApi }: BenchDatabase): Promise<void> {
  const now = new Date();
  const world = await setupWorld(services, now);
  const random = seededRandom(Number(options.seed));
  const factory = new RecordingFactory(world, loadMessages(), random, ticketCount);
  const targetOf = stateChooser(random);
  const day = 86_400_000;
  // Open tickets are recent; the others spread over the whole span, their histories ending before now.
  const intakeTime = (target: TicketState) => {
    const open = !['archived', 'cancelled', 'merged'].includes(target);
    return new Date(now.getTime() - (open ? random() ** 2 * 12 * day : 4 * day + random() * (spanDays - 4) * day));
  };

  // Operators answering the seeded calls: a day's shifts of a large hotline.
  let at = performance.now();
  const ctx = { actor: systemActor, now };
  const operators: { id: string; username: string }[] = [];
  for (let i = 1; i <= operatorCount; i++) {
    const username = `seat${String(i).padStart(3, '0')}`;
    operators.push({ id: (await services.users.create(ctx, { username, displayName: username, password: benchPassword, roles: ['operator'], departmentId: null })).id, username });
  }
  log(`${operatorCount} operators created (${ms(performance.now() - at)})`);
  const calls: CallRecord[] = [];
  const second = 1000;
  /** The call a phone ticket was written during: queued, rang, answered, talked, after-call work; the ticket written near its end. */
  const callOf = (callId: string, intakeAt: Date, resolvedOnCall: boolean, ticketId: string): CallRecord => {
    const operator = operators[Math.floor(random() * operators.length)]!;
    const talk = (60 + random() ** 2 * 900) * second;
    const answeredAt = new Date(intakeAt.getTime() - talk * (0.6 + random() * 0.3));
    const offeredAt = new Date(answeredAt.getTime() - (2 + random() * 18) * second);
    const arrivedAt = new Date(offeredAt.getTime() - random() ** 3 * 180 * second);
    const endedAt = new Date(answeredAt.getTime() + talk);
    const times = { arrivedAt, offeredAt, answeredAt, endedAt, outcome: 'answered' as const };
    return {
      _id: callKey(callId), callId, direction: 'inbound', caller: `138${String(Math.floor(random() * 1e8)).padStart(8, '0')}`, callee: '12345', callerWithheld: false,
      operatorId: operator.id, operatorUsername: operator.username, operatorSipUser: `op-${operator.username}`,
      ...times, ...durations(times), reason: 'bye', endedBy: random() < 0.6 ? 'caller' : 'callee',
      afterCallWorkSeconds: Math.round(5 + random() * 85), ticketIds: [ticketId], resolvedOnCall,
      browser: { audio: { codec: 'opus', packetsLost: Math.floor(random() * 20), jitterMs: Math.round(random() * 30) } }, version: resolvedOnCall ? 7 : 6, updatedAt: endedAt, effects: [], effectsDueAt: null,
    };
  };
  const missedCallAt = (i: number, arrivedAt: Date): CallRecord => {
    const nobody = random() < 0.5;
    const offeredAt = nobody ? null : new Date(arrivedAt.getTime() + random() * 60 * second);
    const endedAt = new Date((offeredAt ?? arrivedAt).getTime() + (nobody ? 60 : 30) * second);
    const operator = nobody ? null : operators[Math.floor(random() * operators.length)]!;
    const times = { arrivedAt, offeredAt, answeredAt: null, endedAt, outcome: 'missed' as const };
    return {
      _id: callKey(`bench-missed-${i}`), callId: `bench-missed-${i}`, direction: 'inbound', caller: `139${String(Math.floor(random() * 1e8)).padStart(8, '0')}`, callee: '12345', callerWithheld: false,
      operatorId: operator?.id ?? null, operatorUsername: operator?.username ?? null, operatorSipUser: operator ? `op-${operator.username}` : null,
      ...times, ...durations(times), reason: nobody ? 'no-operator-ready' : 'no-answer', endedBy: null,
      afterCallWorkSeconds: null, ticketIds: [], resolvedOnCall: false, browser: null, version: 3, updatedAt: endedAt, effects: [], effectsDueAt: null,
    };
  };

  const sink = ticketSink(connection.db!);
  const sums = new RollupSums();
  let events = 0;
  /** The gauges as the seeded tickets themselves give them, to check the folded roll-ups against. */
  const expected = new Map<string, { open: number; overdue: number }>();
  log(`building ${ticketCount} ticket histories`);
  // --no-tickets: the histories are built for their roll-ups, the tickets themselves not written.
  const target = options['no-tickets'] ? { insertMany: async () => undefined } : sink;
  let built = { buildMs: 0, insertMs: 0 };
  const indexMs = await withIndexesBuiltAfter(sink.collections, async () => { built = await insertInBatches(target, ticketCount, () => {
    const state = targetOf();
    const intakeAt = intakeTime(state);
    const doc = lifecycleTicket(factory, state, intakeAt, now, []);
    const recorded = factory.take();
    if (doc.channel === 'phone' && doc.callId) {
      const call = callOf(doc.callId, intakeAt, recorded.deltas.some((d) => d.counts.resolvedOnCall), String(doc._id));
      calls.push(call);
      sums.add(operatorDayDeltas(null, call));
      if (random() < 0.08) calls.push(missedCallAt(calls.length, new Date(intakeAt.getTime() - random() * day)));
    }
    for (const [key, gauge] of gaugesOf(doc)) {
      const sum = expected.get(key) ?? { open: 0, overdue: 0 };
      expected.set(key, { open: sum.open + gauge.open, overdue: sum.overdue + gauge.overdue });
    }
    events += recorded.deltas.length;
    sums.add(recorded.rollups);
    return doc;
  }, {
    batch: 2000,
    progress: (done, elapsed) => { if (done % 50_000 === 0) log(`  ${done} tickets (${ms(elapsed)})`); },
  }); });
  console.log(`seeded: ${ticketCount} tickets in ${ms(built.buildMs + built.insertMs + indexMs)} (building ${ms(built.buildMs)}, inserting ${ms(built.insertMs)}, then the secondary indexes ${ms(indexMs)}); ${events} counter deltas`);
  at = performance.now();
  const answeredCalls = calls.filter((c) => c.outcome === 'answered').length;
  const callsCollection = connection.db!.collection<CallRecord>('calls');
  for (let i = 0; i < calls.length; i += 2000) await callsCollection.insertMany(calls.slice(i, i + 2000), { ordered: false });
  console.log(`seeded: ${calls.length} call records (${answeredCalls} answered by ${operatorCount} operators, one per phone ticket; ${calls.length - answeredCalls} missed) in ${ms(performance.now() - at)}`);
  calls.length = 0;

  // The bulk loader of the roll-ups: every change's deltas summed per roll-up key (hotspot days cut to
  // what trimHotspots would leave), recorded with the product's DepartmentCounters.record as one
  // change per roll-up document; then trimHotspots as the hourly job runs it (nothing left to drop).
  at = performance.now();
  const changes = sums.changes();
  for (const [id, deltas] of changes) await services.counters.record(`seed:${id}`, deltas);
  const recordMs = performance.now() - at;
  const deltaCount = changes.reduce((sum, [, deltas]) => sum + deltas.length, 0);
  at = performance.now();
  const dropped = await services.counters.trimHotspots(daysBetween(chinaDateKey(new Date(now.getTime() - spanDays * day)), chinaDateKey(now)));
  const rollupDocs = await services.counters.rollups.countDocuments({});
  console.log(`roll-ups: ${events} department counter deltas and the gauges, hotspots and operator days of every event, summed per roll-up key and recorded with DepartmentCounters.record as ${changes.length} changes (one per roll-up document, ${deltaCount} deltas) in ${ms(recordMs)}; trimHotspots dropped ${dropped} keys in ${ms(performance.now() - at)}`);
  const sized = await size();
  console.log(`  analytics_rollups: ${rollupDocs} documents; pg_database_size ${(sized.pgDatabase / 2 ** 20).toFixed(0)} MiB, PostgreSQL folder ${(sized.folder / 2 ** 20).toFixed(0)} MiB`);

  // ---- HTTP: a supervisor's API token on a real server ----
  const supervisor = await services.users.create(ctx, { username: 'supervisor1', displayName: 'supervisor1', password: benchPassword, roles: ['supervisor'], departmentId: null });
  const { token } = await services.users.issueToken(ctx, supervisor.id, { name: 'bench' });
  const api = await spawnApi();
  const base = api.base;
  const to = chinaDateKey(now);
  const from = chinaDateKey(new Date(now.getTime() - (periodDays - 1) * day));
  const call = async (path: string) => {
    const started = performance.now();
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    const wall = performance.now() - started;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
    const server = /dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1];
    return { wall, server: server === undefined ? null : Number(server), body };
  };

  const dashboardPath = `/api/analytics/dashboard?from=${from}&to=${to}`;
  const sample = JSON.parse((await call(dashboardPath)).body) as {
    operators: OperatorFigures[];
    departments: { departmentId: string; open: number; overdue: number }[]; intake: { total: number }; dispatchQueue: { open: number; overdue: number };
    hotspots: { words: { label: string; count: number; rise: number }[] };
  };
  const open = sample.departments.reduce((sum, d) => sum + d.open, 0);
  const overdue = sample.departments.reduce((sum, d) => sum + d.overdue, 0);
  const shown = new Map([...sample.departments.map((d) => [d.departmentId, { open: d.open, overdue: d.overdue }] as const), ['*', sample.dispatchQueue]]);
  const differing = [...expected].filter(([key, g]) => (g.open || g.overdue) && JSON.stringify(shown.get(key)) !== JSON.stringify(g));
  console.log(`dashboard content: ${sample.departments.length} departments, ${open} parts in hand (${overdue} overdue), ${sample.dispatchQueue.open} waiting for dispatch; today's intake ${sample.intake.total}`);
  console.log(`  open and overdue against the seeded tickets themselves: ${differing.length ? `DIFFERENT for ${differing.length} departments` : 'the same for every department'}`);
  const supervisorActor: Actor = { ...systemActor, roles: ['supervisor'] };
  const periodBounds = { from: new Date(`${from}T00:00:00+08:00`), to: new Date(Date.parse(`${to}T00:00:00+08:00`) + day) };
  const fromRecords = await services.callRecords.operatorFigures(supervisorActor, periodBounds);
  const answeredInPeriod = fromRecords.reduce((sum, r) => sum + r.answered, 0);
  console.log(`  operator figures: ${sample.operators.length} operators, ${sample.operators.reduce((sum, r) => sum + r.answered, 0)} calls answered in the period; against operatorFigures over the records (${answeredInPeriod} answered): ${
    JSON.stringify(sample.operators) === JSON.stringify(fromRecords) ? 'the same for every operator' : 'DIFFERENT'}`);
  console.log(`  rising words: ${sample.hotspots.words.slice(0, 5).map((w) => `${w.label} ${w.count} (+${w.rise})`).join(', ')}`);

  // Where a dashboard request spends its time: each of its reads alone, median of 10.
  const days = (a: string, b: string) => daysBetween(a, b);
  const previous = previousPeriod({ from, to });
  const reads: [string, () => Promise<unknown>][] = [
    ['departments list', () => services.departments.model.find({}, { name: 1, nameEn: 1, ancestors: 1 }).lean()],
    [`department counters (${periodDays} day documents)`, () => services.counters.totals(from, to)],
    ['gauges (1 document)', () => services.counters.rollupTotals('gauges', ['all'])],
    ["today's intake (1 document)", () => services.counters.intakeOf(to)],
    ...hotspotKinds.map((kind): [string, () => Promise<unknown>] => [`${kind}, both periods (${2 * periodDays} documents)`, () => Promise.all([services.counters.rollupTotals(kind, days(from, to)), services.counters.rollupTotals(kind, days(previous.from, previous.to))])]),
    [`operator figures (${periodDays} operator-day documents)`, () => services.counters.rollupTotals('operators', days(from, to))],
    ['not in the dashboard: operatorFigures scanning the call records (/api/telephony/operator-figures)', () => services.callRecords.operatorFigures(supervisorActor, periodBounds)],
  ];
  const breakdown: string[][] = [];
  for (const [name, read] of reads) {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push((await timed(read)).ms);
    breakdown.push([name, ms(median(times))]);
  }
  console.log(`\nthe dashboard's reads one by one (median of 10):\n${table(['read', 'median'], breakdown)}`);

  const series = [
    { name: `GET /api/analytics/dashboard (${periodDays} days)`, path: dashboardPath },
    { name: 'baseline GET /healthz', path: '/healthz' },
    { name: `baseline GET /api/analytics/ranking (${periodDays} days)`, path: `/api/analytics/ranking?from=${from}&to=${to}` },
  ];
  for (const { path } of series) for (let i = 0; i < 5; i++) await call(path);
  const perRound = series.map(() => [] as { wall50: number; wall99: number; server50: number; server99: number }[]);
  for (let round = 1; round <= rounds; round++) {
    for (const [s, { name, path }] of series.entries()) {
      log(`round ${round}: ${name}`);
      const walls: number[] = [];
      const servers: number[] = [];
      for (let i = 0; i < requests; i++) {
        const { wall, server: serverMs } = await call(path);
        walls.push(wall);
        if (serverMs !== null) servers.push(serverMs);
      }
      perRound[s]!.push({ wall50: percentile(walls, 50), wall99: percentile(walls, 99), server50: percentile(servers, 50), server99: percentile(servers, 99) });
    }
  }
  const memory = await api.memory();
  const med = (rows: (typeof perRound)[number], pick: (r: (typeof rows)[number]) => number) => ms(median(rows.map(pick)));
  console.log(`\n${requests} sequential requests per endpoint and round after 5 warm-ups, medians of ${rounds} rounds (target: dashboard p99 < 100 ms); server time from Server-Timing:`);
  console.log(table(
    ['request', 'p50', 'p99', 'p99 per round', 'server p50', 'server p99'],
    series.map(({ name }, s) => {
      const rows = perRound[s]!;
      return [name, med(rows, (r) => r.wall50), med(rows, (r) => r.wall99), rows.map((r) => ms(r.wall99)).join(' / '), med(rows, (r) => r.server50), med(rows, (r) => r.server99)];
    }),
  ));
  const dashboard50 = median(perRound[0]!.map((r) => r.wall50));
  const healthz50 = median(perRound[1]!.map((r) => r.wall50));
  console.log(`  dashboard p50 minus /healthz p50 (what the dashboard itself costs): ${ms(dashboard50 - healthz50)}`);
  console.log(`API process (api/server.ts) after the run: RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} of ${(memory.heapTotal / 2 ** 20).toFixed(0)} MiB`);
}
