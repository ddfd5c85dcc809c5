import { Schema, type Connection, type Model } from 'mongoose';
import type { Clock, RequestType, Urgency, WarningLevel } from '../clocks/index.js';
import { REQUEST_TYPES } from '../clocks/index.js';
import { defineModel } from '../platform/database.js';
import type { OwedEffect } from '../platform/owed-effects.js';
import type { RollupDelta } from '../analytics/department-counters.js';
import { canonicalPhone } from '../requesters/phone-number.js';
import { tokenizeForIndex } from '../search/tokenize.js';
import type { TicketEvent } from './ticket-events.js';

export const ticketStates = [
  'received', 'dispatched', 'in_handling', 'waiting_info', 'returned', 'replied',
  'awaiting_callback', 'closed', 'archived', 'merged', 'cancelled',
] as const;
export type TicketState = (typeof ticketStates)[number];

/** States in which a ticket still needs someone to act; the others are done. */
export const openStates: readonly TicketState[] = ['received', 'dispatched', 'in_handling', 'waiting_info', 'returned', 'replied', 'awaiting_callback', 'closed'];

/** States in which the departments hold the ticket and their clocks run. */
export const statesInHand: readonly TicketState[] = ['dispatched', 'in_handling', 'waiting_info', 'returned'];

export const channels = ['phone', 'web', 'app', 'sms', 'email', 'open311', 'mailbox', 'online', 'import'] as const;
export type Channel = (typeof channels)[number];
export const requestTypes = REQUEST_TYPES;
export const urgencies = ['normal', 'urgent'] as const;
export const satisfactions = ['satisfied', 'basically_satisfied', 'dissatisfied'] as const;
export type Satisfaction = (typeof satisfactions)[number];

export const partStates = ['dispatched', 'accepted', 'replied', 'released', 'returned', 'withdrawn'] as const;
/** One department's share of a ticket: the lead (主办) or an assisting department (协办). */
export type PartState = (typeof partStates)[number];
/** A department's part it still has to accept or reply to. */
export const partsInHand: readonly PartState[] = ['dispatched', 'accepted'];

export interface Requester {
  name: string | null;
  /** `requesterPhone`: canonical, so that any form of the number finds the requester. */
  phone: string | null;
  email: string | null;
  address: string | null;
  /** 保密: departments never see name, phone or e-mail. */
  confidential: boolean;
}

/** A requester's phone as stored and searched: its canonical form; text that is no number as it was written. */
export const requesterPhone = (phone: string | null | undefined): string | null => canonicalPhone(phone) ?? (phone?.trim() || null);

export interface Assignment {
  departmentId: string;
  /** The department's ancestors: users of any of them see the ticket too. */
  departmentAncestors: string[];
  role: 'lead' | 'assist';
  state: PartState;
  dispatchedAt: Date;
  acceptClock: Clock;
  acceptedAt: Date | null;
  /** Accepted after the accept limit: counted against the department's response rate. */
  acceptedLate: boolean;
  replyClock: Clock;
  repliedAt: Date | null;
  /** Replied after the (extended) reply deadline: counted against the on-time reply rate. */
  repliedLate: boolean;
  reply: string | null;
}

export interface CallbackResult {
  resolved: boolean | null;
  satisfaction: Satisfaction | null;
  comment: string | null;
  at: Date;
  /** How the requester answered: on the phone with an operator, or on the survey page. */
  via: 'phone' | 'survey' | 'sms' | 'unreachable';
}

export interface RoutingSuggestion {
  departmentId: string;
  categoryId: string | null;
  /** What the suggestion rests on, for the dispatcher: a rule's description or the predicted category. */
  label: string;
  confidence: number;
  source: 'category' | 'location' | 'keyword' | 'classifier';
}

export interface Routing {
  /** `undone`: the centre took an automatic dispatch back; a dispatcher decides now. */
  status: 'pending' | 'proposed' | 'auto_dispatched' | 'undone';
  suggestions: RoutingSuggestion[];
  proposedAt: Date | null;
  /** When the routing job dispatched it without a dispatcher: the undo window runs from here. */
  autoDispatchedAt: Date | null;
  /** Which suggestion the dispatch followed (index), or null when none was: routing accuracy in production. */
  taken: number | null;
}

/**
 * A request another system handed over (an Open311 partner): who, and what identifies it there.
 * `token` is the Idempotency-Key the partner sent with it, by which it can find the request again.
 */
export interface ExternalOrigin {
  partner: string;
  token: string | null;
  accountId: string | null;
  deviceId: string | null;
  addressId: string | null;
}

