import { randomUUID } from 'node:crypto';
import type { Collection, Connection } from 'mongoose';
import { abandonedAfterMs, revisionModel } from '../platform/compare-and-set.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { tokenizeForIndex } from './tokenize.js';

export type SearchKind = 'ticket' | 'knowledge';

/** The documents that contain one term (its `_id`). */
interface Posting {
  _id: string;
  /**
   * Space-separated document ids. FerretDB stores a type entry beside every array element, which
   * made the postings of frequent terms about four times slower to read and write than one string.
   */
  ids: string;
  version: number;
  /**
   * New for every creation of the posting, so that its version claims cannot collide with the claims
   * of an earlier posting of the same term (a rebuild starts the versions again).
   */
  epoch: string;
}

/** The terms one document (its `_id`) is in the postings of, to take it out again when it changes. */
interface IndexedDocument {
  _id: string;
  terms: string[];
}

type PostingChange = { add: string } | { remove: string };
type TermChange = [term: string, change: PostingChange];

/** One change planned against the posting as read: `next` are its ids afterwards. */
interface PostingStep {
  term: string;
  change: PostingChange;
  posting: Posting | null;
  next: string[];
  collection: string;
}

export interface SearchOptions {
  limit: number;
  /**
   * Which of these ids, ranked best first, the caller will show (e.g. only published articles). It
   * is asked batch by batch down the ranking until `limit` ids are accepted or none are left.
   */
  accept?: (docIds: string[]) => Promise<Iterable<string>>;
}

/**
 * FerretDB 1.24 on SQLite hands only `{_id: <string>}` filters to SQLite, and even those scan the
 * table, because its WHERE expression is not the one the `_id` index is built on; other filters are
 * evaluated in Go after decoding every document (see bench/search.ts). A lookup therefore costs time
 * in proportion to the collection, so each kind's postings and documents are hashed over this many
 * collections. On MongoDB, where `_id` lookups use the index, the split costs nothing.
 */
const shardCount = 64;
/** Parallel posting writes per indexed document: more only queue behind SQLite's single writer. */
const postingWriters = 4;
/** A long pasted query would otherwise cost one lookup per word. */
const maxQueryTerms = 24;
const maxAttempts = 50;

/**
 * An inverted index from words to document ids for Chinese keyword search, kept in the database so
 * every process shares it. Each kind (tickets, knowledge articles) has its own collections.
 *
 * Indexing one document's text must not run concurrently with indexing or removing the same
 * document; callers index after their own compare-and-set write has succeeded, which orders them.
 * Different documents may be indexed concurrently from any process.
 */
export class TermIndex {
  private readonly revisions;
  /**
   * This process's posting writes of each kind, one batch after the other. SQLite takes one writer
   * at a time anyway, and concurrent batches contend for the same frequent terms and retry: without
   * this, eight concurrent index calls indexed fewer texts per second than one at a time (measured
   * with bench/search.ts's data). Writers in other processes are kept apart by the claims.
   */
  private readonly writing: Record<SearchKind, Promise<void>> = { ticket: Promise.resolve(), knowledge: Promise.resolve() };

  constructor(
    private readonly connection: Connection,
    private readonly clock: Clock = systemClock,
  ) {
    this.revisions = revisionModel(connection);
  }

  /** Indexes the document under the terms of `text`, replacing what it was indexed under before. */
  async index(kind: SearchKind, docId: string, text: string): Promise<void> {
    assertDocId(docId);
    const terms = tokenizeForIndex(text);
    const documents = this.documents(kind, docId);
    const previous = (await documents.findOne({ _id: docId }))?.terms ?? [];
    const current = new Set(terms);
    const stale = previous.filter((term) => !current.has(term));
    const union = [...previous, ...terms.filter((term) => !previous.includes(term))];
    // Before any posting changes, the document lists every posting that may hold it: a crash midway
    // then leaves nothing that the next index or remove of the document does not clean up.
    if (union.length > previous.length) await documents.replaceOne({ _id: docId }, { terms: union }, { upsert: true });
    // Every term is (idempotently) added, not only the new ones, which repairs a crash after the
    // document's term list was written but before all its postings were.
    await this.changePostings(kind, [
      ...terms.map((term): TermChange => [term, { add: docId }]),
      ...stale.map((term): TermChange => [term, { remove: docId }]),
    ]);
    if (terms.length === 0 && previous.length > 0) await documents.deleteOne({ _id: docId });
    else if (stale.length > 0) await documents.replaceOne({ _id: docId }, { terms }, { upsert: true });
  }

