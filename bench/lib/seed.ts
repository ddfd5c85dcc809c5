import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from 'mongodb';
import { Types } from 'mongoose';
import { systemActor, type Actor, type DepartmentRef } from '../../core/accounts/access.js';
import { chinaDateKey, type LimitOverrides, type RequestType, type Urgency } from '../../core/clocks/index.js';
import { parseCsv, parseCsvRecords } from '../../core/platform/csv.js';
import type { Services } from '../../core/services.js';
import type { CurrentSettings } from '../../core/settings/hotline-settings.js';
import { sweepSteps } from '../../core/sla/deadline-sweep.js';
import { decide, settleClocks, type ActionInputs, type LifecycleEnv, type TicketAction } from '../../core/tickets/ticket-lifecycle.js';
import { ticketTerms, type Channel, type Ticket, type TicketState } from '../../core/tickets/ticket.js';
import { newTicket } from '../../core/tickets/tickets.js';
import { projectRoot } from '../../infra/documentdb/launcher.js';
import { categoryDepartments, demoDepartments } from '../../scripts/seed-data/demo-city.js';

/**
 * Seeding for the benchmarks. Tickets are built by the product's own pure functions: the intake
 * draft by `newTicket` (as `Tickets.create` builds it), then the lifecycle (`decide`, `settleClocks`,
 * `sweepSteps`), so clocks, warnings, `scope` and `nextDeadlineAt` are what the use cases would
 * have stored; they are then written with the raw driver in batches, which is much faster than the
 * use cases.
 * Events, outbox notices and counters of the seeded history are not written.
 */

export const messagesFile = path.resolve(projectRoot, '../shared/data/complaints/messages_with_replies.csv');

export interface Message {
  subject: string;
  content: string;
  reply: string;
}

/** Citizens' messages and the departments' replies (2,633 rows): the text of every seeded ticket. */
export function loadMessages(file = messagesFile): Message[] {
  const squeeze = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();
  return parseCsvRecords(readFileSync(file, 'utf8'), file)
    .map((row) => ({ subject: squeeze(row['留言主题']).slice(0, 120), content: squeeze(row['留言详情']).slice(0, 10_000), reply: squeeze(row['答复意见']).slice(0, 10_000) }))
    .filter((m) => m.subject && m.content && m.reply);
}

export interface WorldDepartment extends DepartmentRef {
  code: string;
  kind: string;
}

export interface WorldCategory {
  id: string;
  path: string;
  /** The lead department its first level is mapped to, as in `npm run seed`. */
  departmentId: string | null;
  limits: LimitOverrides;
}

export interface World {
  departments: WorldDepartment[];
  byCode: Map<string, WorldDepartment>;
  categories: WorldCategory[];
  settings: CurrentSettings;
  operatorIds: string[];
  dispatcherId: string;
}

export const benchPassword = 'bench-password-12345';

/**
 * The demo city of `npm run seed`: 41 departments, the 650 categories with their lead departments,
 * two operators and a dispatcher.
 */
export async function setupWorld(services: Services, now: Date): Promise<World> {
  const ctx = { actor: systemActor, now };
  await services.departments.import(ctx, demoDepartments);
  const taxonomy = readFileSync(path.resolve(projectRoot, 'core/categories/data/taxonomy.csv'), 'utf8');
  await services.categories.importTaxonomy(ctx, parseCsv(taxonomy).slice(1));
  const departments: WorldDepartment[] = (await services.departments.list(systemActor, {})).map((d) => ({ id: d.id, ancestors: d.ancestors, code: d.code, kind: d.kind }));
  const byCode = new Map(departments.map((d) => [d.code, d]));
  const all = await services.categories.list(systemActor, {});
  const topLevelDepartment = new Map<string, string | null>();
  for (const category of all.filter((c) => c.level === 1)) {
    const target = byCode.get(categoryDepartments[category.name] ?? '')?.id ?? null;
    if (target) await services.categories.update(ctx, category.id, { version: category.version, defaultDepartmentId: target });
    topLevelDepartment.set(category.id, target);
  }
  const categories: WorldCategory[] = [];
  for (const category of all.filter((c) => c.level === 3)) {
    const { categoryLimits } = await services.tickets.env(now, category.id);
    categories.push({ id: category.id, path: category.path, departmentId: topLevelDepartment.get(category.ancestors[0] ?? '') ?? null, limits: categoryLimits });
  }
  const user = (username: string, roles: Actor['roles'], departmentId: string | null = null) =>
    services.users.create(ctx, { username, displayName: username, password: benchPassword, roles, departmentId });
  const operatorIds = [(await user('operator1', ['operator'])).id, (await user('operator2', ['operator'])).id];
  const dispatcherId = (await user('dispatcher1', ['dispatcher'])).id;
  return { departments, byCode, categories, settings: await services.settings.current(), operatorIds, dispatcherId };
}