export interface Ticket {
  number: string;
  channel: Channel;
  requestType: RequestType;
  categoryId: string | null;
  categoryPath: string | null;
  urgency: Urgency;
  requester: Requester;
  location: { address: string | null; departmentId: string | null; coordinates: { lat: number; lng: number } | null };
  subject: string;
  content: string;
  attachments: { name: string; contentType: string; size: number; url: string | null }[];
  callId: string | null;
  external: ExternalOrigin | null;
  routing: Routing;
  /** Who wrote the ticket (operator), or null for self-service channels. */
  intakeBy: string | null;
  state: TicketState;
  version: number;
  assignments: Assignment[];
  /** Union of every current assignment's department and its ancestors. */
  scope: string[];
  dispatchClock: Clock | null;
  callbackClock: Clock | null;
  infoRequest: { items: string[]; requestedAt: Date; receivedAt: Date | null } | null;
  pendingExtension: { departmentId: string; until: Date; reason: string; requestedAt: Date } | null;
  returnCount: number;
  /** The state a pending return interrupted, so a rejected return goes back to it. */
  stateBeforeReturn: TicketState | null;
  /** When the pending return was asked for: the centre's time to decide it runs from here. */
  returnedAt: Date | null;
  urgeCount: number;
  supervisedAt: Date | null;
  reopenCount: number;
  callback: CallbackResult | null;
  /**
   * The satisfaction survey of the current callback round: `pending` once the reply is accepted
   * (the callbacks job sends it), `no_contact` when the requester left neither mobile nor e-mail
   * and an operator must call.
   */
  survey: { status: 'none' | 'pending' | 'sent' | 'no_contact'; sentAt: Date | null };
  parentId: string | null;
  cancelReason: string | null;
  /** The worst warning over the running clocks, and when the next one changes: the sweep reads these. */
  warning: WarningLevel;
  /** The warning last recorded as an event, so the sweep raises each level once per stage. */
  warnedLevel: WarningLevel;
  nextDeadlineAt: Date | null;
  /** The lead department's reply deadline, for lists. */
  dueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  /** What the changes not yet settled owe (`owed-effects.ts`): written atomically with each change. */
  effects: TicketEffect[];
  effectsDueAt: Date | null;
  /**
   * `<scope>:<key>` of the Idempotency-Key the ticket was created with (absent without one): its
   * unique index makes the create itself the step a retried request cannot repeat.
   */
  idempotencyKey?: string;
  /** What that request was (a hash), so the same key with another request is refused. */
  idempotencyFingerprint?: string;
}

/** One change's consequences: its history entry, and what it adds to the roll-ups (computed as it was decided). */
export interface TicketEffect extends OwedEffect {
  event: TicketEvent;
  rollups: RollupDelta[];
  /**
   * The ticket as this change wrote it: reactions settled later (by the next change's writer, or
   * the relay) must see the ticket of their own change, not a later one.
   */
  ticket: TicketSnapshot;
  /** At intake: the search terms of the text (`ticketTerms`), kept beside the ticket (`ticket-terms.ts`). */
  terms?: string[];
  /** The change moved the ticket to other departments: the search terms follow its scope. */
  rescoped?: true;
}

export type TicketSnapshot = Omit<Ticket, 'effects' | 'effectsDueAt' | 'idempotencyKey' | 'idempotencyFingerprint'>;

const clockSchema = new Schema<Clock>(
  {
    startedAt: { type: Date, required: true },
    limit: { amount: Number, unit: String },
    pauses: [{ _id: false, from: Date, to: { type: Date, default: null } }],
    extendedTo: { type: Date, default: null },
  },
  { _id: false },
);

const assignmentSchema = new Schema<Assignment>(
  {
    departmentId: { type: String, required: true },
    departmentAncestors: [String],
    role: { type: String, enum: ['lead', 'assist'], required: true },
    state: { type: String, enum: partStates, required: true },
    dispatchedAt: { type: Date, required: true },
    acceptClock: { type: clockSchema, required: true },
    acceptedAt: { type: Date, default: null },
    acceptedLate: { type: Boolean, default: false },
    replyClock: { type: clockSchema, required: true },
    repliedAt: { type: Date, default: null },
    repliedLate: { type: Boolean, default: false },
    reply: { type: String, default: null },
  },
  { _id: false },
);

