import { createHash } from 'node:crypto';
import { Types, type Connection, type Model } from 'mongoose';
import { authorize, type Actor, type DepartmentRef } from '../accounts/access.js';
import type { ActionContext } from '../audit/audit.js';
import { COMPLEX_CATEGORY_LIMITS, resolveLimit, type LimitOverrides, type RequestType, type Urgency } from '../clocks/index.js';
import type { Category } from '../categories/category.js';
import type { CategoryRepository } from '../categories/category.repository.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { assertId, isDuplicateKey, isObjectIdString, notFound } from '../platform/documents.js';
import { DomainError, isDomainError } from '../platform/errors.js';
import { owe, relayOwedEffects, settleEffects, type Reaction } from '../platform/owed-effects.js';
import type { RollupDelta } from '../analytics/department-counters.js';
import type { CurrentSettings, HotlineSettings } from '../settings/hotline-settings.js';
import { canonicalPhone, samePhone } from '../requesters/phone-number.js';
import { inRankOrder, rankByTerms } from '../search/term-search.js';
import { requesterReadModel, ticketEventModel, type RequesterRead, type TicketEvent } from './ticket-events.js';
import { allowedActions, decide, mayRead, settleClocks, type ActionInputs, type LifecycleEnv, type TicketAction } from './ticket-lifecycle.js';
import { TicketFeed, type TicketFeedOptions } from './ticket-feed.js';
import { TicketNumbers } from './ticket-numbers.js';
import { ticketTermsModel, type TicketTerms } from './ticket-terms.js';
import { presentTicket, seesRequester, summarizeTicket, type TicketSummary, type TicketView } from './ticket-view.js';
import { openStates, partsInHand, requesterPhone, statesInHand, ticketModel, ticketTerms, type Channel, type ExternalOrigin, type Ticket, type TicketDocument, type TicketEffect, type TicketSnapshot, type TicketState } from './ticket.js';

export interface IntakeInput {
  channel: Channel;
  requestType: RequestType;
  urgency?: Urgency;
  categoryId?: string | null;
  requester: { name?: string | null; phone?: string | null; email?: string | null; address?: string | null; confidential?: boolean };
  location?: { address?: string | null; departmentId?: string | null; coordinates?: { lat: number; lng: number } | null };
  subject: string;
  content: string;
  attachments?: { name: string; contentType: string; size: number; url?: string | null }[];
  callId?: string | null;
  /** A request another system handed over (Open311). */
  external?: ExternalOrigin | null;
  /** Imports keep the original intake time. */
  receivedAt?: Date;
}

/** What intake answers: the ticket as its creator sees it, and whether an earlier request with the same key made it. */
export interface Intake {
  id: string;
  number: string;
  replayed: boolean;
  ticket: TicketView;
}

export interface TicketFilter {
  state?: TicketState[];
  departmentId?: string;
  categoryId?: string;
  /** The department of the place (street) the request is about. */
  street?: string;
  /** Tickets in which this very department has a part still to accept or reply (the dashboard's open count). */
  handledBy?: string;
  /** Tickets whose extension request waits for the centre's decision. */
  extensionPending?: boolean;
  /** Automatic dispatches the centre may still undo at this instant. */
  undoableAt?: Date;
  channel?: Channel;
  urgency?: Urgency;
  warning?: 'none' | 'yellow' | 'red';
  overdue?: boolean;
  open?: boolean;
  from?: Date;
  to?: Date;
  phone?: string;
  intakeBy?: string;
  sort?: 'newest' | 'oldest' | 'due';
  cursor?: string;
  limit: number;
}

/** Department inputs the API gives as ids; the use case resolves them to refs with ancestors. */
type WithDepartmentIds<A extends TicketAction> = ActionInputs[A] extends { lead: DepartmentRef }
  ? Omit<ActionInputs[A], 'lead' | 'assists'> & { lead: string; assists?: string[] }
  : ActionInputs[A];
export type ActionRequest<A extends TicketAction> = WithDepartmentIds<A>;

