import type { Model, Types } from 'mongoose';
import type { Category } from './category.js';

type Row<K extends keyof Category> = Pick<Category, K> & { _id: Types.ObjectId };
const projection = (fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, 1]));

/** What other areas read of the categories; changes go through `Categories`. */
export class CategoryRepository {
  constructor(private readonly model: Model<Category>) {}

  async exists(id: string): Promise<boolean> {
    return !!(await this.model.exists({ _id: id }));
  }

  /** Whether any category routes to this department by default. */
  async routesTo(departmentId: string): Promise<boolean> {
    return !!(await this.model.exists({ defaultDepartmentId: departmentId }));
  }

  byId(id: string): Promise<(Category & { _id: Types.ObjectId }) | null>;
  byId<K extends keyof Category>(id: string, fields: readonly K[]): Promise<Row<K> | null>;
  async byId(id: string, fields?: readonly (keyof Category)[]) {
    return this.model.findById(id, fields && projection(fields)).lean();
  }

  async byIds<K extends keyof Category>(ids: string[], fields: readonly K[]): Promise<Row<K>[]> {
    return (await this.model.find({ _id: { $in: ids } }, projection(fields)).lean()) as Row<K>[];
  }

  /** Every category with these fields, ordered by code. */
  async all<K extends keyof Category>(fields: readonly K[]): Promise<Row<K>[]> {
    return (await this.model.find({}, projection(fields)).sort({ code: 1 }).lean()) as Row<K>[];
  }

  async byCode<K extends keyof Category>(code: string, fields: readonly K[]): Promise<Row<K> | null> {
    return (await this.model.findOne({ code }, projection(fields)).lean()) as Row<K> | null;
  }

  /** When any category last changed (null without categories). */
  async lastChange(): Promise<Date | null> {
    return (await this.model.findOne({}, { updatedAt: 1 }).sort({ updatedAt: -1 }).lean())?.updatedAt ?? null;
  }

  /** The first level of the taxonomy with each one's default department. */
  async topLevel(): Promise<Row<'name' | 'defaultDepartmentId'>[]> {
    return this.model.find({ level: 1 }, { name: 1, defaultDepartmentId: 1 }).lean();
  }
}
