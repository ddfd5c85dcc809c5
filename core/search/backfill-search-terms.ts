import type { Connection } from 'mongoose';

/** The collections of the search postings that earlier releases kept instead of `terms`. */
const postingsCollection = /^search_(ticket|knowledge)_(terms|docs)_\d\d$/;

interface TermsBackfill {
  backfillTerms(): Promise<number>;
}

interface TicketTermsBackfill {
  backfillTerms(options: { everyTicket: boolean }): Promise<number>;
}

/**
 * Brings a database written by releases that kept search postings in collections of their own up
 * to date: tickets and knowledge articles without `terms` get them, and the postings go. Idempotent.
 */
export async function backfillSearchTerms(connection: Connection, owners: { tickets: TicketTermsBackfill; articles: TermsBackfill }): Promise<{ tickets: number; articles: number }> {
  const postings = (await connection.db!.listCollections({}, { nameOnly: true }).toArray()).map(({ name }) => name).filter((name) => postingsCollection.test(name));
  const filled = {
    tickets: await owners.tickets.backfillTerms({ everyTicket: postings.length > 0 }),
    articles: await owners.articles.backfillTerms(),
  };
  for (const name of postings) await connection.db!.dropCollection(name);
  return filled;
}