/** A consequence of every ticket change, applied after the change is written (see `owed-effects.ts`). */
export type TicketReaction = Reaction<TicketDocument, TicketEffect>;

export interface TicketEffectsPolicy {
  /**
   * What a change adds to the roll-ups, decided with the change (pure): the event, the ticket as
   * written and as it was before (null at intake), and at intake the search terms of its text.
   */
  rollupsOf(event: TicketEvent, ticket: Ticket, previous: Ticket | null, terms: readonly string[]): RollupDelta[];
  /** Run for each change, side by side with the built-in history and search reactions; each idempotent per change. */
  reactions: readonly TicketReaction[];
}

type NewEvent = Pick<TicketEvent, 'action' | 'from' | 'to' | 'reason' | 'data'>;

/** Fields a change never copies from the decided ticket: they belong to the write itself. */
const writeFields = ['effects', 'effectsDueAt', 'idempotencyKey', 'idempotencyFingerprint', 'version', '_id'] as const;

/** The ticket as a change wrote it, without what belongs to the write (owed effects, the intake key). */
function snapshotOf(ticket: Ticket): TicketSnapshot {
  const { effects: _effects, effectsDueAt: _due, idempotencyKey: _key, idempotencyFingerprint: _fingerprint, ...snapshot } = ticket as Ticket & { _id?: unknown };
  delete (snapshot as { _id?: unknown })._id;
  return snapshot;
}

export class Tickets {
  readonly tickets: Model<Ticket>;
  readonly events: Model<TicketEvent>;
  private readonly termIndex: Model<TicketTerms>;
  private readonly reads: Model<RequesterRead>;
  private readonly numbers: TicketNumbers;

  private readonly reactions: readonly TicketReaction[];

  constructor(
    connection: Connection,
    private readonly departments: DepartmentRepository,
    private readonly categories: CategoryRepository,
    private readonly settings: HotlineSettings,
    private readonly policy: TicketEffectsPolicy = { rollupsOf: () => [], reactions: [] },
  ) {
    this.tickets = ticketModel(connection);
    this.events = ticketEventModel(connection);
    this.termIndex = ticketTermsModel(connection);
    this.reads = requesterReadModel(connection);
    this.numbers = new TicketNumbers(connection);
    const history: TicketReaction = {
      name: 'history',
      apply: async (_ticket, { event }) => {
        try {
          // Written whole by `eventOf`: the driver's insert, without building a mongoose document of it.
          await this.events.collection.insertOne(event as never);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      },
    };
    const search: TicketReaction = {
      name: 'search',
      apply: async (ticket, { terms, rescoped, ticket: { scope, version } }) => {
        if (!terms && !rescoped) return;
        try {
          // Only forward: a reaction of an older change, settled late, finds a newer version and does nothing.
          await this.termIndex.updateOne(
            { _id: ticket._id as Types.ObjectId, version: { $lt: version } },
            { $set: { scope, version }, ...(terms ? { $setOnInsert: { terms } } : {}) },
            { upsert: !!terms },
          );
        } catch (err) {
          // The intake's terms are there already, at this version or a later one.
          if (!isDuplicateKey(err)) throw err;
        }
      },
    };
    // Each reaction sees the ticket as its own change wrote it.
    this.reactions = [history, search, ...policy.reactions].map((reaction) => ({
      name: reaction.name,
      apply: (written, effect) => reaction.apply({ ...effect.ticket, _id: written._id, effects: [], effectsDueAt: null }, effect),
    }));
  }

  /**
   * 受理: creates a ticket. With an idempotency key the insert itself is the step the key decides
   * (a unique index on the ticket), so a retry after a crash at any point returns the same ticket.
   */
  async intake(ctx: ActionContext, input: IntakeInput, idempotencyKey?: string): Promise<Intake> {
    if (ctx.actor.via !== 'public') authorize(ctx.actor, 'tickets.intake');
    const key = idempotencyKey
      ? { idempotencyKey: `intake:${ctx.actor.via === 'public' ? 'public' : `user-${ctx.actor.userId}`}:${idempotencyKey}`, idempotencyFingerprint: createHash('sha256').update(JSON.stringify(input)).digest('hex') }
      : null;
    if (key) {
      const earlier = await this.replay(ctx, key);
      if (earlier) return earlier;
    }
    return this.create(ctx, input, key);
  }

  /** The ticket an earlier request with this key created, its owed effects finished; null if none. */
  private async replay(ctx: ActionContext, key: { idempotencyKey: string; idempotencyFingerprint: string }): Promise<Intake | null> {
    const earlier = (await this.tickets.findOne({ idempotencyKey: key.idempotencyKey }).lean()) as TicketDocument | null;
    if (!earlier) return null;
    if (earlier.idempotencyFingerprint !== key.idempotencyFingerprint) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request.', { field: 'Idempotency-Key' });
    }
    await settleEffects(this.tickets, earlier, this.reactions);
    const ticket = presentTicket({ ...earlier, effects: [], effectsDueAt: null }, ctx.actor, await this.env(ctx.now, earlier.categoryId));
    return { id: String(earlier._id), number: earlier.number, replayed: true, ticket };
  }

