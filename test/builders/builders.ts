import { systemActor } from '../../core/accounts/access.js';
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
