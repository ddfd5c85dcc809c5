import type { Connection } from 'mongoose';

/** The collections of the search postings that earlier releases kept instead of `terms`. */
const postingsCollection = /^search_(ticket|knowledge)_(terms|docs)_\d\d$/;

interface TermsBackfill {
  backfillTerms(): Promise<number>;
}

/**
 * Brings a database written by releases that kept search postings in collections of their own up
 * to date: tickets and knowledge articles without `terms` get them, and the postings go. Idempotent.
 */
export async function backfillSearchTerms(connection: Connection, owners: { tickets: TermsBackfill; articles: TermsBackfill }): Promise<{ tickets: number; articles: number }> {
  const filled = {
    tickets: await owners.tickets.backfillTerms(),
    articles: await owners.articles.backfillTerms(),
  };
  const collections = await connection.db!.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections) if (postingsCollection.test(name)) await connection.db!.dropCollection(name);
  return filled;
}
