import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { authorize, type Actor } from '../accounts/access.js';
import { defineModel } from '../platform/database.js';
import { DomainError } from '../platform/errors.js';
import { isObjectIdString } from '../platform/documents.js';
import { catalogue, locales, noticeChannels, type Locale, type NoticeChannel, type TemplateData, type TemplateId } from '../../templates/catalogue.js';

export const noticeStates = ['pending', 'sending', 'sent', 'failed'] as const;
export type NoticeState = (typeof noticeStates)[number];

/** One message to one recipient, kept after it is sent: the outbox is also the record of what went out. */
export interface Notice {
  /** Derived from event, template, channel and recipient (`noticeId`). */
  _id: string;
  /** What caused it, e.g. a ticket event `<ticketId>:<version>`. */
  eventId: string;
  template: TemplateId;
  locale: Locale;
  channel: NoticeChannel;
  to: string;
  data: Record<string, unknown>;
  state: NoticeState;
  /** Attempts started, the one under way included. */
  attempts: number;
  /** When a pending notice is due. */
  nextAttemptAt: Date | null;
  /** The running attempt: when and by which sender it was claimed, and when it passed the point of no return. */
  claimedAt: Date | null;
  claimedBy: string | null;
  committedAt: Date | null;
  /** Why the last attempt failed, or why a sent notice is unconfirmed. */
  lastError: string | null;
  sentAt: Date | null;
  /** When the database stored the notice as sent, by its own clock: for the TTL index. */
  sentStoredAt?: Date;
  createdAt: Date;
  version: number;
}

const noticeSchema = new Schema<Notice>(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    template: { type: String, required: true },
    locale: { type: String, enum: locales, required: true },
    channel: { type: String, enum: noticeChannels, required: true },
    to: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    state: { type: String, enum: noticeStates, required: true },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, default: null },
    claimedAt: { type: Date, default: null },
    claimedBy: { type: String, default: null },
    committedAt: { type: Date, default: null },
    lastError: { type: String, default: null },
    sentAt: { type: Date, default: null },
    sentStoredAt: { type: Date },
    createdAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'outbox', minimize: false },
);
noticeSchema.index({ state: 1, nextAttemptAt: 1 });
noticeSchema.index({ eventId: 1 });
// Sent notices carry requesters' addresses and texts; a month is enough to answer "did it go out?".
noticeSchema.index({ sentStoredAt: 1 }, { expireAfterSeconds: 30 * 86_400 });

export const outboxModel = (connection: Connection): Model<Notice> => defineModel(connection, 'Notice', noticeSchema);

/** A notice to enqueue; the template decides the type of its data. */
export type NoticeRequest = {
  [I in TemplateId]: { eventId: string; template: I; locale: Locale; channel: NoticeChannel; to: string; data: TemplateData[I] };
}[TemplateId];

/** The same event, template, channel and recipient give the same id, so enqueueing an event twice stores its notices once. */
export function noticeId(request: Pick<NoticeRequest, 'eventId' | 'template' | 'channel' | 'to'>): string {
  return createHash('sha256')
    .update([request.eventId, request.template, request.channel, request.to.trim().toLowerCase()].join('\n'))
    .digest('hex')
    .slice(0, 32);
}

export interface FailedNotice {
  id: string;
  eventId: string;
  template: TemplateId;
  channel: NoticeChannel;
  to: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

export class Outbox {
  readonly notices: Model<Notice>;

  constructor(connection: Connection) {
    this.notices = outboxModel(connection);
  }

  /** Stores the notices as pending and due now; one already stored (a replayed event) is left as it is. Returns how many are new. */
  async enqueue(requests: NoticeRequest[], now: Date): Promise<number> {
    for (const request of requests) {
      if (!catalogue[request.template].channels.includes(request.channel)) {
        throw new DomainError('NOTICE_CHANNEL_UNSUPPORTED', `The ${request.template} notice is not sent by ${request.channel}.`);
      }
    }
    const documents: Notice[] = requests.map((request) => ({
      _id: noticeId(request), eventId: request.eventId, template: request.template, locale: request.locale, channel: request.channel,
      to: request.to.trim(), data: request.data, state: 'pending', attempts: 0, nextAttemptAt: now, claimedAt: null, claimedBy: null,
      committedAt: null, lastError: null, sentAt: null, createdAt: now, version: 1,
    }));
    let created = 0;
    for (const document of documents) {
      try {
        await this.notices.create(document);
        created++;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    }
    return created;
  }

  /**
   * The tickets notices with these ids were about (a ticket notice's event id begins with its
   * ticket's id), for messages that answer one: their Message-IDs carry the notice id.
   */
  async ticketIdsOf(noticeIds: string[]): Promise<string[]> {
    if (!noticeIds.length) return [];
    const rows = await this.notices.find({ _id: { $in: noticeIds } }, { eventId: 1 }).lean();
    return [...new Set(rows.map((n) => n.eventId.split(':')[0]!).filter(isObjectIdString))];
  }

  /** Notices given up on, newest first: for the people who decide what to do about them. */
  async failures(actor: Actor, limit = 100): Promise<FailedNotice[]> {
    authorize(actor, 'audit.read');
    const rows = await this.notices.find({ state: 'failed' }).sort({ createdAt: -1 }).limit(limit).lean();
    return rows.map((n) => ({
      id: n._id, eventId: n.eventId, template: n.template, channel: n.channel, to: n.to, attempts: n.attempts, lastError: n.lastError, createdAt: n.createdAt,
    }));
  }
}
