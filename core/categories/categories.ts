import { Types, type Model } from 'mongoose';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import { authorize, type Actor } from '../accounts/access.js';
import type { CategoryRepository } from './category.repository.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import { DomainError } from '../platform/errors.js';
import { assertId, diff, notFound } from '../platform/documents.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { pathSeparator, presentCategory, type Category, type CategoryView } from './category.js';
import type { LimitOverrides } from '../clocks/index.js';

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
  limits?: LimitOverrides | null;
  name?: string;
  nameEn?: string | null;
  defaultDepartmentId?: string | null;
  complex?: boolean;
  active?: boolean;
}

export type PublicCategory = Pick<Category, 'name' | 'nameEn' | 'level' | 'parentId'> & { id: string };

/** One row of the taxonomy: names from level one down; shorter rows stop higher in the tree. */
export type TaxonomyRow = string[];

/**
 * The public tree is asked for on every portal page load; categories change a few times a year.
 * This process's own changes drop it at once, another process's show within this time.
 */
const publicTreeFreshMs = 30_000;

export class Categories {
  private publicTreeCache: { at: number; tree: PublicCategory[] } | null = null;

  constructor(
    private readonly categories: Model<Category>,
    private readonly repository: CategoryRepository,
    private readonly departments: DepartmentRepository,
    private readonly audit: AuditLog,
  ) {}

  /** After every write: what this process keeps of the tree is read afresh. */
  private changed(): void {
    this.publicTreeCache = null;
    this.repository.changed();
  }

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

  /**
   * What a requester may pick without signing in: the active categories whose ancestors are all
   * active (deactivating a class hides what is below it), names only, ordered by code.
   */
  async publicTree(): Promise<PublicCategory[]> {
    if (this.publicTreeCache && Date.now() - this.publicTreeCache.at < publicTreeFreshMs) return this.publicTreeCache.tree;
    const tree = await this.readPublicTree();
    this.publicTreeCache = { at: Date.now(), tree };
    return tree;
  }

  private async readPublicTree(): Promise<PublicCategory[]> {
    const rows = await this.categories.find({}, { name: 1, nameEn: 1, level: 1, parentId: 1, ancestors: 1, active: 1 }).sort({ code: 1 }).lean();
    const inactive = new Set(rows.filter((c) => !c.active).map((c) => String(c._id)));
    return rows
      .filter((c) => c.active && !c.ancestors.some((id) => inactive.has(id)))
      .map((c) => ({ id: String(c._id), name: c.name, nameEn: c.nameEn, level: c.level, parentId: c.parentId }));
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
    this.changed();
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
    const updated = await compareAndSet(this.categories, id, version, set, 'category');
    if (set.path) await this.renamePaths(id, current.path, set.path);
    await this.audit.record(ctx, 'category.update', { type: 'category', id }, diff(current as unknown as Record<string, unknown>, fields));
    this.changed();
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
    this.changed();
  }

  /**
   * Adds the missing nodes of a taxonomy; existing nodes (matched by their path of names) keep
   * their codes. Planned in memory and written with one insertMany rather than hundreds of inserts.
   */
  async importTaxonomy(ctx: ActionContext, rows: TaxonomyRow[]): Promise<{ created: number; existing: number }> {
    authorize(ctx.actor, 'categories.manage');
    const all = (await this.categories.find({}).lean()).map(presentCategory);
    const byPath = new Map(all.map((c) => [c.path, c]));
    const lastChildNumber = new Map<string | null, number>();
    for (const c of all) {
      lastChildNumber.set(c.parentId, Math.max(lastChildNumber.get(c.parentId) ?? 0, Number(c.code.split('.').pop())));
    }
    const planned: (Category & { _id: Types.ObjectId })[] = [];
    let existing = 0;
    for (const row of rows) {
      const names = row.map((n) => n.trim()).filter(Boolean).slice(0, 3);
      let parent: CategoryView | null = null;
      for (let depth = 0; depth < names.length; depth++) {
        const name = names[depth]!;
        const path = parent ? `${parent.path}${pathSeparator}${name}` : name;
        let node = byPath.get(path);
        if (!node) {
          const parentId = parent?.id ?? null;
          const number = (lastChildNumber.get(parentId) ?? 0) + 1;
          lastChildNumber.set(parentId, number);
          const _id = new Types.ObjectId();
          const doc: Category & { _id: Types.ObjectId } = {
            _id,
            code: (parent ? `${parent.code}.` : '') + String(number).padStart(2, '0'),
            name, nameEn: null, level: (depth + 1) as Category['level'], parentId,
            ancestors: parent ? [...parent.ancestors, parent.id] : [], path,
            defaultDepartmentId: null, complex: false, limits: null, active: true, version: 1, createdAt: ctx.now, updatedAt: ctx.now,
          };
          planned.push(doc);
          node = presentCategory(doc);
          byPath.set(path, node);
        } else if (depth === names.length - 1) existing += 1;
        parent = node;
      }
    }
    if (planned.length > 0) await this.categories.insertMany(planned);
    await this.audit.record(ctx, 'category.import', { type: 'category', id: null }, { created: planned.length, existing });
    this.changed();
    return { created: planned.length, existing };
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
      limits: null,
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
    if (!(await this.departments.exists(id))) {
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