  /** Finishes the effects of changes whose writer died before settling them; for the workers. */
  async relayEffects(now: Date, onFailure: (err: unknown) => void): Promise<number> {
    return relayOwedEffects(this.tickets, this.reactions, now, onFailure);
  }

  /**
   * Any action of the transition table, as a compare-and-set on the ticket's version. `envs`: the
   * environments of a caller acting on many tickets at the same instant (the sweep).
   */
  async act<A extends TicketAction>(ctx: ActionContext, id: string, action: A, request: ActionRequest<A>, expectedVersion?: number, envs?: LifecycleEnvs): Promise<TicketView> {
    const current = await this.load(id);
    if (!mayRead(ctx.actor, current)) throw notFound('ticket', id);
    const env = await this.env(ctx.now, current.categoryId, envs);
    if (expectedVersion !== undefined && expectedVersion !== current.version) throw this.conflict(current, ctx.actor, env);
    return presentTicket(await this.actOn(ctx, current, action, request, env), ctx.actor, env);
  }

  /**
   * An action on a ticket the caller has just read (the sweep reads hundreds at once): no second
   * read, and the compare-and-set on the version read refuses it if the ticket moved meanwhile.
   * Returns the ticket as written.
   */
  async actOn<A extends TicketAction>(ctx: ActionContext, current: TicketDocument, action: A, request: ActionRequest<A>, env: LifecycleEnv): Promise<TicketDocument> {
    const id = String(current._id);
    const input = await this.resolveInput(action, request, current);
    const { ticket, event } = decide(current, action, input, ctx.actor, env);
    try {
      return await this.write(id, current, ticket, event, ctx);
    } catch (err) {
      if (isDomainError(err) && err.code === 'VERSION_CONFLICT') throw this.conflict(await this.load(id), ctx.actor, env);
      throw err;
    }
  }

  async get(actor: Actor, id: string, now: Date): Promise<TicketView> {
    const ticket = await this.readable(actor, id);
    const view = presentTicket(ticket, actor, await this.env(now, ticket.categoryId));
    if (seesRequester(actor, ticket) && (ticket.requester.name || ticket.requester.phone)) await this.recordRead(actor, [id], now, 'ticket');
    return view;
  }

  /** The live feed of tickets assigned to departments, polling the events. */
  feed(options: TicketFeedOptions): TicketFeed {
    return new TicketFeed(this.tickets, this.events, options);
  }

  async history(actor: Actor, id: string): Promise<TicketEvent[]> {
    await this.readable(actor, id);
    return this.events.find({ ticketId: id }).sort({ version: 1 }).lean();
  }

  /** The ticket if the actor may see it; TICKET_NOT_FOUND otherwise, so that a refusal tells nothing. */
  async readable(actor: Actor, id: string): Promise<TicketDocument> {
    const ticket = await this.load(id);
    if (!mayRead(actor, ticket)) throw notFound('ticket', id);
    return ticket;
  }

