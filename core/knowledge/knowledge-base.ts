import type { Model } from 'mongoose';
import type { ActionContext, AuditLog } from '../audit/audit.js';
import { authorize, can, listScope, type Actor, type DepartmentRef } from '../accounts/access.js';
import type { CategoryRepository } from '../categories/category.repository.js';
import type { DepartmentRepository } from '../departments/department.repository.js';
import { compareAndSet } from '../platform/compare-and-set.js';
import { assertId, diff, notFound } from '../platform/documents.js';
import { DomainError } from '../platform/errors.js';
import { searchByTerms } from '../search/term-search.js';
import { articleTerms, presentArticle, type ArticleStatus, type ArticleView, type KnowledgeArticle } from './knowledge-article.js';

export interface ArticleInput {
  question: string;
  answer: string;
  categoryId?: string | null;
  departmentId: string;
  /** Archiving has its own use case. */
  status?: Exclude<ArticleStatus, 'archived'>;
  reviewDueAt?: Date;
}

export type ArticleChanges = Partial<ArticleInput> & { version: number };

export interface ArticleFilter {
  categoryId?: string;
  departmentId?: string;
  status?: ArticleStatus;
  /** Articles whose review date has passed (archived ones need no review), or with `false` the others. */
  reviewOverdue?: boolean;
  limit: number;
}

/** How long an answer is trusted before its department must check it again. */
export const defaultReviewDays = 180;
const dayMs = 86_400_000;
const entity = (id: string) => ({ type: 'knowledge_article', id });

export class KnowledgeBase {
  constructor(
    private readonly articles: Model<KnowledgeArticle>,
    private readonly departments: DepartmentRepository,
    private readonly categories: CategoryRepository,
    private readonly audit: AuditLog,
  ) {}

  /** Most recently changed first. */
  async list(ctx: ActionContext, filter: ArticleFilter): Promise<ArticleView[]> {
    authorize(ctx.actor, 'knowledge.read');
    const conditions: Record<string, unknown>[] = [await this.visibleTo(ctx.actor)];
    if (filter.categoryId) conditions.push({ categoryId: filter.categoryId });
    if (filter.departmentId) conditions.push({ departmentId: filter.departmentId });
    if (filter.status) conditions.push({ status: filter.status });
    if (filter.reviewOverdue === true) conditions.push({ reviewDueAt: { $lt: ctx.now } }, { status: { $ne: 'archived' } });
    if (filter.reviewOverdue === false) conditions.push({ $or: [{ reviewDueAt: { $gte: ctx.now } }, { status: 'archived' }] });
    const rows = await this.articles.find({ $and: conditions }).sort({ updatedAt: -1, _id: -1 }).limit(filter.limit).lean();
    return rows.map(presentArticle);
  }

  async get(actor: Actor, id: string): Promise<ArticleView> {
    authorize(actor, 'knowledge.read');
    const article = await this.load(id);
    if (article.status !== 'published') authorize(actor, 'knowledge.manage', await this.departmentRef(article.departmentId));
    return presentArticle(article);
  }

  /** Articles whose question or answer contain the words of the query, best match first. */
  async search(actor: Actor, query: string, limit: number, now: Date): Promise<ArticleView[]> {
    authorize(actor, 'knowledge.read');
    const found = await searchByTerms(this.articles, query, { filter: await this.visibleTo(actor), limit, now });
    return found.map(presentArticle);
  }

  async create(ctx: ActionContext, input: ArticleInput): Promise<ArticleView> {
    authorize(ctx.actor, 'knowledge.manage', await this.departmentRef(input.departmentId));
    await this.assertCategory(input.categoryId ?? null);
    const created = await this.articles.create({
      question: input.question,
      answer: input.answer,
      terms: articleTerms(input),
      categoryId: input.categoryId ?? null,
      departmentId: input.departmentId,
      reviewDueAt: input.reviewDueAt ?? reviewDueFrom(ctx.now, defaultReviewDays),
      reviewedAt: null,
      status: input.status ?? 'draft',
      version: 1,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      createdBy: ctx.actor.userId || null,
    });
    const view = presentArticle(created.toObject());
    const { question, answer, categoryId, departmentId, status, reviewDueAt } = view;
    await this.audit.record(ctx, 'knowledge.create', entity(view.id), { question, answer, categoryId, departmentId, status, reviewDueAt });
    return view;
  }

