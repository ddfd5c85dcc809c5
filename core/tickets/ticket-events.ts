import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';
import type { TicketState } from './ticket.js';

/** One change of a ticket, kept forever: the ticket's history and its audit trail. */
export interface TicketEvent {
  /** `<ticketId>:<version>`: at most one event per version step. */
  _id: string;
  ticketId: string;
  version: number;
  at: Date;
  actor: { userId: string | null; username: string; roles: string[]; departmentId: string | null; via: string };
  action: string;
  from: TicketState | null;
  to: TicketState;
  reason: string | null;
  data: Record<string, unknown>;
}

const eventSchema = new Schema<TicketEvent>(
  {
    _id: String,
    ticketId: { type: String, required: true },
    version: { type: Number, required: true },
    at: { type: Date, required: true },
    actor: { userId: String, username: String, roles: [String], departmentId: String, via: String },
    action: { type: String, required: true },
    from: { type: String, default: null },
    to: { type: String, required: true },
    reason: { type: String, default: null },
    data: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false, collection: 'ticket_events', minimize: false },
);
eventSchema.index({ ticketId: 1, version: 1 });
eventSchema.index({ at: 1 });

export const ticketEventModel = (connection: Connection): Model<TicketEvent> => defineModel(connection, 'TicketEvent', eventSchema);

/** Who read a requester's name or phone, when, on which ticket (privacy accountability). */
export interface RequesterRead {
  at: Date;
  ticketId: string;
  userId: string | null;
  username: string;
  roles: string[];
  purpose: 'ticket' | 'caller_history';
}

const readSchema = new Schema<RequesterRead>(
  { at: Date, ticketId: String, userId: String, username: String, roles: [String], purpose: String },
  { versionKey: false, collection: 'requester_reads' },
);
readSchema.index({ ticketId: 1, at: -1 });
readSchema.index({ at: -1 });

export const requesterReadModel = (connection: Connection): Model<RequesterRead> => defineModel(connection, 'RequesterRead', readSchema);