  async remove(kind: SearchKind, docId: string): Promise<void> {
    assertDocId(docId);
    const documents = this.documents(kind, docId);
    const indexed = await documents.findOne({ _id: docId });
    if (!indexed) return;
    await this.changePostings(kind, indexed.terms.map((term): TermChange => [term, { remove: docId }]));
    await documents.deleteOne({ _id: docId });
  }

  /**
   * Document ids ranked by how many distinct terms of the query they contain; among equals, rarer
   * terms weigh more (each match adds 1 / the number of documents holding the term), then newer ids
   * (ObjectIds grow with time) come first.
   */
  async search(kind: SearchKind, query: string, options: SearchOptions): Promise<string[]> {
    const terms = tokenizeForIndex(query).slice(0, maxQueryTerms);
    const postings = await Promise.all(terms.map((term) => this.postingIds(kind, term)));
    const ranked = rank(postings);
    if (!options.accept) return ranked.slice(0, options.limit);
    const found: string[] = [];
    const batchSize = Math.max(options.limit, 20);
    for (let start = 0; start < ranked.length && found.length < options.limit; start += batchSize) {
      const batch = ranked.slice(start, start + batchSize);
      const accepted = new Set(await options.accept(batch));
      found.push(...batch.filter((id) => accepted.has(id)));
    }
    return found.slice(0, options.limit);
  }

  /**
   * Replaces the whole index of a kind with these documents in bulk: for a first load or after the
   * tokenizer changed. Nothing else may index that kind meanwhile; its writes would be lost.
   */
  async rebuild(kind: SearchKind, docs: Iterable<{ id: string; text: string }>): Promise<{ documents: number; terms: number }> {
    const postings = new Map<string, string[]>();
    const indexed: IndexedDocument[] = [];
    for (const { id, text } of docs) {
      assertDocId(id);
      const terms = tokenizeForIndex(text);
      if (terms.length === 0) continue;
      indexed.push({ _id: id, terms });
      for (const term of terms) {
        const ids = postings.get(term);
        if (ids) ids.push(id);
        else postings.set(term, [id]);
      }
    }
    const epoch = randomUUID();
    const shards = Array.from({ length: shardCount }, (_, shard) => ({ postings: [] as Posting[], documents: [] as IndexedDocument[], shard }));
    for (const [term, ids] of postings) shards[shardOf(term)]!.postings.push({ _id: term, ids: ids.join(' '), version: 1, epoch });
    for (const document of indexed) shards[shardOf(document._id)]!.documents.push(document);
    for (const { shard, postings: shardPostings, documents } of shards) {
      await this.replaceCollection(collectionName(kind, 'terms', shard), shardPostings);
      await this.replaceCollection(collectionName(kind, 'docs', shard), documents);
    }
    return { documents: indexed.length, terms: postings.size };
  }

