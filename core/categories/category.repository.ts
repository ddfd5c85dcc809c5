import type { Model, Types } from 'mongoose';
import type { Category } from './category.js';

type Row<K extends keyof Category> = Pick<Category, K> & { _id: Types.ObjectId };
const projection = (fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, 1]));

/** The fields every ticket clock reads of a category and of its ancestors. */
export const clockFields = ['path', 'complex', 'limits', 'active', 'ancestors'] as const;
export type ClockRow = Row<(typeof clockFields)[number]>;

/** What other areas read of the categories; changes go through `Categories`. */
export class CategoryRepository {
  /** Clock rows by id (null: no such category), with when each was read. */
  private readonly clockCache = new Map<string, { at: number; row: ClockRow | null }>();

  /**
   * Every intake and every action reads its category's clock fields, which administrators change
   * a few times a year: they are kept `refreshMs`, as the settings are (other processes see a change
   * within that time; this process at once, since `Categories` calls `changed`).
   */
  constructor(
    private readonly model: Model<Category>,
    private readonly refreshMs = 30_000,
  ) {}

  /** The clock fields of these categories, by id; an id with no category is absent. */
  async clockRows(ids: readonly string[]): Promise<Map<string, ClockRow>> {
    const now = Date.now();
    const fresh = (id: string) => {
      const cached = this.clockCache.get(id);
      return cached && now - cached.at < this.refreshMs ? cached : null;
    };
    const missing = [...new Set(ids)].filter((id) => !fresh(id));
    if (missing.length) {
      const rows = (await this.model.find({ _id: { $in: missing } }, projection(clockFields)).lean()) as ClockRow[];
      const found = new Map(rows.map((row) => [String(row._id), row]));
      for (const id of missing) this.clockCache.set(id, { at: now, row: found.get(id) ?? null });
    }
    return new Map(ids.flatMap((id) => {
      const row = this.clockCache.get(id)?.row;
      return row ? [[id, row] as const] : [];
    }));
  }

  /** Called by `Categories` after each write: this process reads the categories afresh. */
  changed(): void {
    this.clockCache.clear();
  }

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
