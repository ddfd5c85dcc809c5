import type { ActionContext, AuditLog } from '../audit/audit.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import { DomainError } from '../platform/errors.js';
import { assertId, diff, notFound } from '../platform/documents.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { authorize, authorizeRoleAssignment, listScope, type Actor, type DepartmentRef } from './access.js';
import type { AccountModels, User } from './account-models.js';
import type { ActorCache } from './actor-cache.js';
import { assertPasswordStrength, hashPassword, verifyPassword } from './passwords.js';
import { departmentRoles, type Role } from './roles.js';
import { apiTokenPrefix } from './authentication.js';
import { hashToken, newSecret } from './secrets.js';

/** A user as the API shows it: never the password hash. */
export type UserView = Omit<User, 'passwordHash'> & { id: string };

export function presentUser(user: User & { _id: unknown }): UserView {
  const { _id, passwordHash: _hidden, ...rest } = user;
  return { id: String(_id), ...rest };
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
  departmentId?: string | null;
  email?: string | null;
  phone?: string | null;
}

export interface UserChanges {
  version: number;
  displayName?: string;
  roles?: Role[];
  departmentId?: string | null;
  email?: string | null;
  phone?: string | null;
  active?: boolean;
  password?: string;
}

export class Users {
  constructor(
    private readonly models: AccountModels,
    private readonly departments: DepartmentRepository,
    private readonly audit: AuditLog,
    private readonly actors: ActorCache,
  ) {}

  async list(actor: Actor, filter: { role?: Role; departmentId?: string; active?: boolean }): Promise<UserView[]> {
    const scope = listScope(actor, 'users.read');
    const query: Record<string, unknown> = {};
    if (filter.role) query.roles = filter.role;
    if (filter.active !== undefined) query.active = filter.active;
    if ('departmentId' in scope) {
      const allowed = await this.subtreeIds(scope.departmentId);
      if (filter.departmentId && !allowed.includes(filter.departmentId)) return [];
      query.departmentId = filter.departmentId ?? { $in: allowed };
    } else if (filter.departmentId) {
      query.departmentId = filter.departmentId;
    }
    const users = await this.models.users.find(query).sort({ username: 1 }).lean();
    return users.map(presentUser);
  }

  async get(actor: Actor, id: string): Promise<UserView> {
    const user = await this.load(id);
    authorize(actor, 'users.read', await this.departmentRef(user.departmentId));
    return presentUser(user);
  }