  /** The requester's credentials without an account: the ticket number and the phone given at intake (in any form), both matching. */
  async ofRequester(number: string, phone: string): Promise<TicketDocument> {
    const ticket = (await this.tickets.findOne({ number }).lean()) as TicketDocument | null;
    if (!ticket || !samePhone(ticket.requester.phone, phone)) {
      throw new DomainError('TICKET_NOT_FOUND', 'No ticket with this number and phone.');
    }
    return ticket;
  }

  async list(actor: Actor, filter: TicketFilter): Promise<{ items: TicketSummary[]; nextCursor: string | null }> {
    const query: Record<string, unknown> = {};
    const centre = actor.roles.some((r) => ['operator', 'dispatcher', 'supervisor', 'administrator'].includes(r));
    if (!centre) {
      if (!actor.departmentId) throw new DomainError('FORBIDDEN', 'Your account belongs to no department.');
      if (filter.departmentId && filter.departmentId !== actor.departmentId) {
        const ancestors = await this.departments.ancestorsOf(filter.departmentId);
        if (!ancestors || !ancestors.includes(actor.departmentId)) throw new DomainError('FORBIDDEN', 'That department is outside yours.', { field: 'departmentId' });
      }
      query.scope = filter.departmentId ?? actor.departmentId;
    } else if (filter.departmentId) query.scope = filter.departmentId;
    if (filter.state?.length) query.state = filter.state.length === 1 ? filter.state[0] : { $in: filter.state };
    else if (filter.open !== undefined) query.state = filter.open ? { $in: openStates } : { $nin: openStates };
    if (filter.categoryId) query.categoryId = filter.categoryId;
    if (filter.street) query['location.departmentId'] = filter.street;
    if (filter.extensionPending !== undefined) query.pendingExtension = filter.extensionPending ? { $ne: null } : null;
    if (filter.undoableAt) {
      const { autoDispatchUndoMinutes } = await this.settings.current();
      query['routing.status'] = 'auto_dispatched';
      query['routing.autoDispatchedAt'] = { $gte: new Date(filter.undoableAt.getTime() - autoDispatchUndoMinutes * 60_000) };
      if (!filter.state?.length) query.state = { $in: ['dispatched', 'in_handling'] };
    }
    if (filter.handledBy) {
      // Both conditions on the same part: another department's open part must not count.
      query.assignments = { $elemMatch: { departmentId: filter.handledBy, state: { $in: partsInHand } } };
      if (!filter.state?.length) query.state = { $in: statesInHand };
    }
    if (filter.channel) query.channel = filter.channel;
    if (filter.urgency) query.urgency = filter.urgency;
    if (filter.warning) query.warning = filter.warning;
    if (filter.phone) {
      query['requester.phone'] = requesterPhone(filter.phone);
      // A department never learns a confidential requester's phone, so it may not use one as a
      // key either: a match would confirm who called. The answer is then the same whether such a
      // ticket exists or not; the department still finds its non-confidential requesters this way.
      if (!centre) query['requester.confidential'] = false;
    }
    if (filter.intakeBy) query.intakeBy = filter.intakeBy;
    if (filter.overdue) query.warning = 'red';
    if (filter.from || filter.to) query.createdAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };

