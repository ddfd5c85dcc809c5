import type { Model } from 'mongoose';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import { authorize, type Actor } from '../accounts/access.js';
import type { Department } from '../departments/department.js';
import { DomainError } from '../platform/errors.js';
import { assertId, diff, notFound, versionConflict } from '../platform/documents.js';
import { pathSeparator, presentCategory, type Category, type CategoryView } from './category.js';

export interface CategoryInput {
  name: string;
  nameEn?: string | null;
  parentId?: string | null;
  defaultDepartmentId?: string | null;
  complex?: boolean;
  active?: boolean;
}

export interface CategoryChanges {
  version: number;
  name?: string;
  nameEn?: string | null;
  defaultDepartmentId?: string | null;
  complex?: boolean;
  active?: boolean;
}

/** One row of the taxonomy: names from level one down; shorter rows stop higher in the tree. */
export type TaxonomyRow = string[];

export class Categories {
  constructor(
    private readonly categories: Model<Category>,
    private readonly departments: Model<Department>,
    private readonly audit: AuditLog,
  ) {}

  async list(actor: Actor, filter: { level?: number; parentId?: string; active?: boolean; under?: string }): Promise<CategoryView[]> {
    authorize(actor, 'categories.read');
    const query: Record<string, unknown> = {};
    if (filter.level) query.level = filter.level;
    if (filter.parentId) query.parentId = filter.parentId;
    if (filter.active !== undefined) query.active = filter.active;
    if (filter.under) query.ancestors = filter.under;
    const rows = await this.categories.find(query).sort({ code: 1 }).lean();
    return rows.map(presentCategory);
  }

  async get(actor: Actor, id: string): Promise<CategoryView> {
    authorize(actor, 'categories.read');
    return presentCategory(await this.load(id));
  }

  async create(ctx: ActionContext, input: CategoryInput): Promise<CategoryView> {
    authorize(ctx.actor, 'categories.manage');
    await this.assertDepartment(input.defaultDepartmentId ?? null);
    const parent = input.parentId ? presentCategory(await this.load(input.parentId, 'parentId')) : null;
    const created = await this.insertChild(ctx, parent, input);
    await this.audit.record(ctx, 'category.create', { type: 'category', id: created.id }, { ...input, code: created.code });
    return created;
  }

  async update(ctx: ActionContext, id: string, changes: CategoryChanges): Promise<CategoryView> {
    authorize(ctx.actor, 'categories.manage');
    const current = await this.load(id);
    const { version, ...fields } = changes;
    if (fields.defaultDepartmentId !== undefined) await this.assertDepartment(fields.defaultDepartmentId);
    const set: Partial<Category> = { ...fields, updatedAt: ctx.now };
    if (fields.name && fields.name !== current.name) {
      await this.assertNameFree(current.parentId, fields.name);
      set.path = [...current.path.split(pathSeparator).slice(0, -1), fields.name].join(pathSeparator);
    }
    const updated = await this.categories
      .findOneAndUpdate({ _id: id, version }, { $set: set, $inc: { version: 1 } }, { returnDocument: 'after' })
      .lean();
    if (!updated) throw versionConflict('category', id, current.version);
    if (set.path) await this.renamePaths(id, current.path, set.path);
    await this.audit.record(ctx, 'category.update', { type: 'category', id }, diff(current as unknown as Record<string, unknown>, fields));
    return presentCategory(updated);
  }

  async remove(ctx: ActionContext, id: string): Promise<void> {
    authorize(ctx.actor, 'categories.manage');
    const current = await this.load(id);
    if (await this.categories.exists({ parentId: id })) {
      throw new DomainError('CATEGORY_IN_USE', 'Cannot delete a category that has sub-categories; deactivate it instead.', { uses: ['sub-categories'] });
    }
    await this.categories.deleteOne({ _id: id });
    await this.audit.record(ctx, 'category.delete', { type: 'category', id }, { code: current.code, path: current.path });
  }

  /** Adds the missing nodes of a taxonomy; existing nodes (matched by parent and name) keep their codes. */
  async importTaxonomy(ctx: ActionContext, rows: TaxonomyRow[]): Promise<{ created: number; existing: number }> {
    authorize(ctx.actor, 'categories.manage');
    const all = await this.categories.find({}).lean();
    const known = new Map(all.map((c) => [c.path, presentCategory(c)]));
    let created = 0;
    let existing = 0;
    for (const row of rows) {
      const names = row.map((n) => n.trim()).filter(Boolean).slice(0, 3);
      let parent: CategoryView | null = null;
      for (let depth = 0; depth < names.length; depth++) {
        const path = names.slice(0, depth + 1).join(pathSeparator);
        let node = known.get(path);
        if (!node) {
          node = await this.insertChild(ctx, parent, { name: names[depth]! });
          known.set(path, node);
          created += 1;
        } else if (depth === names.length - 1) existing += 1;
        parent = node;
      }
    }
    await this.audit.record(ctx, 'category.import', { type: 'category', id: null }, { created, existing });
    return { created, existing };
  }

  private async insertChild(ctx: ActionContext, parent: CategoryView | null, input: CategoryInput): Promise<CategoryView> {
    if (parent && parent.level >= 3) {
      throw new DomainError('CATEGORY_TOO_DEEP', 'Categories have three levels; a third-level category takes no children.', { field: 'parentId' });
    }
    await this.assertNameFree(parent?.id ?? null, input.name);
    const siblings = await this.categories.find({ parentId: parent?.id ?? null }, { code: 1 }).lean();
    const next = Math.max(0, ...siblings.map((s) => Number(s.code.split('.').pop()))) + 1;
    const code = (parent ? `${parent.code}.` : '') + String(next).padStart(2, '0');
    const created = await this.categories.create({
      code,
      name: input.name,
      nameEn: input.nameEn ?? null,
      level: (parent ? parent.level + 1 : 1) as Category['level'],
      parentId: parent?.id ?? null,
      ancestors: parent ? [...parent.ancestors, parent.id] : [],
      path: parent ? `${parent.path}${pathSeparator}${input.name}` : input.name,
      defaultDepartmentId: input.defaultDepartmentId ?? null,
      complex: input.complex ?? false,
      active: input.active ?? true,
      version: 1,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
    return presentCategory(created.toObject());
  }

  private async load(id: string, field = 'id') {
    assertId(id, 'category');
    const category = await this.categories.findById(id).lean();
    if (!category) {
      if (field !== 'id') throw new DomainError('PARENT_NOT_FOUND', `No category with id ${id}.`, { field });
      throw notFound('category', id);
    }
    return category;
  }

  private async assertNameFree(parentId: string | null, name: string): Promise<void> {
    if (await this.categories.exists({ parentId, name })) {
      throw new DomainError('DUPLICATE_NAME', `A category named ${name} exists at this place in the tree.`, { field: 'name' });
    }
  }

  private async assertDepartment(id: string | null): Promise<void> {
    if (!id) return;
    assertId(id, 'department');
    if (!(await this.departments.exists({ _id: id }))) {
      throw new DomainError('DEPARTMENT_NOT_FOUND', `No department with id ${id}.`, { field: 'defaultDepartmentId' });
    }
  }

  private async renamePaths(id: string, oldPath: string, newPath: string): Promise<void> {
    const below = await this.categories.find({ ancestors: id }, { path: 1 }).lean();
    if (below.length === 0) return;
    await this.categories.bulkWrite(
      below.map((c) => ({
        updateOne: { filter: { _id: c._id }, update: { $set: { path: newPath + c.path.slice(oldPath.length) } } },
      })),
    );
  }
}