export type TicketDoc = Ticket & { _id: Types.ObjectId };

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function weighted<T extends string>(random: Random, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as [T, number][];
  let r = random() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [key, w] of entries) {
    r -= w;
    if (r <= 0) return key;
  }
  return entries.at(-1)![0];
}

const channelWeights: Record<Channel, number> = { phone: 70, web: 10, app: 6, sms: 3, email: 2, open311: 1, mailbox: 3, online: 5, import: 0 };
const requestTypeWeights: Record<RequestType, number> = { complaint: 40, help: 25, inquiry: 15, report: 8, suggestion: 10, praise: 2 };
const surnames = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡'];

export interface TicketSpec {
  createdAt: Date;
  requestType?: RequestType;
  urgency?: Urgency;
}

/** Builds ticket documents the way intake and the lifecycle would have left them. */
export class TicketFactory {
  private readonly sequences = new Map<string, number>();
  private objectIds = 0;
  readonly phonePool: number;
  private readonly operators: Actor[];
  private readonly dispatcher: Actor;
  private readonly leadChoices: WorldDepartment[];
  private readonly streets: WorldDepartment[];

  constructor(
    readonly world: World,
    private readonly messages: Message[],
    readonly random: Random,
    expectedTickets: number,
  ) {
    this.phonePool = Math.max(100, Math.round(expectedTickets * 0.6));
    this.operators = world.operatorIds.map((id, i) => ({ userId: id, username: `operator${i + 1}`, roles: ['operator'], departmentId: null, via: 'session' }));
    this.dispatcher = { userId: world.dispatcherId, username: 'dispatcher1', roles: ['dispatcher'], departmentId: null, via: 'session' };
    this.leadChoices = world.departments.filter((d) => d.kind !== 'city');
    this.streets = world.departments.filter((d) => d.kind === 'street');
  }

  env(now: Date, limits: LimitOverrides = {}): LifecycleEnv {
    const s = this.world.settings;
    return { now, calendar: s.calendar, limits: s.limits, thresholds: s.thresholds, returnCap: s.returnCap, categoryLimits: limits, autoDispatchUndoMinutes: s.autoDispatchUndoMinutes };
  }

  /** An ObjectId whose time is the ticket's intake, so `_id` order is intake order as in production. */
  objectIdAt(at: Date): Types.ObjectId {
    const seconds = Math.floor(at.getTime() / 1000).toString(16).padStart(8, '0');
    const counter = (this.objectIds++).toString(16).padStart(14, '0');
    return new Types.ObjectId(`${seconds}be${counter}`);
  }

  /** Date and daily sequence, as `TicketNumbers` gives them. */
  number(at: Date): string {
    const day = chinaDateKey(at).replaceAll('-', '');
    const next = (this.sequences.get(day) ?? 0) + 1;
    this.sequences.set(day, next);
    return `${day}${String(next).padStart(6, '0')}`;
  }

  /** Carries on after numbers already taken (the counters `TicketNumbers` keeps). */
  continueFrom(rows: { _id: string; last: number }[]): void {
    for (const row of rows) this.sequences.set(row._id, Math.max(row.last, this.sequences.get(row._id) ?? 0));
  }

  /** The `ticket_counters` rows matching the numbers handed out. */
  counters(): { _id: string; last: number }[] {
    return [...this.sequences].map(([day, last]) => ({ _id: day, last }));
  }

  /** Repeat callers: a few phones call often, most once. */
  phone(): string {
    const index = Math.floor(this.phonePool * this.random() ** 1.5);
    return `139${String(index).padStart(8, '0')}`;
  }

  phoneOf(index: number): string {
    return `139${String(index).padStart(8, '0')}`;
  }