    const sort = filter.sort ?? 'newest';
    const key = sort === 'due' ? 'dueAt' : '_id';
    const direction = sort === 'newest' ? -1 : 1;
    if (filter.cursor) Object.assign(query, cursorFilter(filter.cursor, key, direction));
    const rows = await this.tickets
      .find(query)
      .sort(key === '_id' ? { _id: direction } : { [key]: direction, _id: direction })
      .limit(filter.limit + 1)
      .lean();
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > filter.limit && last ? encodeCursor(key === '_id' ? null : (last.dueAt ?? null), String(last._id)) : null;
    return { items: page.map(summarizeTicket), nextCursor };
  }

  /** Keyword search, best matches first; only tickets the actor may read are returned. */
  async search(actor: Actor, query: string, limit: number, now: Date): Promise<TicketSummary[]> {
    // Who may read a ticket that no department holds reads every ticket; department users their scope.
    const filter = mayRead(actor, { scope: [] }) ? {} : actor.departmentId ? { scope: actor.departmentId } : null;
    if (!filter) return [];
    return (await this.byTerms(query, filter, limit, now)).map(summarizeTicket);
  }

  /** Tickets whose text is most like `text`, best first, whoever holds them (duplicate candidates). */
  similarTo(text: string, limit: number, now: Date): Promise<TicketDocument[]> {
    return this.byTerms(text, {}, limit, now);
  }

  private async byTerms(query: string, filter: { scope?: string }, limit: number, now: Date): Promise<TicketDocument[]> {
    const ids = await rankByTerms(this.termIndex, query, { filter, limit, now });
    return (await inRankOrder(this.tickets, ids, filter)) as TicketDocument[];
  }

  /**
   * The caller's earlier tickets, newest first, for the operator's pop-up while the phone rings:
   * the number in any form finds them; a withheld caller or a caller id that is no number has none.
   */
  async byPhone(actor: Actor, phone: string, now: Date, limit = 20): Promise<TicketSummary[]> {
    authorize(actor, 'tickets.intake');
    const number = canonicalPhone(phone);
    if (!number) return [];
    const rows = await this.tickets.find({ 'requester.phone': number }).sort({ createdAt: -1 }).limit(limit).lean();
    if (rows.length) await this.recordRead(actor, rows.map((r) => String(r._id)), now, 'caller_history');
    return rows.map(summarizeTicket);
  }

  /** For the requester without an account: the number and the phone they gave (in any form) must both match. */
  async follow(number: string, phone: string) {
    const ticket = await this.ofRequester(number, phone);
    const events = await this.events.find({ ticketId: String(ticket._id) }).sort({ version: 1 }).lean();
    const publicSteps = new Set(['intake', 'resolve_on_call', 'dispatch', 'accept', 'request_info', 'receive_info', 'interim_reply', 'approve_reply', 'callback', 'archive', 'cancel', 'merge']);
    const lead = ticket.assignments.find((a) => a.role === 'lead');
    return {
      number: ticket.number,
      state: ticket.state,
      subject: ticket.subject,
      createdAt: ticket.createdAt,
      reply: ['awaiting_callback', 'closed', 'archived'].includes(ticket.state) ? (lead?.reply ?? null) : null,
      informationRequested: ticket.state === 'waiting_info' ? (ticket.infoRequest?.items ?? []) : [],
      steps: events.filter((e) => publicSteps.has(e.action)).map((e) => ({ action: e.action, at: e.at, state: e.to })),
    };
  }

  async requesterReads(actor: Actor, ticketId: string): Promise<RequesterRead[]> {
    authorize(actor, 'privacy.read');
    return this.reads.find({ ticketId }).sort({ at: -1 }).limit(500).lean();
  }

  /**
   * The lifecycle environment for a ticket: now, calendar, limits and its category's own limits.
   * With `envs`, each category's chain is read once for all the tickets acted on at `now`.
   */
  async env(now: Date, categoryId: string | null, envs?: LifecycleEnvs): Promise<LifecycleEnv> {
    if (!envs) return this.envFor(now, categoryId ? await this.categoryChain(categoryId) : []);
    const key = envKey(now, categoryId);
    let env = envs.get(key);
    if (!env) envs.set(key, (env = this.env(now, categoryId)));
    return env;
  }

  /** Puts the environments of these categories at `now` into `envs` with two reads in all, for a caller about to act on many tickets. */
  async prepareEnvs(now: Date, categoryIds: (string | null)[], envs: LifecycleEnvs): Promise<void> {
    const missing = [...new Set(categoryIds)].filter((id): id is string => id !== null && !envs.has(envKey(now, id)));
    if (!missing.length) return;
    const categories = [...(await this.categories.clockRows(missing)).values()];
    const ancestors = await this.categories.clockRows(categories.flatMap((c) => c.ancestors));
    const settings = await this.settings.current();
    for (const category of categories) envs.set(envKey(now, String(category._id)), Promise.resolve(envOf(now, settings, chainOf(category, ancestors))));
  }

  private async envFor(now: Date, chain: CategoryLink[]): Promise<LifecycleEnv> {
    return envOf(now, await this.settings.current(), chain);
  }

  private async create(ctx: ActionContext, input: IntakeInput, key: { idempotencyKey: string; idempotencyFingerprint: string } | null): Promise<Intake> {
    const chain = input.categoryId ? await this.categoryChain(input.categoryId) : [];
    const category = chain[0] ?? null;
    if (input.categoryId && !category) throw new DomainError('CATEGORY_NOT_FOUND', `No category with id ${input.categoryId}.`, { field: 'categoryId' });
    // A retired category, or one below a retired one, takes no new requests (pickers no longer offer
    // it); imported history keeps its own.
    if (category && input.channel !== 'import' && chain.some((c) => !c.active)) {
      throw new DomainError('CATEGORY_NOT_FOUND', `Category ${category.path} is no longer in use.`, { field: 'categoryId' });
    }
    if (input.location?.departmentId && !(await this.departments.exists(input.location.departmentId))) {
      throw new DomainError('DEPARTMENT_NOT_FOUND', `No department with id ${input.location.departmentId}.`, { field: 'location.departmentId' });
    }
    const env = await this.envFor(ctx.now, chain);
    const draft = newTicket(input, { intakeBy: ctx.actor.via === 'public' ? null : ctx.actor.userId, categoryPath: category?.path ?? null, now: ctx.now }, env);
    const _id = new Types.ObjectId();
    const id = String(_id);
    const event = this.eventOf(id, 1, ctx, { action: 'intake', from: null, to: 'received', reason: null, data: { channel: input.channel } });
    const terms = ticketTerms(input);
    const rollups = this.policy.rollupsOf(event, draft, null, terms);
    for (let attempt = 0; ; attempt++) {
      const numbered = { ...draft, number: await this.numbers.next(draft.createdAt) };
      const owed = owe<TicketEffect>({ id: event._id, event, rollups, ticket: snapshotOf(numbered), terms }, ctx.now);
      const document: TicketDocument = { ...numbered, ...owed.set, ...key, _id, effects: [owed.push.effects] };
      try {
        // Built whole by `newTicket` (every field, every default): the driver's insert, without building a mongoose document of it.
        await this.tickets.collection.insertOne(document as never);
        await settleEffects(this.tickets, document, this.reactions);
        // The ticket as written answers the request: no second read.
        return { id, number: document.number, replayed: false, ticket: presentTicket({ ...document, effects: [], effectsDueAt: null }, ctx.actor, env) };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // The key's first request won meanwhile; otherwise the number was taken (an import or a
        // restored database holding later numbers than the day's counter): take the next one.
        const earlier = key ? await this.replay(ctx, key) : null;
        if (earlier) return earlier;
        if (attempt >= 50) throw err;
      }
    }
  }

  private async write(id: string, previous: TicketDocument, next: Ticket, event: NewEvent, ctx: ActionContext): Promise<TicketDocument> {
    const version = previous.version + 1;
    const fields = Object.fromEntries(Object.entries(next).filter(([name]) => !(writeFields as readonly string[]).includes(name))) as Partial<Ticket>;
    const stored = this.eventOf(id, version, ctx, event);
    const rescoped = !sameMembers(previous.scope, next.scope);
    const owed = owe<TicketEffect>(
      { id: stored._id, event: stored, rollups: this.policy.rollupsOf(stored, next, previous, []), ticket: snapshotOf({ ...next, version }), ...(rescoped ? { rescoped } : {}) },
      ctx.now,
    );
    // One atomic write: the version step, its event and what it owes; the reactions follow from it.
    const written = (await compareAndSet(this.tickets, id, previous.version, { ...fields, ...owed.set }, 'ticket', { push: owed.push })) as TicketDocument;
    await settleEffects(this.tickets, written, this.reactions);
    return written;
  }

  private eventOf(ticketId: string, version: number, ctx: ActionContext, event: NewEvent): TicketEvent {
    const { actor } = ctx;
    return {
      _id: `${ticketId}:${version}`, ticketId, version, at: ctx.now,
      actor: { userId: actor.userId || null, username: actor.username, roles: actor.roles, departmentId: actor.departmentId, via: actor.via },
      ...event,
    };
  }

  private conflict(ticket: TicketDocument, actor: Actor, env: LifecycleEnv): DomainError {
    return new DomainError('VERSION_CONFLICT', `The ticket changed meanwhile (now ${ticket.state}, version ${ticket.version}); reload it.`, {
      state: ticket.state, currentVersion: ticket.version, allowedActions: allowedActions(ticket, actor, env),
    });
  }

  private async resolveInput<A extends TicketAction>(action: A, request: ActionRequest<A>, ticket: TicketDocument): Promise<ActionInputs[A]> {
    if (action === 'merge') {
      const parentId = (request as ActionInputs['merge']).parentId;
      assertId(parentId, 'ticket');
      const parent = await this.tickets.findById(parentId, { state: 1, parentId: 1 }).lean();
      if (!parent || parentId === String(ticket._id)) throw new DomainError('PARENT_NOT_FOUND', 'The parent ticket does not exist.', { field: 'parentId' });
      if (!openStates.includes(parent.state) || parent.state === 'closed') throw new DomainError('PARENT_NOT_OPEN', 'Merge into a ticket that is still open.', { field: 'parentId' });
      return request as ActionInputs[A];
    }
    if (!('lead' in (request as object))) return request as ActionInputs[A];
    const { lead, assists = [], ...rest } = request as { lead: string; assists?: string[] };
    const refs = await Promise.all([lead, ...assists].map((id, i) => this.departmentRef(id, i === 0 ? 'lead' : 'assists')));
    return { ...rest, lead: refs[0]!, assists: refs.slice(1) } as ActionInputs[A];
  }

  private async departmentRef(id: string, field: string): Promise<DepartmentRef> {
    const department = isObjectIdString(id) ? await this.departments.placeOf(id) : null;
    if (!department || !department.active) throw new DomainError('DEPARTMENT_NOT_FOUND', `No active department with id ${id}.`, { field });
    return { id, ancestors: department.ancestors };
  }

  /** A category and its ancestors, nearest first (empty when there is no such category). */
  private async categoryChain(categoryId: string): Promise<CategoryLink[]> {
    const category = (await this.categories.clockRows([categoryId])).get(categoryId);
    if (!category) return [];
    return chainOf(category, await this.categories.clockRows(category.ancestors));
  }

  private async load(id: string): Promise<TicketDocument> {
    assertId(id, 'ticket');
    const ticket = await this.tickets.findById(id).lean();
    if (!ticket) throw notFound('ticket', id);
    return ticket as TicketDocument;
  }

  private async recordRead(actor: Actor, ticketIds: string[], now: Date, purpose: RequesterRead['purpose']): Promise<void> {
    await this.reads.insertMany(ticketIds.map((ticketId) => ({ at: now, ticketId, userId: actor.userId || null, username: actor.username, roles: actor.roles, purpose })));
  }
}

