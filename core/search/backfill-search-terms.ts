import type { Connection } from 'mongoose';
import { articleTerms, knowledgeArticleModel } from '../knowledge/knowledge-article.js';
import { ticketModel, ticketTerms } from '../tickets/ticket.js';
import { backfillTerms } from './term-search.js';

/** The collections of the search postings that earlier releases kept instead of `terms`. */
const postingsCollection = /^search_(ticket|knowledge)_(terms|docs)_\d\d$/;

/**
 * Brings a database written by releases that kept search postings in collections of their own up
 * to date: tickets and knowledge articles without `terms` get them, and the postings go. Idempotent.
 */
export async function backfillSearchTerms(connection: Connection): Promise<{ tickets: number; articles: number }> {
  const filled = {
    tickets: await backfillTerms(ticketModel(connection), ['subject', 'content'], ticketTerms),
    articles: await backfillTerms(knowledgeArticleModel(connection), ['question', 'answer'], articleTerms),
  };
  const collections = await connection.db!.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections) if (postingsCollection.test(name)) await connection.db!.dropCollection(name);
  return filled;
}