  /** The intake draft, built by `newTicket` as `Tickets.create` builds it, with a number. */
  draft(spec: TicketSpec): { ticket: Ticket; category: WorldCategory } {
    const r = this.random;
    const message = pick(r, this.messages);
    const category = pick(r, this.world.categories);
    const channel = weighted(r, channelWeights);
    const requestType = spec.requestType ?? weighted(r, requestTypeWeights);
    const urgency: Urgency = spec.urgency ?? (r() < 0.03 ? 'urgent' : 'normal');
    const street = r() < 0.6 ? pick(r, this.streets) : null;
    const intakeBy = ['phone', 'sms', 'email', 'mailbox'].includes(channel) ? pick(r, this.operators).userId : null;
    const ticket = newTicket({
      channel,
      requestType,
      urgency,
      categoryId: category.id,
      requester: {
        name: r() < 0.85 ? `${pick(r, surnames)}${r() < 0.5 ? '先生' : '女士'}` : null,
        phone: this.phone(),
        email: r() < 0.1 ? `citizen${Math.floor(r() * 1e6)}@example.cn` : null,
        address: street ? `${street.code} 某小区${1 + Math.floor(r() * 30)}号楼` : null,
        confidential: r() < 0.03,
      },
      location: { address: street ? `${street.code} 附近` : null, departmentId: street?.id ?? null, coordinates: null },
      subject: message.subject,
      content: message.content,
      callId: channel === 'phone' ? `bench-call-${this.objectIds}` : null,
      receivedAt: spec.createdAt,
    }, { intakeBy, categoryPath: category.path, now: spec.createdAt }, this.env(spec.createdAt, category.limits));
    ticket.number = this.number(spec.createdAt);
    return { ticket, category };
  }

  /** One action through the transition table, with the version step the compare-and-set write adds. */
  act<A extends TicketAction>(ticket: Ticket, action: A, input: ActionInputs[A], actor: Actor, at: Date, limits: LimitOverrides): Ticket {
    const next = decide(ticket, action, input, actor, this.env(at, limits)).ticket;
    next.version = ticket.version + 1;
    return next;
  }

  /** Whatever warnings and supervision the sweep would have raised by `at`. */
  sweep(ticket: Ticket, at: Date, limits: LimitOverrides): Ticket {
    let current = ticket;
    for (const step of sweepSteps(current, this.env(at, limits))) {
      current = step.action === 'warn'
        ? this.act(current, 'warn', { level: step.level }, systemActor, at, limits)
        : this.act(current, 'supervise', { reason: '超过办理时限一个工作日仍未办结，自动督办' }, systemActor, at, limits);
    }
    return current;
  }

  /** The lead, by the category's department half of the time, else a street, district, bureau or unit. */
  lead(category: WorldCategory): WorldDepartment {
    const own = category.departmentId ? this.world.departments.find((d) => d.id === category.departmentId) : undefined;
    return own && this.random() < 0.5 ? own : pick(this.random, this.leadChoices);
  }

  staff(department: DepartmentRef): Actor {
    return { userId: `staff-${department.id}`, username: 'staff', roles: ['department_staff'], departmentId: department.id, via: 'session' };
  }

  get dispatcherActor(): Actor {
    return this.dispatcher;
  }

  operatorActor(): Actor {
    return pick(this.random, this.operators);
  }

  replyText(): string {
    return pick(this.random, this.messages).reply;
  }
}

/** Target states of the general seed, in per cent: most tickets are done, 10–20 % still open. */
export const stateMix: Record<TicketState, number> = {
  archived: 77, cancelled: 1.5, merged: 2.5,
  received: 0.8, dispatched: 3, in_handling: 7, waiting_info: 1, returned: 0.7, replied: 1.5, awaiting_callback: 3.5, closed: 1.5,
};

const minute = 60_000;
const day = 24 * 60 * minute;

/**
 * A ticket in the given state, taken there through the lifecycle at plausible times after its
 * intake and before `now`; open tickets then carry the warnings the sweep would have raised by now.
 */
/** Draws target states in the proportions of `stateMix`. */
export function stateChooser(random: () => number): () => TicketState {
  const states = Object.keys(stateMix) as TicketState[];
  const total = states.reduce((sum, s) => sum + stateMix[s], 0);
  return () => {
    let x = random() * total;
    for (const s of states) if ((x -= stateMix[s]) <= 0) return s;
    return 'archived';
  };
}

