import { Schema, type Connection, type Model } from 'mongoose';
import type { Actor } from '../accounts/access.js';
import { defineModel } from '../platform/database.js';

export interface AuditEvent {
  at: Date;
  actor: { userId: string | null; username: string; roles: string[]; via: string };
  /** A stable dotted name: `department.update`, `session.login_failed`, … */
  action: string;
  entity: { type: string; id: string | null };
  /** Changed fields only; never passwords, tokens or requesters' personal data. */
  changes?: Record<string, unknown>;
  requestId?: string | null;
}

const auditSchema = new Schema<AuditEvent>(
  {
    at: { type: Date, required: true },
    actor: {
      userId: { type: String, default: null },
      username: { type: String, required: true },
      roles: [String],
      via: String,
    },
    action: { type: String, required: true },
    entity: { type: { type: String, required: true }, id: { type: String, default: null } },
    changes: { type: Schema.Types.Mixed },
    requestId: { type: String, default: null },
  },
  { versionKey: false, collection: 'audit_events' },
);
auditSchema.index({ at: -1 });
auditSchema.index({ 'entity.type': 1, 'entity.id': 1, at: -1 });
auditSchema.index({ 'actor.userId': 1, at: -1 });

export const auditModel = (connection: Connection): Model<AuditEvent> => defineModel(connection, 'AuditEvent', auditSchema);

/** Context every state-changing use case receives: who, when, and the request to correlate logs. */
export interface ActionContext {
  actor: Actor;
  now: Date;
  requestId?: string | null;
}

export class AuditLog {
  constructor(private readonly model: Model<AuditEvent>) {}

  async record(
    ctx: ActionContext,
    action: string,
    entity: { type: string; id: string | null },
    changes?: Record<string, unknown>,
  ): Promise<void> {
    await this.model.create({
      at: ctx.now,
      actor: { userId: ctx.actor.userId || null, username: ctx.actor.username, roles: ctx.actor.roles, via: ctx.actor.via },
      action,
      entity,
      changes,
      requestId: ctx.requestId ?? null,
    });
  }

  async list(filter: { entityType?: string; entityId?: string; action?: string; before?: Date; limit: number }) {
    const query: Record<string, unknown> = {};
    if (filter.entityType) query['entity.type'] = filter.entityType;
    if (filter.entityId) query['entity.id'] = filter.entityId;
    if (filter.action) query.action = filter.action;
    if (filter.before) query.at = { $lt: filter.before };
    const rows = await this.model.find(query).sort({ at: -1, _id: -1 }).limit(filter.limit).lean();
    return rows.map(({ _id, ...row }) => ({ id: String(_id), ...row }));
  }
}