  async create(ctx: ActionContext, input: NewUser): Promise<UserView> {
    const departmentId = input.departmentId ?? null;
    authorize(ctx.actor, 'users.manage', await this.departmentRef(departmentId));
    authorizeRoleAssignment(ctx.actor, input.roles);
    await this.assertDepartmentFits(input.roles, departmentId);
    assertPasswordStrength(input.password);
    const username = input.username.trim().toLowerCase();
    if (await this.models.users.exists({ username })) {
      throw new DomainError('USERNAME_TAKEN', `The user name ${username} is taken.`, { field: 'username' });
    }
    const user = await this.models.users
      .create({
        username,
        displayName: input.displayName,
        email: input.email ?? null,
        phone: input.phone ?? null,
        passwordHash: await hashPassword(input.password),
        roles: input.roles,
        departmentId,
        active: true,
        version: 1,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code === 11000) {
          throw new DomainError('USERNAME_TAKEN', `The user name ${username} is taken.`, { field: 'username' });
        }
        throw err;
      });
    const view = presentUser(user.toObject());
    await this.audit.record(ctx, 'user.create', { type: 'user', id: view.id }, {
      username, roles: input.roles, departmentId,
    });
    return view;
  }

  async update(ctx: ActionContext, id: string, changes: UserChanges): Promise<UserView> {
    const user = await this.load(id);
    authorize(ctx.actor, 'users.manage', await this.departmentRef(user.departmentId));
    const { version, password, ...fields } = changes;
    const next = { roles: user.roles, departmentId: user.departmentId, ...fields };
    if (fields.roles) authorizeRoleAssignment(ctx.actor, fields.roles);
    // Heads may not take a user out of their reach, nor touch users holding other roles.
    authorizeRoleAssignment(ctx.actor, user.roles);
    if (fields.departmentId !== undefined) authorize(ctx.actor, 'users.manage', await this.departmentRef(fields.departmentId));
    await this.assertDepartmentFits(next.roles, next.departmentId);
    if (fields.active === false && id === ctx.actor.userId) {
      throw new DomainError('CANNOT_DEACTIVATE_SELF', 'You cannot deactivate your own account.', { field: 'active' });
    }
    const set: Partial<User> = { ...fields, updatedAt: ctx.now };
    if (password !== undefined) {
      assertPasswordStrength(password);
      set.passwordHash = await hashPassword(password);
    }
    const updated = await compareAndSet(this.models.users, id, version, set, 'user');
    if (password !== undefined || fields.active === false) {
      await this.models.sessions.deleteMany({ userId: id });
    }
    this.actors.clear();
    await this.audit.record(ctx, 'user.update', { type: 'user', id }, {
      ...diff(user as unknown as Record<string, unknown>, fields),
      ...(password !== undefined ? { password: 'changed' } : {}),
    });
    return presentUser(updated);
  }

  /** With `partner`, the token is that partner's Open311 `api_key` and serves nothing else. */
  async issueToken(ctx: ActionContext, userId: string, input: { name: string; expiresInDays?: number; partner?: string | null }) {
    authorize(ctx.actor, 'tokens.manage');
    const user = await this.load(userId);
    const token = apiTokenPrefix + newSecret();
    const expiresAt = input.expiresInDays ? new Date(ctx.now.getTime() + input.expiresInDays * 86_400_000) : null;
    const partner = input.partner ?? null;
    const record = await this.models.apiTokens.create({
      name: input.name, tokenHash: hashToken(token), prefix: token.slice(0, 12), userId: String(user._id), partner,
      createdAt: ctx.now, expiresAt, lastUsedAt: null, revokedAt: null,
    });
    await this.audit.record(ctx, 'api_token.issue', { type: 'api_token', id: String(record._id) }, { userId, name: input.name, partner });
    return { id: String(record._id), name: input.name, prefix: record.prefix, partner, expiresAt, token };
  }

  async listTokens(actor: Actor, userId: string) {
    authorize(actor, 'tokens.manage');
    assertId(userId, 'user');
    const tokens = await this.models.apiTokens.find({ userId }).sort({ createdAt: -1 }).lean();
    return tokens.map(({ _id, tokenHash: _hidden, partner, ...rest }) => ({ id: String(_id), ...rest, partner: partner ?? null }));
  }

  async revokeToken(ctx: ActionContext, tokenId: string): Promise<void> {
    authorize(ctx.actor, 'tokens.manage');
    assertId(tokenId, 'api_token');
    const updated = await this.models.apiTokens.findOneAndUpdate(
      { _id: tokenId, revokedAt: null },
      { $set: { revokedAt: ctx.now } },
    );
    if (!updated) throw notFound('api_token', tokenId);
    this.actors.clear();
    await this.audit.record(ctx, 'api_token.revoke', { type: 'api_token', id: tokenId });
  }

  /**
   * Whoever changes a password may be shutting out someone who learnt the old one: every other
   * session of the user ends. `keepSessionToken` is the session the change was made in, if any.
   */
  async changeOwnPassword(ctx: ActionContext, currentPassword: string, password: string, keepSessionToken: string | null = null): Promise<void> {
    const user = await this.load(ctx.actor.userId);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new DomainError('WRONG_CURRENT_PASSWORD', 'The current password is wrong.', { field: 'currentPassword' });
    }
    assertPasswordStrength(password);
    await this.models.users.updateOne(
      { _id: ctx.actor.userId },
      { $set: { passwordHash: await hashPassword(password), updatedAt: ctx.now }, $inc: { version: 1 } },
    );
    const others = keepSessionToken ? { tokenHash: { $ne: hashToken(keepSessionToken) } } : {};
    const ended = await this.models.sessions.deleteMany({ userId: ctx.actor.userId, ...others });
    this.actors.clear();
    await this.audit.record(ctx, 'user.change_password', { type: 'user', id: ctx.actor.userId }, { sessionsEnded: ended.deletedCount });
  }

  private async load(id: string) {
    assertId(id, 'user');
    const user = await this.models.users.findById(id).lean();
    if (!user) throw notFound('user', id);
    return user;
  }

  private async departmentRef(departmentId: string | null): Promise<DepartmentRef | null> {
    if (!departmentId) return null;
    assertId(departmentId, 'department');
    const ancestors = await this.departments.ancestorsOf(departmentId);
    if (!ancestors) throw new DomainError('DEPARTMENT_NOT_FOUND', `No department with id ${departmentId}.`, { field: 'departmentId' });
    return { id: departmentId, ancestors };
  }

  private async assertDepartmentFits(roles: Role[], departmentId: string | null): Promise<void> {
    if (roles.some((r) => departmentRoles.includes(r)) && !departmentId) {
      throw new DomainError('DEPARTMENT_REQUIRED', 'Department staff and heads must belong to a department.', {
        field: 'departmentId',
      });
    }
  }

  private async subtreeIds(departmentId: string): Promise<string[]> {
    return [departmentId, ...(await this.departments.idsBelow(departmentId))];
  }
}
