import type { Model } from 'mongoose';
import { backfillTerms } from '../search/term-search.js';
import { articleTerms, type KnowledgeArticle } from './knowledge-article.js';

/** What other areas read and maintain of the knowledge articles; changes go through `KnowledgeBase`. */
export class KnowledgeArticleRepository {
  constructor(private readonly model: Model<KnowledgeArticle>) {}

  /** Whether the department still answers for an article that is not archived. */
  async inUseBy(departmentId: string): Promise<boolean> {
    return !!(await this.model.exists({ departmentId, status: { $ne: 'archived' } }));
  }

  /** Gives articles stored without search terms their terms; returns how many. */
  backfillTerms(): Promise<number> {
    return backfillTerms(this.model, ['question', 'answer'], articleTerms);
  }
}
