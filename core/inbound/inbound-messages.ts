import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';
import { isDuplicateKey } from '../platform/documents.js';
import type { Satisfaction } from '../tickets/ticket.js';

/** What an inbound message was taken for, decided once before anything is written for it. */
export type InboundDecision =
  | { kind: 'ticket' }
  | { kind: 'message'; ticketId: string }
  | { kind: 'survey'; ticketId: string; round: number; satisfaction: Satisfaction };

/** What came of it: the ticket it created or joined, and for a survey answer the follow-up. */
export interface InboundOutcome {
  kind: 'ticket' | 'message' | 'survey';
  ticketId: string;
  number: string;
  followUp?: 'archived' | 'reopened' | null;
}

/**
 * One e-mail or SMS taken in, by the key its sender gave it (`email:<Message-ID>`,
 * `sms:<gateway id>`). The decision is stored first, so a retry after a crash repeats the same
 * steps (each idempotent) instead of deciding again on a world its first attempt already changed.
 */
interface InboundMessage {
  _id: string;
  decision: InboundDecision;
  outcome: InboundOutcome | null;
  createdAt: Date;
}

const inboundMessageSchema = new Schema<InboundMessage>(
  {
    _id: { type: String, required: true },
    decision: { type: Schema.Types.Mixed, required: true },
    outcome: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'inbound_messages', minimize: false },
);
// Senders retry within hours; the tickets keep their own keys for good.
inboundMessageSchema.index({ createdAt: 1 }, { expireAfterSeconds: 30 * 86_400 });

export const inboundMessageModel = (connection: Connection): Model<InboundMessage> => defineModel(connection, 'InboundMessage', inboundMessageSchema);

export class InboundMessages {
  private readonly messages: Model<InboundMessage>;

  constructor(connection: Connection) {
    this.messages = inboundMessageModel(connection);
  }

  /**
   * Takes a message in once: the decision stored for its key (`decide` runs only for a key not
   * seen before; when two attempts race, the first stored wins), then `perform` with it, whose
   * outcome is stored. A message already done returns its stored outcome without running anything.
   */
  async takeOnce(key: string, now: Date, decide: () => Promise<InboundDecision>, perform: (decision: InboundDecision) => Promise<InboundOutcome>): Promise<InboundOutcome & { replayed: boolean }> {
    let stored = await this.messages.findById(key).lean();
    if (stored?.outcome) return { ...stored.outcome, replayed: true };
    if (!stored) {
      const decision = await decide();
      try {
        stored = (await this.messages.create({ _id: key, decision, outcome: null, createdAt: now })).toObject();
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        stored = (await this.messages.findById(key).lean())!;
      }
    }
    const outcome = await perform(stored.decision);
    await this.messages.updateOne({ _id: key }, { $set: { outcome } });
    return { ...outcome, replayed: false };
  }
}