export function lifecycleTicket(factory: TicketFactory, target: TicketState, createdAt: Date, now: Date, parentIds: string[]): TicketDoc {
  const r = factory.random;
  const { ticket: draft, category } = factory.draft({ createdAt });
  const limits = category.limits;
  const lead = factory.lead(category);
  const unrelated = (d: WorldDepartment) => d.kind !== 'city' && d.id !== lead.id && !d.ancestors.includes(lead.id) && !lead.ancestors.includes(d.id);
  const assist = r() < 0.15 ? pick(r, factory.world.departments.filter(unrelated)) : undefined;
  const resolvedOnCall = target === 'archived' && r() < 0.18;

  type Step = { delay: number; run: (t: Ticket, at: Date) => Ticket };
  const steps: Step[] = [];
  const add = (delayMinutes: [number, number], run: Step['run']) => steps.push({ delay: (delayMinutes[0] + r() * (delayMinutes[1] - delayMinutes[0])) * minute, run });
  const centre = factory.dispatcherActor;

  if (resolvedOnCall) {
    add([1, 10], (t, at) => factory.act(t, 'resolve_on_call', { answer: factory.replyText().slice(0, 500) }, factory.operatorActor(), at, limits));
  } else if (target === 'merged') {
    add([2, 60], (t, at) => factory.act(t, 'merge', { parentId: parentIds.length ? pick(r, parentIds) : new Types.ObjectId().toHexString() }, factory.operatorActor(), at, limits));
  } else if (target === 'cancelled') {
    add([2, 120], (t, at) => factory.act(t, 'cancel', { reason: '重复来电，已告知' }, centre, at, limits));
  } else if (target !== 'received' || r() < 0.5) {
    // The routing job proposes; a confident proposal is dispatched by the system, the rest by a dispatcher.
    const confidence = 0.5 + r() * 0.5;
    add([0.2, 1], (t, at) => factory.act(t, 'propose_routing', {
      suggestions: [{ departmentId: lead.id, categoryId: category.id, label: category.path, confidence, source: 'classifier' }],
    }, systemActor, at, limits));
  }
  const dispatched = !resolvedOnCall && !['received', 'merged', 'cancelled'].includes(target);
  if (dispatched) {
    const assists = assist ? [{ id: assist.id, ancestors: assist.ancestors }] : [];
    add([1, 30], (t, at) => factory.act(t, 'dispatch', { lead: { id: lead.id, ancestors: lead.ancestors }, assists }, (t.routing.suggestions[0]?.confidence ?? 0) >= 0.9 ? systemActor : centre, at, limits));
    if (target === 'returned') {
      add([30, 600], (t, at) => factory.act(t, 'return', { reason: '非本单位职责范围，请改派' }, factory.staff(lead), at, limits));
    } else if (target !== 'dispatched') {
      add([10, 600], (t, at) => factory.act(t, 'accept', {}, factory.staff(lead), at, limits));
      if (assist) add([10, 600], (t, at) => factory.act(t, 'accept', {}, factory.staff(assist), at, limits));
      if (target === 'waiting_info') add([60, 1440], (t, at) => factory.act(t, 'request_info', { items: ['请提供具体地址和联系时间'] }, factory.staff(lead), at, limits));
      const replied = !['in_handling', 'waiting_info'].includes(target);
      if (replied) {
        if (assist) add([600, 4000], (t, at) => factory.act(t, 'reply', { text: factory.replyText() }, factory.staff(assist), at, limits));
        add([600, 5000], (t, at) => factory.act(t, 'reply', { text: factory.replyText() }, factory.staff(lead), at, limits));
        if (target !== 'replied') add([60, 600], (t, at) => factory.act(t, 'approve_reply', {}, centre, at, limits));
      }
    }
  }
  const calledBack = resolvedOnCall || (['closed', 'archived'].includes(target) && dispatched);
  if (target === 'awaiting_callback' || calledBack) {
    if (r() < 0.8) add([5, 60], (t, at) => factory.act(t, 'send_survey', { sent: true }, systemActor, at, limits));
  }
  if (calledBack) {
    // Open closed tickets are mostly the dissatisfied ones waiting for a reopen decision.
    const negative = target === 'closed' && r() < 0.4;
    add([60, 2880], (t, at) => factory.act(t, 'callback', {
      resolved: !negative, satisfaction: negative ? 'dissatisfied' : r() < 0.8 ? 'satisfied' : 'basically_satisfied', comment: null, via: r() < 0.6 ? 'survey' : 'phone',
    }, factory.operatorActor(), at, limits));
    if (target === 'archived') add([60, 1440], (t, at) => factory.act(t, 'archive', {}, centre, at, limits));
  }

  // Open tickets were written recently: squeeze their history in before now.
  const total = steps.reduce((sum, s) => sum + s.delay, 0);
  const room = now.getTime() - createdAt.getTime() - minute;
  const scale = total > room ? Math.max(0, room) / total : 1;
  let ticket = draft;
  let at = createdAt.getTime();
  for (const step of steps) {
    at += step.delay * scale;
    ticket = step.run(ticket, new Date(at));
  }
  if (!['archived', 'cancelled', 'merged'].includes(target)) ticket = factory.sweep(ticket, now, limits);
  if (ticket.state !== target) throw new Error(`seeding: wanted ${target}, built ${ticket.state}`);
  return { _id: factory.objectIdAt(createdAt), ...ticket };
}

