import type { Model, Types } from 'mongoose';
import type { User } from './account-models.js';
import type { Role } from './roles.js';

/** What other areas read of the users; changes go through `Users`. */
export class UserRepository {
  constructor(private readonly model: Model<User>) {}

  async hasActiveIn(departmentId: string): Promise<boolean> {
    return !!(await this.model.exists({ departmentId, active: true }));
  }

  /** The e-mail of every active supervisor who has one. */
  supervisorEmails(): Promise<string[]> {
    return this.emailsOf('supervisor');
  }

  /** The e-mail of every active administrator who has one. */
  administratorEmails(): Promise<string[]> {
    return this.emailsOf('administrator');
  }

  private async emailsOf(role: Role): Promise<string[]> {
    const rows = await this.model.find({ roles: role, active: true, email: { $ne: null } }, { email: 1 }).lean();
    return rows.map((u) => u.email!);
  }

  /** The e-mail of every active department head who has one. */
  departmentHeadEmails(): Promise<string[]> {
    return this.emailsOf('department_head');
  }

  /** Who hears of a supervised ticket: every active supervisor and the department's heads, with an e-mail. */
  async escalationEmails(departmentId: string): Promise<string[]> {
    const rows = await this.model
      .find({ active: true, email: { $ne: null }, $or: [{ roles: 'supervisor' }, { roles: 'department_head', departmentId }] }, { email: 1 })
      .lean();
    return rows.flatMap((u) => (u.email ? [u.email] : []));
  }

  async usernames(ids: string[]): Promise<Map<string, string>> {
    const rows: (Pick<User, 'username'> & { _id: Types.ObjectId })[] = await this.model.find({ _id: { $in: ids } }, { username: 1 }).lean();
    return new Map(rows.map((u) => [String(u._id), u.username]));
  }
}