  /** Applies the changes, each to its term's posting, retrying those that lose to a concurrent writer. */
  private changePostings(kind: SearchKind, changes: TermChange[]): Promise<void> {
    const run = async () => {
      let pending = changes;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === maxAttempts) throw new Error(`Search postings of ${kind} stayed contended for ${maxAttempts} attempts: ${pending.map(([term]) => term).join(' ')}.`);
        if (attempt > 0) await pause(attempt);
        pending = await this.tryChangePostings(kind, pending);
      }
    };
    const done = this.writing[kind].then(run);
    this.writing[kind] = done.catch(() => {});
    return done;
  }

  /** One round over the changes; returns those that lost their posting's next version to another writer. */
  private async tryChangePostings(kind: SearchKind, changes: TermChange[]): Promise<TermChange[]> {
    const steps = (await Promise.all(changes.map((termChange) => this.planStep(kind, termChange)))).filter((step) => step !== null);
    const updates = steps.filter((step) => step.posting !== null);
    const creations = steps.filter((step) => step.posting === null);
    const now = this.clock.now();
    // All claims go to one collection, so one insert (one SQLite transaction) makes them all.
    const claimsTaken = await insertAllowingDuplicates(this.revisions.collection, updates.map((step) => ({ _id: claimIdOf(step), at: now, set: step.change })));
    const lost: TermChange[] = [];
    await forEachLimited(updates, postingWriters, async (step, i) => {
      const postings = this.postings(kind, step.term);
      if (claimsTaken.has(i)) {
        lost.push([step.term, step.change]);
        await this.finishAbandonedClaim(postings, step.posting!, claimIdOf(step), now);
        return;
      }
      // The claim makes this the only writer of the next version, so the write needs no version in
      // its filter; FerretDB would evaluate such a filter in Go over the whole collection.
      await postings.updateOne({ _id: step.term }, { $set: { ids: step.next.join(' '), version: step.posting!.version + 1 } });
    });
    await forEachLimited(creations, postingWriters, async (step) => {
      // Creating needs no claim: the unique _id lets exactly one of concurrent creators insert.
      const posting: Posting = { _id: step.term, ids: step.next.join(' '), version: 1, epoch: randomUUID() };
      const taken = await insertAllowingDuplicates(this.postings(kind, step.term), [posting]);
      if (taken.size > 0) lost.push([step.term, step.change]);
    });
    return lost;
  }

  /** What the change does to the term's posting as it is now; null when it is already in effect. */
  private async planStep(kind: SearchKind, [term, change]: TermChange): Promise<PostingStep | null> {
    const posting = await this.postings(kind, term).findOne({ _id: term });
    const ids = posting ? splitIds(posting.ids) : [];
    const next = applyChange(ids, change);
    return next === ids ? null : { term, change, posting, next, collection: collectionName(kind, 'terms', shardOf(term)) };
  }

  /** If the claim's writer died before writing (the claim is old), applies its change so the posting can move on. */
  private async finishAbandonedClaim(postings: Collection<Posting>, posting: Posting, claimId: string, now: Date): Promise<void> {
    const claim = await this.revisions.findById(claimId).lean();
    if (!claim || now.getTime() - claim.at.getTime() < abandonedAfterMs) return;
    const ids = applyChange(splitIds(posting.ids), claim.set as PostingChange);
    // The version in the filter (a slow filter on FerretDB) is affordable on this rare path.
    await postings.updateOne({ _id: posting._id, version: posting.version }, { $set: { ids: ids.join(' '), version: posting.version + 1 } });
  }

  private async postingIds(kind: SearchKind, term: string): Promise<string[]> {
    const posting = await this.postings(kind, term).findOne({ _id: term }, { projection: { ids: 1 } });
    return posting ? splitIds(posting.ids) : [];
  }

  private async replaceCollection<T extends { _id: string }>(name: string, rows: T[]): Promise<void> {
    await this.connection.dropCollection(name).catch((err: { codeName?: string }) => {
      if (err.codeName !== 'NamespaceNotFound') throw err;
    });
    const collection = this.connection.collection<T>(name);
    for (let start = 0; start < rows.length; start += 1000) await collection.insertMany(rows.slice(start, start + 1000) as never);
  }

  private postings(kind: SearchKind, term: string): Collection<Posting> {
    return this.connection.collection<Posting>(collectionName(kind, 'terms', shardOf(term)));
  }

  private documents(kind: SearchKind, docId: string): Collection<IndexedDocument> {
    return this.connection.collection<IndexedDocument>(collectionName(kind, 'docs', shardOf(docId)));
  }
}

/** Like compare-and-set's claims (`<collection>:<id>:<version>`), with the posting's epoch. */
function claimIdOf(step: PostingStep): string {
  return `${step.collection}:${step.term}:${step.posting!.epoch}:${step.posting!.version + 1}`;
}

function collectionName(kind: SearchKind, part: 'terms' | 'docs', shard: number): string {
  return `search_${kind}_${part}_${String(shard).padStart(2, '0')}`;
}

/** FNV-1a: stable across processes and releases, unlike anything that depends on the runtime. */
function shardOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shardCount;
}

function assertDocId(docId: string): void {
  // Postings keep ids space-separated.
  if (!/^\S+$/.test(docId)) throw new Error(`A search document id must be non-empty without spaces, got "${docId}".`);
}

const splitIds = (ids: string): string[] => (ids === '' ? [] : ids.split(' '));

/** The ids after the change, or the very same array when the change is already in effect. */
function applyChange(ids: string[], change: PostingChange): string[] {
  if ('add' in change) return ids.includes(change.add) ? ids : [...ids, change.add];
  return ids.includes(change.remove) ? ids.filter((id) => id !== change.remove) : ids;
}

function rank(postings: string[][]): string[] {
  const scores = new Map<string, { matched: number; weight: number }>();
  for (const ids of postings) {
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

/** Inserts the rows, skipping those whose _id exists; returns the positions of the skipped ones. */
async function insertAllowingDuplicates(collection: { insertMany(rows: never, options: { ordered: false }): Promise<unknown> }, rows: { _id: string }[]): Promise<Set<number>> {
  if (rows.length === 0) return new Set();
  try {
    await collection.insertMany(rows as never, { ordered: false });
    return new Set();
  } catch (err) {
    const duplicates = [(err as { writeErrors?: OneOrMore<{ index: number; code: number }> }).writeErrors ?? []].flat();
    if (duplicates.length === 0 || duplicates.some((e) => e.code !== 11000)) throw err;
    return new Set(duplicates.map((e) => e.index));
  }
}

type OneOrMore<T> = T | T[];

async function forEachLimited<T>(items: T[], limit: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await run(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Backs off with jitter so writers contending for a frequent term do not retry in lockstep. */
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
