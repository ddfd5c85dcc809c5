import type { Connection } from 'mongoose';
import type { Actor } from '../../core/accounts/access.js';
import { createServices, type Services } from '../../core/services.js';

/** The world a crash scenario acts in: made once by the test, handed to each writer process as JSON. */
export interface FlowWorld {
  departmentId: string;
  departmentAncestors: string[];
  categoryId: string;
}

/** Every writer, crashed or not, acts at the same instant: the roll-ups of all runs land in the same documents. */
export const flowNow = new Date('2026-03-02T02:00:00Z');

export const flowServices = (connection: Connection) =>
  createServices(connection, { authentication: { sessionTtlHours: 12, maxFailures: 5, lockMinutes: 15 } });

const actor = (roles: Actor['roles'], departmentId: string | null = null): Actor => ({
  userId: `u-${roles[0]}`, username: roles[0]!, roles, departmentId, via: 'session',
});

/**
 * One citizen's request from intake to acceptance, written as a client that retries would: the
 * create under its Idempotency-Key, then each step only if the ticket is not past it yet. Run to
 * the end once more after a crash, it must leave exactly what one uninterrupted run leaves.
 */
export async function runFlow(services: Services, world: FlowWorld, key: string): Promise<string> {
  const ctx = (a: Actor) => ({ actor: a, now: flowNow });
  const operator = actor(['operator']);
  const { id } = await services.tickets.intake(ctx(operator), {
    channel: 'phone', requestType: 'complaint', categoryId: world.categoryId,
    requester: { name: '李四', phone: '13800138000', email: 'lisi@example.test' },
    subject: '小区门口路灯不亮', content: '小区门口路灯不亮已经三天，晚上出行不便，请尽快维修。',
  }, key);
  let ticket = await services.tickets.get(operator, id, flowNow);
  if (ticket.state === 'received') ticket = await services.tickets.act(ctx(actor(['dispatcher'])), id, 'dispatch', { lead: world.departmentId });
  if (ticket.state === 'dispatched') await services.tickets.act(ctx(actor(['department_staff'], world.departmentId)), id, 'accept', {});
  return id;
}