  async update(ctx: ActionContext, id: string, changes: ArticleChanges): Promise<ArticleView> {
    const current = await this.load(id);
    authorize(ctx.actor, 'knowledge.manage', await this.departmentRef(current.departmentId));
    const { version, ...fields } = changes;
    // Moving an article away needs the right to manage it where it goes, too.
    if (fields.departmentId !== undefined && fields.departmentId !== current.departmentId) {
      authorize(ctx.actor, 'knowledge.manage', await this.departmentRef(fields.departmentId));
    }
    if (fields.categoryId) await this.assertCategory(fields.categoryId);
    const text = { question: fields.question ?? current.question, answer: fields.answer ?? current.answer };
    // Written with the text, so search never sees an article's new text under its old terms.
    const terms = text.question === current.question && text.answer === current.answer ? {} : { terms: articleTerms(text) };
    const updated = presentArticle(await compareAndSet(this.articles, id, version, { ...fields, ...terms, updatedAt: ctx.now }, 'knowledge_article'));
    await this.audit.record(ctx, 'knowledge.update', entity(id), diff(current as unknown as Record<string, unknown>, fields));
    return updated;
  }

  /** The department confirms the answer still holds: the next review is due `days` from now. */
  async markReviewed(ctx: ActionContext, id: string, input: { version: number; days?: number }): Promise<ArticleView> {
    const current = await this.loadManageable(ctx.actor, id, 'review');
    const set = { reviewDueAt: reviewDueFrom(ctx.now, input.days ?? defaultReviewDays), reviewedAt: ctx.now, updatedAt: ctx.now };
    const updated = await compareAndSet(this.articles, id, input.version, set, 'knowledge_article');
    await this.audit.record(ctx, 'knowledge.review', entity(id), diff(current as unknown as Record<string, unknown>, { reviewDueAt: set.reviewDueAt }));
    return presentArticle(updated);
  }

  /** Archived articles leave the operators' view but stay searchable for their department. */
  async archive(ctx: ActionContext, id: string, input: { version: number }): Promise<ArticleView> {
    const current = await this.loadManageable(ctx.actor, id, 'archive');
    const updated = await compareAndSet(this.articles, id, input.version, { status: 'archived', updatedAt: ctx.now }, 'knowledge_article');
    await this.audit.record(ctx, 'knowledge.archive', entity(id), { status: { from: current.status, to: 'archived' } });
    return presentArticle(updated);
  }

  private async load(id: string) {
    assertId(id, 'knowledge_article');
    const article = await this.articles.findById(id).lean();
    if (!article) throw notFound('knowledge_article', id);
    return article;
  }

  private async loadManageable(actor: Actor, id: string, action: string) {
    const article = await this.load(id);
    authorize(actor, 'knowledge.manage', await this.departmentRef(article.departmentId));
    if (article.status === 'archived') {
      throw new DomainError('INVALID_TRANSITION', `Cannot ${action} an archived article.`, { action, status: article.status });
    }
    return article;
  }

  /**
   * Everyone reads published articles; unpublished ones only those who could manage them: all of
   * them for administrators, their own department's and those below for department staff and heads.
   */
  private async visibleTo(actor: Actor): Promise<Record<string, unknown>> {
    if (!can(actor, 'knowledge.manage')) return { status: 'published' };
    const scope = listScope(actor, 'knowledge.manage');
    if ('all' in scope) return {};
    const own = [scope.departmentId, ...(await this.departments.idsBelow(scope.departmentId))];
    return { $or: [{ status: 'published' }, { departmentId: { $in: own } }] };
  }

  private async departmentRef(departmentId: string): Promise<DepartmentRef> {
    assertId(departmentId, 'department');
    const ancestors = await this.departments.ancestorsOf(departmentId);
    if (!ancestors) throw new DomainError('DEPARTMENT_NOT_FOUND', `No department with id ${departmentId}.`, { field: 'departmentId' });
    return { id: departmentId, ancestors };
  }

  private async assertCategory(categoryId: string | null): Promise<void> {
    if (!categoryId) return;
    assertId(categoryId, 'category');
    if (!(await this.categories.exists(categoryId))) {
      throw new DomainError('CATEGORY_NOT_FOUND', `No category with id ${categoryId}.`, { field: 'categoryId' });
    }
  }
}

const reviewDueFrom = (now: Date, days: number) => new Date(now.getTime() + days * dayMs);