/** When a ticket of this state was received: open ones in the last days, done ones over half a year. */
export function intakeTimeFor(random: Random, target: TicketState, now: Date): Date {
  const open = !['archived', 'cancelled', 'merged'].includes(target);
  const age = open ? (random() ** 2) * 12 * day : 1 * day + random() * 180 * day;
  return new Date(now.getTime() - age);
}

/**
 * The bulk loader's index handling: a collection's secondary indexes are dropped while `load`
 * inserts, then built again with the same specifications (one sorted build each instead of an
 * index update per document). Returns the milliseconds of the rebuild.
 */
export async function withIndexesBuiltAfter(
  collections: { indexes(): Promise<object[]>; dropIndex(name: string): Promise<unknown>; createIndexes(specs: never[]): Promise<unknown> }[],
  load: () => Promise<void>,
): Promise<number> {
  const dropped = [];
  for (const collection of collections) {
    const specs = ((await collection.indexes()) as { name: string; key: Record<string, unknown>; v?: number; ns?: string }[]).filter((index) => index.name !== '_id_');
    for (const index of specs) await collection.dropIndex(index.name);
    dropped.push({ collection, specs });
  }
  await load();
  const started = performance.now();
  for (const { collection, specs } of dropped) await collection.createIndexes(specs.map(({ v: _v, ns: _ns, ...spec }) => spec) as never[]);
  return performance.now() - started;
}

/** A ticket's search terms document, as intake's `search` reaction writes it (`core/tickets/ticket-terms.ts`). */
export const termsOf = (doc: TicketDoc) => ({ _id: doc._id, terms: ticketTerms(doc), scope: doc.scope, version: doc.version });

/**
 * The bulk loader's sink for tickets: each batch into `tickets`, and their search terms into
 * `ticket_terms`. `collections` are both, for `withIndexesBuiltAfter`.
 */
export function ticketSink(db: Db) {
  const tickets = db.collection<TicketDoc>('tickets');
  const terms = db.collection<ReturnType<typeof termsOf>>('ticket_terms');
  return {
    tickets,
    collections: [tickets, terms],
    async insertMany(docs: TicketDoc[], options?: { ordered?: boolean }) {
      await tickets.insertMany(docs, options);
      await terms.insertMany(docs.map(termsOf), options);
    },
  };
}

/** Writes documents with the raw driver, `batch` per insertMany; returns the elapsed milliseconds. */
export async function insertInBatches<T extends object>(
  collection: { insertMany(docs: T[], options?: { ordered?: boolean }): Promise<unknown> },
  total: number,
  build: (index: number) => T,
  options: { batch?: number; progress?: (done: number, elapsedMs: number) => void } = {},
): Promise<{ insertMs: number; buildMs: number }> {
  const batchSize = options.batch ?? 1000;
  let insertMs = 0;
  let buildMs = 0;
  for (let start = 0; start < total; start += batchSize) {
    let at = performance.now();
    const docs: T[] = [];
    for (let i = start; i < Math.min(total, start + batchSize); i++) docs.push(build(i));
    buildMs += performance.now() - at;
    at = performance.now();
    await collection.insertMany(docs, { ordered: false });
    insertMs += performance.now() - at;
    options.progress?.(start + docs.length, insertMs + buildMs);
  }
  return { insertMs, buildMs };
}

