import { Types, type Model } from 'mongoose';
import { rewriteEach } from '../platform/migrations.js';
import { tokenizeForIndex } from './tokenize.js';

/** A document searchable by keyword: its `terms` are the tokenizer's terms of its text, kept on write. */
export interface Searchable {
  terms: string[];
}

export interface TermSearch {
  /** What the caller may see (e.g. the actor's departments), applied inside each term's lookup. */
  filter?: Record<string, unknown>;
  limit: number;
  /** Where the newest documents are: the lookups walk back in time from here. */
  now: Date;
}

/**
 * A long pasted query (a duplicate probe is a whole ticket) would otherwise cost lookups for every
 * word; its first words (a ticket's subject) are kept.
 */
const maxQueryTerms = 12;
/**
 * The newest documents read per query term. It bounds the work of a frequent term (问题 is in four
 * tickets of ten) at the price of ranking only among each term's newest documents.
 */
export const documentsPerTerm = 100;
/**
 * How far back each lookup of a term reaches, in hours: every slice eight times the one before,
 * so a frequent term is done after the first slices and reads little more than its newest
 * documents, and a rare one takes a few cheap lookups more. Each slice is a range of the
 * `{terms: 1, _id: -1}` index (ObjectIds grow with time). Without slices, DocumentDB sorts every
 * document holding the term, or walks the whole `_id` index for a rare one (0.25 s at 20k tickets).
 */
const sliceHours = [1, 8, 64, 512, 4096];

/**
 * Ids of the documents whose `terms` share most distinct terms with the query, best first: more
 * matched terms first; among equals, rarer terms weigh more (each match adds 1 / the documents read
 * for the term), then newer documents.
 */
export async function rankByTerms<T extends Searchable>(model: Model<T>, query: string, search: TermSearch): Promise<string[]> {
  const terms = tokenizeForIndex(query).slice(0, maxQueryTerms);
  if (terms.length === 0) return [];
  const byTerm = await Promise.all(terms.map((term) => newestHolding(model, term, search)));
  return rank(byTerm).slice(0, search.limit);
}

/** The documents `ids` names, in that order, read from `model` with `filter`: a document changed since its ids were read may have left the filter, and is dropped. */
export async function inRankOrder<T>(model: Model<T>, ids: readonly string[], filter: Record<string, unknown> = {}): Promise<(T & { _id: unknown })[]> {
  if (ids.length === 0) return [];
  const found = new Map((await model.find({ ...filter, _id: { $in: ids } } as never).lean()).map((doc) => [String((doc as { _id: unknown })._id), doc as T & { _id: unknown }]));
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** `rankByTerms` over documents that carry their own `terms`, read back whole. */
export async function searchByTerms<T extends Searchable>(model: Model<T>, query: string, search: TermSearch): Promise<(T & { _id: unknown })[]> {
  return inRankOrder(model, await rankByTerms(model, query, search), search.filter);
}

/** Ids of the newest documents (at most `documentsPerTerm`) that hold the term, newest first. */
async function newestHolding<T>(model: Model<T>, term: string, search: TermSearch): Promise<string[]> {
  const ids: string[] = [];
  const lookup = (idRange: Record<string, Types.ObjectId>) => model.find({ ...search.filter, terms: term, _id: idRange } as never, { _id: 1 }).limit(documentsPerTerm - ids.length);
  let newer: Types.ObjectId | null = null;
  for (const hours of sliceHours) {
    const older = Types.ObjectId.createFromTime(Math.floor(search.now.getTime() / 1000) - hours * 3600);
    // The first slice has no upper end: documents stamped after `now` are the newest.
    const rows = await lookup(newer ? { $gte: older, $lt: newer } : { $gte: older }).sort({ _id: -1 }).lean<{ _id: unknown }[]>();
    ids.push(...rows.map((row) => String(row._id)));
    if (ids.length === documentsPerTerm) return ids;
    newer = older;
  }
  // Older than every slice, unsorted: sorted, the planner may walk the whole `_id` index instead.
  // So a term that was frequent long ago and rare since gets some of its old documents, not the newest.
  const rest = await lookup({ $lt: newer! }).lean<{ _id: unknown }[]>();
  return [...ids, ...rest.map((row) => String(row._id)).sort().reverse()];
}

function rank(idsByTerm: string[][]): string[] {
  const scores = new Map<string, { matched: number; weight: number }>();
  for (const ids of idsByTerm) {
    const weight = 1 / ids.length;
    for (const id of ids) {
      const score = scores.get(id);
      if (score) {
        score.matched += 1;
        score.weight += weight;
      } else scores.set(id, { matched: 1, weight });
    }
  }
  return [...scores]
    .sort(([a, x], [b, y]) => y.matched - x.matched || y.weight - x.weight || (a < b ? 1 : a > b ? -1 : 0))
    .map(([id]) => id);
}

/**
 * Gives documents written before they carried `terms` their terms (`termsOf` its text fields, as on
 * write); idempotent, so any number of processes may run it at any time. Returns how many it filled.
 */
export function backfillTerms<T extends Searchable, K extends keyof T & string>(
  model: Model<T>,
  textFields: K[],
  termsOf: (doc: Pick<T, K>) => string[],
): Promise<number> {
  const projection = Object.fromEntries(textFields.map((field) => [field, 1 as const]));
  // Only while still missing: a write of the document meanwhile has set its own.
  return rewriteEach<T, Pick<T, K> & { _id: unknown }>(model, { terms: { $exists: false } }, projection, (row) => ({
    onlyWhile: { terms: { $exists: false } },
    set: { terms: termsOf(row) },
  }));
}