const ticketSchema = new Schema<Ticket>(
  {
    number: { type: String, required: true },
    channel: { type: String, enum: channels, required: true },
    requestType: { type: String, enum: requestTypes, required: true },
    categoryId: { type: String, default: null },
    categoryPath: { type: String, default: null },
    urgency: { type: String, enum: urgencies, required: true },
    requester: {
      name: { type: String, default: null },
      phone: { type: String, default: null },
      email: { type: String, default: null },
      address: { type: String, default: null },
      confidential: { type: Boolean, default: false },
    },
    location: {
      address: { type: String, default: null },
      departmentId: { type: String, default: null },
      coordinates: { type: { lat: Number, lng: Number }, default: null, _id: false },
    },
    subject: { type: String, required: true },
    content: { type: String, required: true },
    attachments: [{ _id: false, name: String, contentType: String, size: Number, url: { type: String, default: null } }],
    callId: { type: String, default: null },
    external: {
      type: { partner: String, token: { type: String, default: null }, accountId: { type: String, default: null }, deviceId: { type: String, default: null }, addressId: { type: String, default: null } },
      default: null,
      _id: false,
    },
    routing: {
      status: { type: String, enum: ['pending', 'proposed', 'auto_dispatched', 'undone'], default: 'pending' },
      suggestions: [{ _id: false, departmentId: String, categoryId: { type: String, default: null }, label: String, confidence: Number, source: String }],
      proposedAt: { type: Date, default: null },
      autoDispatchedAt: { type: Date, default: null },
      taken: { type: Number, default: null },
    },
    intakeBy: { type: String, default: null },
    state: { type: String, enum: ticketStates, required: true },
    version: { type: Number, required: true },
    assignments: { type: [assignmentSchema], default: [] },
    scope: { type: [String], default: [] },
    dispatchClock: { type: clockSchema, default: null },
    callbackClock: { type: clockSchema, default: null },
    infoRequest: { type: { items: [String], requestedAt: Date, receivedAt: { type: Date, default: null } }, default: null, _id: false },
    pendingExtension: { type: { departmentId: String, until: Date, reason: String, requestedAt: Date }, default: null, _id: false },
    returnCount: { type: Number, default: 0 },
    stateBeforeReturn: { type: String, default: null },
    returnedAt: { type: Date, default: null },
    urgeCount: { type: Number, default: 0 },
    supervisedAt: { type: Date, default: null },
    reopenCount: { type: Number, default: 0 },
    callback: {
      type: { resolved: { type: Boolean, default: null }, satisfaction: { type: String, default: null }, comment: { type: String, default: null }, at: Date, via: String },
      default: null,
      _id: false,
    },
    survey: {
      status: { type: String, enum: ['none', 'pending', 'sent', 'no_contact'], default: 'none' },
      sentAt: { type: Date, default: null },
    },
    parentId: { type: String, default: null },
    cancelReason: { type: String, default: null },
    warning: { type: String, enum: ['none', 'yellow', 'red'], default: 'none' },
    warnedLevel: { type: String, enum: ['none', 'yellow', 'red'], default: 'none' },
    nextDeadlineAt: { type: Date, default: null },
    dueAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    closedAt: { type: Date, default: null },
    effects: { type: Schema.Types.Mixed, default: [] },
    effectsDueAt: { type: Date, default: null },
    idempotencyKey: { type: String },
    idempotencyFingerprint: { type: String },
  },
  { versionKey: false, collection: 'tickets', minimize: false },
);
ticketSchema.index({ number: 1 }, { unique: true });
ticketSchema.index({ idempotencyKey: 1 }, { unique: true, sparse: true });
ticketSchema.index({ effectsDueAt: 1 });
ticketSchema.index({ scope: 1, state: 1, _id: -1 });
ticketSchema.index({ state: 1, createdAt: -1 });
// The deadline sweep's range query, in deadline order.
ticketSchema.index({ nextDeadlineAt: 1 });
// The public results page: the latest archived tickets.
ticketSchema.index({ state: 1, closedAt: -1, _id: -1 });
ticketSchema.index({ 'requester.phone': 1, createdAt: -1 });
ticketSchema.index({ parentId: 1 });
ticketSchema.index({ callId: 1 });
// The Open311 API lists one channel's tickets, newest first, and finds a partner's request by its token.
ticketSchema.index({ channel: 1, createdAt: -1 });
ticketSchema.index({ 'external.token': 1 }, { sparse: true });
ticketSchema.index({ 'routing.status': 1 });
ticketSchema.index({ 'survey.status': 1 });

export const ticketModel = (connection: Connection): Model<Ticket> => defineModel(connection, 'Ticket', ticketSchema);
export type TicketDocument = Ticket & { _id: unknown };
export const ticketId = (ticket: TicketDocument): string => String(ticket._id);

export const ticketTerms = (ticket: Pick<Ticket, 'subject' | 'content'>): string[] => tokenizeForIndex(`${ticket.subject} ${ticket.content}`);
