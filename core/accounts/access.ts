import { DomainError } from '../platform/errors.js';
import type { Role } from './roles.js';

/** Who is acting: a signed-in user or an integration token acting as one. */
export interface Actor {
  userId: string;
  username: string;
  roles: Role[];
  departmentId: string | null;
  /** `public`: a requester without an account (web form, survey link). */
  via: 'session' | 'token' | 'system' | 'public';
}

/** Seeds, commands and scheduled jobs act as the system, with an administrator's rights. */
export const systemActor: Actor = { userId: '', username: 'system', roles: ['administrator'], departmentId: null, via: 'system' };

export const publicActor: Actor = { userId: '', username: 'public', roles: [], departmentId: null, via: 'public' };

/** What a department-scoped grant is checked against: the department and its ancestors. */
export interface DepartmentRef {
  id: string;
  ancestors: string[];
}

type Scope = 'all' | 'own_department';

/**
 * Every authorisation decision of the application reads this table. A grant with scope
 * `own_department` holds only for the actor's department and the departments below it.
 */
const policy = {
  'users.read': { administrator: 'all', supervisor: 'all', department_head: 'own_department' },
  'users.manage': { administrator: 'all', department_head: 'own_department' },
  'tokens.manage': { administrator: 'all' },
  'departments.read': {
    administrator: 'all', supervisor: 'all', dispatcher: 'all', operator: 'all',
    department_head: 'all', department_staff: 'all',
  },
  'departments.create': { administrator: 'all' },
  'departments.update': { administrator: 'all', department_head: 'own_department' },
  'departments.delete': { administrator: 'all' },
  'categories.read': {
    administrator: 'all', supervisor: 'all', dispatcher: 'all', operator: 'all',
    department_head: 'all', department_staff: 'all',
  },
  'categories.manage': { administrator: 'all' },
  'audit.read': { administrator: 'all', supervisor: 'all' },
  'settings.manage': { administrator: 'all' },
  /** The notice templates and their preview with sample data. */
  'templates.read': { administrator: 'all' },
  /** Webhook subscriptions, their secrets and delivery logs. */
  'webhooks.manage': { administrator: 'all' },
  /** Rates and rankings: the centre sees every department, a head their own. */
  'analytics.read': { administrator: 'all', supervisor: 'all', dispatcher: 'all', department_head: 'own_department' },
  'tickets.intake': { operator: 'all', dispatcher: 'all', supervisor: 'all', administrator: 'all' },
  /** Taking calls: SIP credentials, agent state, the callback queue (漏接回拨), reports on one's calls, one's own figures. */
  'calls.take': { operator: 'all', dispatcher: 'all', supervisor: 'all' },
  'calls.read': { operator: 'all', dispatcher: 'all', supervisor: 'all', administrator: 'all' },
  /** Every operator's figures; releasing a callback another operator claimed. */
  'calls.oversee': { supervisor: 'all', administrator: 'all' },
  /** Reading requesters' personal-data access log. */
  'privacy.read': { administrator: 'all', supervisor: 'all' },
  'knowledge.read': {
    administrator: 'all', supervisor: 'all', dispatcher: 'all', operator: 'all',
    department_head: 'all', department_staff: 'all',
  },
  /** Departments own their articles; the centre's administrators may edit any. */
  'knowledge.manage': { administrator: 'all', department_head: 'own_department', department_staff: 'own_department' },
} as const satisfies Record<string, Partial<Record<Role, Scope>>>;

export type Permission = keyof typeof policy;

/** The department fields a department head may change on their own departments. */
export const departmentFieldsForHeads = ['contacts', 'nameEn'] as const;

/** Roles a department head may give: their own staff only. */
const rolesHeadsMayAssign: readonly Role[] = ['department_staff'];

function scopeOf(actor: Actor, permission: Permission): Scope | null {
  const grants: Partial<Record<Role, Scope>> = policy[permission];
  let best: Scope | null = null;
  for (const role of actor.roles) {
    const scope = grants[role];
    if (scope === 'all') return 'all';
    if (scope) best = scope;
  }
  return best;
}

function inDepartment(actor: Actor, target: DepartmentRef): boolean {
  return actor.departmentId !== null && (target.id === actor.departmentId || target.ancestors.includes(actor.departmentId));
}

function forbidden(permission: Permission): DomainError {
  return new DomainError('FORBIDDEN', `Your role does not allow this action (${permission}).`, { permission });
}

/**
 * Throws FORBIDDEN unless the actor holds the permission for the target department. Without a
 * target, a department-scoped grant passes and the caller must narrow its query with `listScope`.
 */
export function authorize(actor: Actor, permission: Permission, target?: DepartmentRef | null): void {
  const scope = scopeOf(actor, permission);
  if (scope === 'all') return;
  if (scope === 'own_department') {
    if (target === undefined) return;
    if (target && inDepartment(actor, target)) return;
  }
  throw forbidden(permission);
}

export function can(actor: Actor, permission: Permission, target?: DepartmentRef | null): boolean {
  try {
    authorize(actor, permission, target);
    return true;
  } catch {
    return false;
  }
}

/** For list queries: everything, or only the subtree under the actor's department. */
export function listScope(actor: Actor, permission: Permission): { all: true } | { departmentId: string } {
  const scope = scopeOf(actor, permission);
  if (scope === 'all') return { all: true };
  if (scope === 'own_department' && actor.departmentId) return { departmentId: actor.departmentId };
  throw forbidden(permission);
}

export function authorizeRoleAssignment(actor: Actor, assigned: readonly Role[]): void {
  if (scopeOf(actor, 'users.manage') === 'all') return;
  const refused = assigned.filter((role) => !rolesHeadsMayAssign.includes(role));
  if (refused.length > 0) {
    throw new DomainError('FORBIDDEN', `You may not assign the roles: ${refused.join(', ')}.`, { roles: refused });
  }
}

export function authorizeDepartmentFields(actor: Actor, fields: readonly string[]): void {
  if (scopeOf(actor, 'departments.update') === 'all') return;
  const refused = fields.filter((f) => !(departmentFieldsForHeads as readonly string[]).includes(f));
  if (refused.length > 0) {
    throw new DomainError('FORBIDDEN', `Only an administrator may change: ${refused.join(', ')}.`, { fields: refused });
  }
}
