import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';
import type { LimitOverrides } from '../clocks/index.js';

export interface Category {
  /** Hierarchical and stable: `03`, `03.02`, `03.02.11`. */
  code: string;
  name: string;
  nameEn: string | null;
  level: 1 | 2 | 3;
  parentId: string | null;
  ancestors: string[];
  /** Names from the root, e.g. 城乡建设 › 安全生产 › 事故处理, for pickers and reports. */
  path: string;
  /** The lead department a ticket of this category is routed to when no finer rule applies. */
  defaultDepartmentId: string | null;
  /** Complex categories get the long reply limit (15 working days by default). */
  complex: boolean;
  /** The administrator's own limits for tickets of this category (and below), each replacing a default. */
  limits: LimitOverrides | null;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const categorySchema = new Schema<Category>(
  {
    code: { type: String, required: true },
    name: { type: String, required: true },
    nameEn: { type: String, default: null },
    level: { type: Number, enum: [1, 2, 3], required: true },
    parentId: { type: String, default: null },
    ancestors: { type: [String], default: [] },
    path: { type: String, required: true },
    defaultDepartmentId: { type: String, default: null },
    complex: { type: Boolean, default: false },
    limits: { type: Schema.Types.Mixed, default: null },
    active: { type: Boolean, default: true },
    version: { type: Number, default: 1 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'categories' },
);
categorySchema.index({ code: 1 }, { unique: true });
categorySchema.index({ parentId: 1, name: 1 });

export const categoryModel = (connection: Connection): Model<Category> => defineModel(connection, 'Category', categorySchema);

export type CategoryView = Category & { id: string };

export function presentCategory(doc: Category & { _id: unknown }): CategoryView {
  const { _id, ...rest } = doc;
  return { id: String(_id), ...rest };
}

export const pathSeparator = ' › ';
