import type { Model } from 'mongoose';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import { authorize, authorizeDepartmentFields, type Actor } from '../accounts/access.js';
import type { UserRepository } from '../accounts/user.repository.js';
import type { CategoryRepository } from '../categories/category.repository.js';
import type { KnowledgeArticleRepository } from '../knowledge/knowledge-article.repository.js';
import { DomainError } from '../platform/errors.js';
import { assertId, diff, notFound } from '../platform/documents.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { presentDepartment, type Department, type DepartmentKind, type DepartmentView } from './department.js';

export interface DepartmentInput {
  code: string;
  name: string;
  nameEn?: string | null;
  kind: DepartmentKind;
  parentId?: string | null;
  contacts?: { emails?: string[]; phone?: string | null };
  active?: boolean;
}

export type DepartmentChanges = Partial<DepartmentInput> & { version: number };

export interface DepartmentImportRow {
  code: string;
  name: string;
  nameEn?: string | null;
  kind: DepartmentKind;
  parentCode?: string | null;
  emails?: string[];
  phone?: string | null;
}

export class Departments {
  constructor(
    readonly model: Model<Department>,
    private readonly users: UserRepository,
    private readonly categories: CategoryRepository,
    private readonly articles: KnowledgeArticleRepository,
    private readonly audit: AuditLog,
  ) {}

  async list(actor: Actor, filter: { kind?: DepartmentKind; parentId?: string; active?: boolean; under?: string }): Promise<DepartmentView[]> {
    authorize(actor, 'departments.read');
    const query: Record<string, unknown> = {};
    if (filter.kind) query.kind = filter.kind;
    if (filter.parentId) query.parentId = filter.parentId;
    if (filter.active !== undefined) query.active = filter.active;
    if (filter.under) query.ancestors = filter.under;
    const rows = await this.model.find(query).sort({ code: 1 }).lean();
    return rows.map(presentDepartment);
  }

  async get(actor: Actor, id: string): Promise<DepartmentView> {
    authorize(actor, 'departments.read');
    return presentDepartment(await this.load(id));
  }

