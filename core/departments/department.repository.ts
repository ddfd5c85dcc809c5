import type { Model, Types } from 'mongoose';
import type { Department } from './department.js';

type Row<K extends keyof Department> = Pick<Department, K> & { _id: Types.ObjectId };

/** What other areas read of the departments; changes go through `Departments`. */
export class DepartmentRepository {
  constructor(private readonly model: Model<Department>) {}

  async exists(id: string): Promise<boolean> {
    return !!(await this.model.exists({ _id: id }));
  }

  /** The department's place in the tree, or null when there is none with this id. */
  async placeOf(id: string): Promise<Row<'ancestors' | 'active'> | null> {
    return this.model.findById(id, { ancestors: 1, active: 1 }).lean();
  }

  async ancestorsOf(id: string): Promise<string[] | null> {
    return (await this.model.findById(id, { ancestors: 1 }).lean())?.ancestors ?? null;
  }

  async kindOf(id: string): Promise<Row<'kind' | 'name' | 'active'> | null> {
    return this.model.findById(id, { kind: 1, name: 1, active: 1 }).lean();
  }

  /** The ids of every department below this one (not itself). */
  async idsBelow(id: string): Promise<string[]> {
    return (await this.model.find({ ancestors: id }, { _id: 1 }).lean()).map((d) => String(d._id));
  }

  async contactsOf(ids: string[]): Promise<Row<'name' | 'contacts'>[]> {
    return this.model.find({ _id: { $in: ids } }, { name: 1, contacts: 1 }).lean();
  }

  /** Every department's names and place in the tree. */
  async labels(): Promise<Row<'name' | 'nameEn' | 'ancestors'>[]> {
    return this.model.find({}, { name: 1, nameEn: 1, ancestors: 1 }).lean();
  }

  /** These departments' names by id. */
  async namesOf(ids: string[]): Promise<Map<string, string>> {
    return new Map((await this.model.find({ _id: { $in: ids } }, { name: 1 }).lean()).map((d) => [String(d._id), d.name]));
  }

  /** Every department's name by id. */
  async names(): Promise<Map<string, string>> {
    return new Map((await this.model.find({}, { name: 1 }).lean()).map((d) => [String(d._id), d.name]));
  }
}