/** Key paths of a document (arrays by their first element), to compare seeded and product shapes. */
export function shapeOf(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length ? shapeOf(value[0], `${prefix}[]`) : [`${prefix}[]`];
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Types.ObjectId)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => shapeOf(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

/** Paths one document has and the other lacks; an empty array matches any contents. */
export function shapeDifferences(a: unknown, b: unknown): string[] {
  const left = shapeOf(a);
  const right = shapeOf(b);
  const covered = (path: string, other: string[]) => other.some((o) => o === path || (o.endsWith('[]') && path.startsWith(o)) || (path.endsWith('[]') && o.startsWith(path)));
  return [...left.filter((p) => !covered(p, right)).map((p) => `+${p}`), ...right.filter((p) => !covered(p, left)).map((p) => `-${p}`)];
}

/** The sweep's view of time: the previous sweep covered deadlines up to `through`, this one runs at `now`. */
export interface SweepWindow {
  now: Date;
  through: Date;
}

/**
 * An open ticket for the sweep benchmark: dispatched (35 %) or in handling (65 %), received up to
 * three weeks before `now`, with the warnings every earlier sweep (up to `through`) would have
 * raised. Null when its next deadline happens to fall inside the window: the caller draws again,
 * so that exactly the designated share is due.
 */
export function openTicketForSweep(factory: TicketFactory, window: SweepWindow): TicketDoc | null {
  const r = factory.random;
  const createdAt = new Date(window.now.getTime() - (10 * minute + r() ** 1.3 * 21 * day));
  const { ticket: draft, category } = factory.draft({ createdAt });
  const limits = category.limits;
  const lead = factory.lead(category);
  const room = window.through.getTime() - createdAt.getTime();
  const dispatchAt = createdAt.getTime() + Math.min(room * 0.2, (1 + r() * 29) * minute);
  let ticket = factory.act(draft, 'dispatch', { lead: { id: lead.id, ancestors: lead.ancestors }, assists: [] }, factory.dispatcherActor, new Date(dispatchAt), limits);
  if (r() < 0.65) {
    const acceptAt = dispatchAt + Math.min((window.through.getTime() - dispatchAt) * 0.5, (10 + r() * 590) * minute);
    ticket = factory.act(ticket, 'accept', {}, factory.staff(lead), new Date(acceptAt), limits);
  }
  for (let i = 0; i < 6 && ticket.nextDeadlineAt && ticket.nextDeadlineAt <= window.through; i++) {
    const at = ticket.nextDeadlineAt;
    const swept = factory.sweep(ticket, at, limits);
    ticket = swept.version === ticket.version ? settleClocks(structuredClone(ticket), factory.env(at, limits)) : swept;
  }
  if (ticket.nextDeadlineAt && ticket.nextDeadlineAt <= window.now) return null;
  return { _id: factory.objectIdAt(createdAt), ...ticket };
}

/**
 * A dispatched ticket whose accept clock turns yellow inside the window (after `through`, at or
 * before `now`), found by bisecting the dispatch time: the ticket the sweep must warn.
 */
export class DueTickets {
  private readonly earliest: number;
  private readonly latest: number;

  constructor(
    private readonly factory: TicketFactory,
    private readonly window: SweepWindow,
  ) {
    // The yellow instant grows with the dispatch time: the earliest dispatch yellow after `through`,
    // and the latest yellow at or before `now`.
    this.earliest = this.bisect((deadline) => deadline > window.through.getTime());
    this.latest = this.bisect((deadline) => deadline > window.now.getTime()) - 1;
    if (!(this.earliest <= this.latest)) throw new Error('seeding: no dispatch time puts a deadline inside the sweep window');
  }

  build(): TicketDoc {
    for (;;) {
      const dispatchAt = new Date(this.earliest + this.factory.random() * (this.latest - this.earliest));
      const ticket = this.dispatchedAt(dispatchAt);
      const deadline = ticket.nextDeadlineAt?.getTime() ?? 0;
      if (deadline > this.window.through.getTime() && deadline <= this.window.now.getTime()) return ticket;
    }
  }

  private dispatchedAt(at: Date): TicketDoc {
    const f = this.factory;
    const createdAt = new Date(at.getTime() - (1 + f.random() * 20) * minute);
    const { ticket: draft, category } = f.draft({ createdAt, urgency: 'normal' });
    const lead = f.lead(category);
    const ticket = f.act(draft, 'dispatch', { lead: { id: lead.id, ancestors: lead.ancestors }, assists: [] }, f.dispatcherActor, at, category.limits);
    return { _id: f.objectIdAt(createdAt), ...ticket };
  }

  /** The earliest dispatch time (ms) whose deadline satisfies `after`, searched over the last 30 days. */
  private bisect(after: (deadline: number) => boolean): number {
    let low = this.window.now.getTime() - 30 * day;
    let high = this.window.now.getTime();
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      const deadline = this.dispatchedAt(new Date(middle)).nextDeadlineAt?.getTime() ?? Number.POSITIVE_INFINITY;
      if (after(deadline)) high = middle;
      else low = middle;
    }
    return high;
  }
}
