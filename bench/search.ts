/**
 * Chinese keyword search on the embedded FerretDB: loads N short texts (sentences of the complaint
 * corpus) into a TermIndex, then times searches, incremental indexing and removal, and shows why the
 * index is keyed by `_id` (what FerretDB hands to SQLite).
 *
 *   npm run bench -- search [--docs 20000] [--queries 200] [--corpus <csv with 留言详情, 答复意见, 留言主题>]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { startFerretDB } from '../infra/ferretdb/launcher.js';
import { connectDatabase } from '../core/platform/database.js';
import { parseCsvRecords } from '../core/platform/csv.js';
import { TermIndex } from '../core/search/term-index.js';
import { tokenizeForIndex } from '../core/search/tokenize.js';

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '20000' },
    queries: { type: 'string', default: '200' },
    corpus: { type: 'string', default: '/work/shared/data/complaints/messages_with_replies.csv' },
  },
});
const docCount = Number(args.docs);
const queryCount = Number(args.queries);

const records = parseCsvRecords(readFileSync(args.corpus, 'utf8'));
const sentences = records
  .flatMap((r) => [r['留言详情'] ?? '', r['答复意见'] ?? ''])
  .flatMap((text) => text.split(/[。！？!?\n]+/u))
  .map((s) => s.trim())
  .filter((s) => s.length >= 8);
/** Texts beyond the loaded ones, indexed one by one and then 8 at a time. */
const extra = 200;
if (sentences.length < docCount + 2 * extra) throw new Error(`The corpus has ${sentences.length} sentences; ask for at most ${sentences.length - 2 * extra}.`);
const docs = sentences.slice(0, docCount).map((text) => ({ id: new Types.ObjectId().toHexString(), text }));
const newDocs = sentences.slice(docCount, docCount + extra).map((text) => ({ id: new Types.ObjectId().toHexString(), text }));
const subjects = records.map((r) => r['留言主题'] ?? '').filter((s) => tokenizeForIndex(s).length > 0).slice(0, queryCount);
const words = subjects.map((s) => tokenizeForIndex(s)[0]!);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hotline12345-bench-search-'));
const server = await startFerretDB({ dataDir });
const connection = await connectDatabase(server.uri, 'bench_search');
const index = new TermIndex(connection);

function summary(label: string, samples: number[], extraText = ''): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  console.log(`${label.padEnd(44)} n=${String(samples.length).padStart(4)}  median ${at(0.5).toFixed(1).padStart(7)} ms  p95 ${at(0.95).toFixed(1).padStart(7)} ms${extraText}`);
}

async function timed<T>(items: T[], run: (item: T) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (const item of items) {
    const start = performance.now();
    await run(item);
    samples.push(performance.now() - start);
  }
  return samples;
}

try {
  console.log(`FerretDB (SQLite) in ${dataDir}; ${os.cpus().length} CPUs; ${docCount} texts of ${(docs.reduce((n, d) => n + d.text.length, 0) / docCount).toFixed(0)} characters on average\n`);

  let start = performance.now();
  const built = await index.rebuild('ticket', docs);
  console.log(`rebuild: ${built.documents} documents, ${built.terms} distinct terms in ${((performance.now() - start) / 1000).toFixed(1)} s`);

  let hits = 0;
  const countHits = async (q: string) => (hits += (await index.search('ticket', q, { limit: 20 })).length);
  summary('search, a message subject as query (limit 20)', await timed(subjects, countHits), `  ${(hits / subjects.length).toFixed(1)} hits/query`);
  hits = 0;
  summary('search, one word (limit 20)', await timed(words, countHits), `  ${(hits / words.length).toFixed(1)} hits/query`);

  summary('index a new text', await timed(newDocs, (d) => index.index('ticket', d.id, d.text)));
  start = performance.now();
  const concurrent = sentences.slice(docCount + extra, docCount + 2 * extra).map((text) => ({ id: new Types.ObjectId().toHexString(), text }));
  for (let i = 0; i < concurrent.length; i += 8) await Promise.all(concurrent.slice(i, i + 8).map((d) => index.index('ticket', d.id, d.text)));
  console.log(`${'index new texts, 8 at a time'.padEnd(44)} n=${String(concurrent.length).padStart(4)}  ${(concurrent.length / ((performance.now() - start) / 1000)).toFixed(1)} texts/s`);
  summary('index an indexed text again, other words', await timed(newDocs.slice(0, 50), (d) => index.index('ticket', d.id, `${d.text} 补充说明`)));
  summary('remove a text', await timed(newDocs.slice(50, 100), (d) => index.remove('ticket', d.id)));

  // What FerretDB hands to SQLite: the posting lookup by _id against the row-per-posting layout.
  const db = connection.db!;
  const shards = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => n.startsWith('search_ticket_terms_'));
  const lookup = await db.command({ explain: { find: shards[0]!, filter: { _id: '小区' } } });
  console.log(`\nposting lookup {_id}: filterPushdown=${lookup.filterPushdown}, SQLite plan: ${JSON.stringify(lookup.queryPlanner?.Plan ?? lookup.queryPlanner)}`);
  const rows = db.collection<{ kind: string; term: string; docId: string }>('bench_rows');
  await rows.createIndex({ kind: 1, term: 1 });
  const sample = docs.slice(0, 2000).flatMap((d) => tokenizeForIndex(d.text).map((term) => ({ kind: 'ticket', term, docId: d.id })));
  for (let i = 0; i < sample.length; i += 1000) await rows.insertMany(sample.slice(i, i + 1000));
  const rowsExplain = await db.command({ explain: { find: 'bench_rows', filter: { kind: 'ticket', term: '小区' } } });
  console.log(`rows {kind, term} (indexed): filterPushdown=${rowsExplain.filterPushdown}, SQLite plan: ${JSON.stringify(rowsExplain.queryPlanner?.Plan ?? rowsExplain.queryPlanner)}`);
  summary(`rows {kind, term} lookup over ${sample.length} rows`, await timed(words.slice(0, 5), (term) => rows.find({ kind: 'ticket', term }).toArray()));

  const bytes = readdirSync(dataDir).reduce((n, f) => n + statSync(path.join(dataDir, f)).size, 0);
  console.log(`\ndatabase files: ${(bytes / 1e6).toFixed(0)} MB`);
} finally {
  await connection.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
