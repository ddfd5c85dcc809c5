import { Schema, type Connection, type Model } from 'mongoose';
import { defineModel } from '../platform/database.js';
import { tokenizeForIndex } from '../search/tokenize.js';

/** Only published articles reach operators; drafts and archived ones stay with their department. */
export const articleStatuses = ['draft', 'published', 'archived'] as const;
export type ArticleStatus = (typeof articleStatuses)[number];

export interface KnowledgeArticle {
  question: string;
  answer: string;
  /** The search terms of question and answer (`articleTerms`), for keyword search; never shown. */
  terms: string[];
  categoryId: string | null;
  /** The department that owns the answer and must keep it correct. */
  departmentId: string;
  /** The date by which the owning department must check the answer again. */
  reviewDueAt: Date;
  reviewedAt: Date | null;
  status: ArticleStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** The user id; null for the system. */
  createdBy: string | null;
}

const articleSchema = new Schema<KnowledgeArticle>(
  {
    question: { type: String, required: true },
    answer: { type: String, required: true },
    terms: { type: [String], default: undefined },
    categoryId: { type: String, default: null },
    departmentId: { type: String, required: true },
    reviewDueAt: { type: Date, required: true },
    reviewedAt: { type: Date, default: null },
    status: { type: String, enum: articleStatuses, required: true },
    version: { type: Number, default: 1 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    createdBy: { type: String, default: null },
  },
  { versionKey: false, collection: 'knowledge_articles' },
);
articleSchema.index({ departmentId: 1, status: 1 });
articleSchema.index({ reviewDueAt: 1 });
articleSchema.index({ terms: 1, _id: -1 });

export const knowledgeArticleModel = (connection: Connection): Model<KnowledgeArticle> =>
  defineModel(connection, 'KnowledgeArticle', articleSchema);

export const articleTerms = (article: Pick<KnowledgeArticle, 'question' | 'answer'>): string[] => tokenizeForIndex(`${article.question}\n${article.answer}`);

export type ArticleView = Omit<KnowledgeArticle, 'terms'> & { id: string };

export function presentArticle(doc: KnowledgeArticle & { _id: unknown }): ArticleView {
  const { _id, terms: _terms, ...rest } = doc;
  return { id: String(_id), ...rest };
}