type CategoryLink = Pick<Category, 'path' | 'complex' | 'limits' | 'active'>;

const sameMembers = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Lifecycle environments by instant and category, kept by a caller for one run over many tickets. */
export type LifecycleEnvs = Map<string, Promise<LifecycleEnv>>;

const envKey = (now: Date, categoryId: string | null) => `${now.toISOString()} ${categoryId ?? ''}`;

function envOf(now: Date, settings: CurrentSettings, chain: CategoryLink[]): LifecycleEnv {
  return { now, calendar: settings.calendar, limits: settings.limits, thresholds: settings.thresholds, returnCap: settings.returnCap, autoDispatchUndoMinutes: settings.autoDispatchUndoMinutes, defaults: settings.defaultDecisions, categoryLimits: categoryLimits(chain) };
}

/** A category and its ancestors, nearest first. */
function chainOf(category: CategoryLink & Pick<Category, 'ancestors'>, ancestors: Map<string, CategoryLink>): CategoryLink[] {
  return [category, ...[...category.ancestors].reverse().flatMap((id) => ancestors.get(id) ?? [])];
}

/**
 * A category's limits: complexity (15 working days) and the administrator's overrides, each
 * inherited from the nearest category up the tree (`chain`, nearest first) that sets it.
 */
function categoryLimits(chain: CategoryLink[]): LimitOverrides {
  const complex = chain.some((c) => c.complex);
  // From the root down, so a nearer category's limit overrides a farther one's, slot by slot.
  return chain.reduceRight<LimitOverrides>((merged, c) => mergeLimits(merged, c.limits ?? {}), complex ? COMPLEX_CATEGORY_LIMITS : {});
}

