import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';

export const departmentKinds = ['city', 'bureau', 'district', 'street', 'unit'] as const;
export type DepartmentKind = (typeof departmentKinds)[number];

export interface Department {
  code: string;
  name: string;
  nameEn: string | null;
  kind: DepartmentKind;
  parentId: string | null;
  /** Ids from the root down to the parent: scope checks and subtree queries need no recursion. */
  ancestors: string[];
  contacts: { emails: string[]; phone: string | null };
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const departmentSchema = new Schema<Department>(
  {
    code: { type: String, required: true },
    name: { type: String, required: true },
    nameEn: { type: String, default: null },
    kind: { type: String, enum: departmentKinds, required: true },
    parentId: { type: String, default: null },
    ancestors: { type: [String], default: [] },
    contacts: { emails: { type: [String], default: [] }, phone: { type: String, default: null } },
    active: { type: Boolean, default: true },
    version: { type: Number, default: 1 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'departments' },
);
departmentSchema.index({ code: 1 }, { unique: true });
departmentSchema.index({ parentId: 1 });

export const departmentModel = (connection: Connection): Model<Department> =>
  defineModel(connection, 'Department', departmentSchema);

export type DepartmentView = Omit<Department, never> & { id: string };

export function presentDepartment(doc: Department & { _id: unknown }): DepartmentView {
  const { _id, ...rest } = doc;
  return { id: String(_id), ...rest };
}