  async create(ctx: ActionContext, input: DepartmentInput): Promise<DepartmentView> {
    authorize(ctx.actor, 'departments.create');
    const ancestors = await this.ancestorsUnder(input.parentId ?? null);
    await this.assertCodeFree(input.code);
    const created = await this.model.create({
      code: input.code,
      name: input.name,
      nameEn: input.nameEn ?? null,
      kind: input.kind,
      parentId: input.parentId ?? null,
      ancestors,
      contacts: { emails: input.contacts?.emails ?? [], phone: input.contacts?.phone ?? null },
      active: input.active ?? true,
      version: 1,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
    const view = presentDepartment(created.toObject());
    await this.audit.record(ctx, 'department.create', { type: 'department', id: view.id }, { ...input });
    return view;
  }

  async update(ctx: ActionContext, id: string, changes: DepartmentChanges): Promise<DepartmentView> {
    const current = await this.load(id);
    authorize(ctx.actor, 'departments.update', { id, ancestors: current.ancestors });
    const { version, ...fields } = changes;
    authorizeDepartmentFields(ctx.actor, Object.keys(fields));
    if (fields.code && fields.code !== current.code) await this.assertCodeFree(fields.code);
    const { contacts, ...simple } = fields;
    const set: Partial<Department> = { ...simple, updatedAt: ctx.now };
    if (contacts) {
      set.contacts = {
        emails: contacts.emails ?? current.contacts.emails,
        phone: contacts.phone === undefined ? current.contacts.phone : contacts.phone,
      };
    }
    const parentChanged = fields.parentId !== undefined && fields.parentId !== current.parentId;
    if (parentChanged) {
      if (fields.parentId === id || (fields.parentId && (await this.load(fields.parentId)).ancestors.includes(id))) {
        throw new DomainError('DEPARTMENT_CYCLE', 'A department cannot be moved below itself.', { field: 'parentId' });
      }
      set.ancestors = await this.ancestorsUnder(fields.parentId ?? null);
    }
    if (fields.active === false) await this.assertUnused(id, 'deactivate');

    const updated = await compareAndSet(this.model, id, version, set, 'department');
    if (parentChanged) await this.reparentDescendants(id, current.ancestors, updated.ancestors);
    await this.audit.record(ctx, 'department.update', { type: 'department', id }, diff(current as unknown as Record<string, unknown>, set as Record<string, unknown>));
    return presentDepartment(updated);
  }

  async remove(ctx: ActionContext, id: string): Promise<void> {
    authorize(ctx.actor, 'departments.delete');
    const current = await this.load(id);
    await this.assertUnused(id, 'delete');
    await this.model.deleteOne({ _id: id });
    await this.audit.record(ctx, 'department.delete', { type: 'department', id }, { code: current.code, name: current.name });
  }

  /** Upserts by code, parents before children, so a whole tree can be loaded from a file. */
  async import(ctx: ActionContext, rows: DepartmentImportRow[]): Promise<{ created: number; updated: number }> {
    authorize(ctx.actor, 'departments.create');
    const byCode = new Map(rows.map((r) => [r.code, r]));
    if (byCode.size !== rows.length) throw new DomainError('DUPLICATE_CODE', 'The import lists a code twice.', { field: 'code' });
    const ordered = topologicalOrder(rows, byCode);
    let created = 0;
    let updated = 0;
    for (const row of ordered) {
      const parent = row.parentCode ? await this.model.findOne({ code: row.parentCode }).lean() : null;
      if (row.parentCode && !parent) {
        throw new DomainError('PARENT_NOT_FOUND', `Parent ${row.parentCode} of ${row.code} does not exist.`, { field: 'parentCode', code: row.code });
      }
      const values = {
        name: row.name,
        nameEn: row.nameEn ?? null,
        kind: row.kind,
        parentId: parent ? String(parent._id) : null,
        ancestors: parent ? [...parent.ancestors, String(parent._id)] : [],
        contacts: { emails: row.emails ?? [], phone: row.phone ?? null },
        updatedAt: ctx.now,
      };
      const result = await this.model.updateOne(
        { code: row.code },
        { $set: values, $inc: { version: 1 }, $setOnInsert: { code: row.code, active: true, createdAt: ctx.now } },
        { upsert: true },
      );
      if (result.upsertedCount) created += 1;
      else updated += 1;
    }
    await this.audit.record(ctx, 'department.import', { type: 'department', id: null }, { created, updated, codes: rows.map((r) => r.code) });
    return { created, updated };
  }

  private async load(id: string) {
    assertId(id, 'department');
    const department = await this.model.findById(id).lean();
    if (!department) throw notFound('department', id);
    return department;
  }

  private async ancestorsUnder(parentId: string | null): Promise<string[]> {
    if (!parentId) return [];
    assertId(parentId, 'department');
    const parent = await this.model.findById(parentId, { ancestors: 1 }).lean();
    if (!parent) throw new DomainError('PARENT_NOT_FOUND', `No department with id ${parentId}.`, { field: 'parentId' });
    return [...parent.ancestors, parentId];
  }

  private async assertCodeFree(code: string): Promise<void> {
    if (await this.model.exists({ code })) {
      throw new DomainError('DUPLICATE_CODE', `A department with code ${code} exists.`, { field: 'code' });
    }
  }

  private async assertUnused(id: string, verb: string): Promise<void> {
    const [child, user, category, article] = await Promise.all([
      this.model.exists({ parentId: id }),
      this.users.hasActiveIn(id),
      this.categories.routesTo(id),
      this.articles.inUseBy(id),
    ]);
    const uses = [child && 'sub-departments', user && 'active users', category && 'categories routed to it', article && 'knowledge articles'].filter(Boolean);
    if (uses.length > 0) {
      throw new DomainError('DEPARTMENT_IN_USE', `Cannot ${verb} a department that still has ${uses.join(', ')}.`, { uses });
    }
  }

  /** Rewrites the ancestor prefix of a moved subtree with one batched bulkWrite. */
  private async reparentDescendants(id: string, oldAncestors: string[], newAncestors: string[]): Promise<void> {
    const descendants = await this.model.find({ ancestors: id }, { ancestors: 1 }).lean();
    if (descendants.length === 0) return;
    await this.model.bulkWrite(
      descendants.map((d) => ({
        updateOne: {
          filter: { _id: d._id },
          update: { $set: { ancestors: [...newAncestors, ...d.ancestors.slice(oldAncestors.length)] }, $inc: { version: 1 } },
        },
      })),
    );
  }
}

function topologicalOrder(rows: DepartmentImportRow[], byCode: Map<string, DepartmentImportRow>): DepartmentImportRow[] {
  const ordered: DepartmentImportRow[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (row: DepartmentImportRow) => {
    const seen = state.get(row.code);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new DomainError('DEPARTMENT_CYCLE', `The import's parents form a cycle at ${row.code}.`, { field: 'parentCode' });
    state.set(row.code, 'visiting');
    const parent = row.parentCode ? byCode.get(row.parentCode) : undefined;
    if (parent) visit(parent);
    state.set(row.code, 'done');
    ordered.push(row);
  };
  rows.forEach(visit);
  return ordered;
}