/**
 * A ticket as intake creates it (state `received`, its dispatch clock running), before it has a
 * number. Pure; exported for the benchmarks' seeding, which must build tickets exactly like this.
 */
export function newTicket(input: IntakeInput, facts: { intakeBy: string | null; categoryPath: string | null; now: Date }, env: LifecycleEnv): Ticket {
  const receivedAt = input.receivedAt ?? facts.now;
  const urgency = input.urgency ?? 'normal';
  return settleClocks({
    number: '',
    channel: input.channel,
    requestType: input.requestType,
    categoryId: input.categoryId ?? null,
    categoryPath: facts.categoryPath,
    urgency,
    requester: {
      name: input.requester.name ?? null, phone: requesterPhone(input.requester.phone), email: input.requester.email ?? null,
      address: input.requester.address ?? null, confidential: input.requester.confidential ?? false,
    },
    location: { address: input.location?.address ?? null, departmentId: input.location?.departmentId ?? null, coordinates: input.location?.coordinates ?? null },
    subject: input.subject,
    content: input.content,
    attachments: (input.attachments ?? []).map((a) => ({ ...a, url: a.url ?? null })),
    callId: input.callId ?? null,
    external: input.external ?? null,
    routing: { status: 'pending', suggestions: [], proposedAt: null, autoDispatchedAt: null, taken: null },
    intakeBy: facts.intakeBy,
    state: 'received',
    version: 1,
    assignments: [],
    scope: [],
    dispatchClock: { startedAt: receivedAt, limit: resolveLimit('dispatch', input.requestType, urgency, env.categoryLimits, env.limits), pauses: [], extendedTo: null },
    callbackClock: null,
    infoRequest: null,
    pendingExtension: null,
    returnCount: 0,
    stateBeforeReturn: null,
    returnedAt: null,
    urgeCount: 0,
    supervisedAt: null,
    reopenCount: 0,
    callback: null,
    survey: { status: 'none', sentAt: null },
    parentId: null,
    cancelReason: null,
    warning: 'none',
    warnedLevel: 'none',
    nextDeadlineAt: null,
    dueAt: null,
    createdAt: receivedAt,
    updatedAt: facts.now,
    closedAt: null,
    effects: [],
    effectsDueAt: null,
  }, env);
}

function mergeLimits(base: LimitOverrides, over: LimitOverrides): LimitOverrides {
  return {
    ...base,
    ...over,
    accept: { ...base.accept, ...over.accept },
    reply: { ...base.reply, ...over.reply, normal: { ...base.reply?.normal, ...over.reply?.normal } },
  };
}

function encodeCursor(value: Date | null, id: string): string {
  return Buffer.from(JSON.stringify([value?.toISOString() ?? null, id])).toString('base64url');
}

function cursorFilter(cursor: string, key: string, direction: 1 | -1): Record<string, unknown> {
  let value: string | null;
  let id: string;
  try {
    [value, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string | null, string];
    assertId(id, 'cursor');
  } catch {
    throw new DomainError('INVALID_CURSOR', 'The cursor is not one this API returned.', { field: 'cursor' });
  }
  const op = direction === 1 ? '$gt' : '$lt';
  const objectId = new Types.ObjectId(id);
  if (key === '_id') return { _id: { [op]: objectId } };
  const at = value ? new Date(value) : null;
  return { $or: [{ [key]: { [op]: at } }, { [key]: at, _id: { [op]: objectId } }] };
}
