import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { defineModel } from '../platform/database.js';

/**
 * A ticket's search terms, beside the ticket rather than in it: the multikey index of some forty
 * terms per ticket would otherwise be rewritten by every change of the ticket (PostgreSQL rewrites
 * every index entry of a changed row), though the text never changes after intake. `scope` follows
 * the ticket's (department users search their own), stamped with the version that set it.
 */
export interface TicketTerms {
  _id: Types.ObjectId;
  terms: string[];
  scope: string[];
  /** The ticket version `scope` is from: a late reaction never puts an older scope back. */
  version: number;
}

const ticketTermsSchema = new Schema<TicketTerms>(
  { _id: Schema.Types.ObjectId, terms: { type: [String], default: [] }, scope: { type: [String], default: [] }, version: { type: Number, required: true } },
  { versionKey: false, collection: 'ticket_terms' },
);
// Keyword search reads each term's newest tickets: the `_id` key keeps that walk short for frequent terms.
ticketTermsSchema.index({ terms: 1, _id: -1 });

export const ticketTermsModel = (connection: Connection): Model<TicketTerms> => defineModel(connection, 'TicketTerms', ticketTermsSchema);
