import { Schema, type Connection, type Model } from 'mongoose';
import type { CategoryRepository } from '../categories/category.repository.js';
import { defineModel } from '../platform/database.js';
import type { TicketEvent } from '../tickets/ticket-events.js';
import type { Ticket } from '../tickets/ticket.js';

/**
 * What the routing learns from: a message whose category the classifier guessed, and the first-level
 * category a person settled on instead (a dispatcher's dispatch, or the new lead of an approved
 * return). `npm run routing:train -- --corrections` and the retraining add them to the training set.
 */
export interface RoutingCorrection {
  /** The ticket event that settled it (`<ticketId>:<version>`): recording it twice changes nothing. */
  _id: string;
  ticketId: string;
  text: string;
  /** First-level category name, as the classifier names categories. */
  category: string;
  /** What the classifier guessed first. */
  predicted: string;
  departmentId: string;
  action: 'dispatch' | 'approve_return';
  at: Date;
}

const correctionSchema = new Schema<RoutingCorrection>(
  {
    _id: { type: String, required: true },
    ticketId: { type: String, required: true },
    text: { type: String, required: true },
    category: { type: String, required: true },
    predicted: { type: String, required: true },
    departmentId: { type: String, required: true },
    action: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'routing_corrections' },
);
correctionSchema.index({ at: 1 });

const settledBy = ['dispatch', 'approve_return'] as const;

/**
 * The correction an event makes, or null. Only a person's decision counts (the routing job's own
 * dispatch confirms nothing), only on tickets the classifier guessed for, and only when the chosen
 * department stands for one first-level category other than the classifier's first guess.
 * Pure: the caller gives the first-level categories with their default departments.
 */
export function correctionOf(
  ticket: Pick<Ticket, 'subject' | 'content' | 'routing'>,
  event: Pick<TicketEvent, '_id' | 'ticketId' | 'action' | 'actor' | 'data' | 'at'>,
  topLevel: readonly { id: string; name: string; departmentId: string | null }[],
): RoutingCorrection | null {
  const action = settledBy.find((a) => a === event.action);
  if (!action || event.actor.via === 'system') return null;
  const guess = ticket.routing.suggestions.find((s) => s.source === 'classifier');
  const lead = event.data.lead;
  if (!guess || typeof lead !== 'string') return null;
  const chosen = topLevel.filter((c) => c.departmentId === lead);
  const predicted = topLevel.find((c) => c.id === guess.categoryId);
  if (chosen.length !== 1 || !chosen[0] || !predicted || chosen[0].id === predicted.id) return null;
  return {
    _id: event._id, ticketId: event.ticketId, text: `${ticket.subject} ${ticket.content}`, category: chosen[0].name,
    predicted: predicted.name, departmentId: lead, action, at: event.at,
  };
}

/** Owner of the corrections collection. */
export class RoutingCorrections {
  private readonly model: Model<RoutingCorrection>;

  constructor(connection: Connection, private readonly categories: CategoryRepository) {
    this.model = defineModel(connection, 'RoutingCorrection', correctionSchema);
  }

  /** For the tickets' reactions: idempotent per event. */
  async recordFrom(ticket: Pick<Ticket, 'subject' | 'content' | 'routing'>, event: TicketEvent): Promise<void> {
    if (!settledBy.some((a) => a === event.action) || event.actor.via === 'system') return;
    const topLevel = (await this.categories.topLevel()).map((c) => ({ id: String(c._id), name: c.name, departmentId: c.defaultDepartmentId }));
    const correction = correctionOf(ticket, event, topLevel);
    if (correction) await this.model.updateOne({ _id: correction._id }, { $setOnInsert: correction }, { upsert: true });
  }

  async all(): Promise<RoutingCorrection[]> {
    return this.model.find({}).sort({ at: 1, _id: 1 }).lean();
  }
}
