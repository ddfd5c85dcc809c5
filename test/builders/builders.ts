import { systemActor, type Actor } from '../../core/accounts/access.js';
import type { Role } from '../../core/accounts/roles.js';
import type { DepartmentInput } from '../../core/departments/departments.js';
import type { CategoryInput } from '../../core/categories/categories.js';
import type { Services } from '../../core/services.js';

export const testPassword = 'correct horse battery';
let sequence = 0;
const next = () => `${Date.now().toString(36)}${(sequence++).toString(36)}`;
const asSystem = () => ({ actor: systemActor, now: new Date('2026-03-02T02:00:00Z') });

export async function aDepartment(services: Services, overrides: Partial<DepartmentInput> = {}) {
  const id = next();
  return services.departments.create(asSystem(), { code: `D-${id}`, name: `测试部门${id}`, kind: 'bureau', ...overrides });
}

export async function aUser(services: Services, roles: Role[], overrides: { departmentId?: string | null; username?: string; email?: string } = {}) {
  const username = overrides.username ?? `${roles[0]!.replace('_', '')}-${next()}`;
  const user = await services.users.create(asSystem(), {
    username, displayName: `用户 ${username}`, password: testPassword, roles, departmentId: overrides.departmentId ?? null,
    email: overrides.email ?? null,
  });
  return { ...user, password: testPassword };
}

export async function aCategory(services: Services, overrides: Partial<CategoryInput> = {}) {
  return services.categories.create(asSystem(), { name: `类别${next()}`, ...overrides });
}

export interface ArchivedTicketInput {
  content: string;
  reply: string;
  requester: { name?: string; phone: string; address?: string; confidential?: boolean };
  requestType?: 'complaint' | 'report';
}

/** A ticket taken in at `now`, handled by `departmentId`, called back satisfied and archived; returns its id. */
export async function anArchivedTicket(services: Services, now: Date, input: ArchivedTicketInput, departmentId: string): Promise<string> {
  const staff: Actor = { userId: 'staff', username: 'staff', roles: ['department_staff'], departmentId, via: 'session' };
  const centre = { actor: systemActor, now };
  const { id } = await services.tickets.intake(centre, {
    channel: 'phone', requestType: input.requestType ?? 'complaint', requester: input.requester, subject: '楼道堆放杂物', content: input.content,
  });
  await services.tickets.act(centre, id, 'dispatch', { lead: departmentId });
  await services.tickets.act({ actor: staff, now }, id, 'accept', {});
  await services.tickets.act({ actor: staff, now }, id, 'reply', { text: input.reply });
  await services.tickets.act(centre, id, 'approve_reply', {});
  await services.tickets.act(centre, id, 'callback', { resolved: true, satisfaction: 'satisfied', via: 'phone' });
  await services.tickets.act(centre, id, 'archive', {});
  return id;
}
