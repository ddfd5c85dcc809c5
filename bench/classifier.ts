/**
 * Routing classifier throughput, median of 5 runs after a warm-up:
 *   npx tsx bench/classifier.ts [--data-dir ../shared/data/complaints]
 * Pre-segmented text is dev.csv; raw text is the subject and body of the raw messages, which
 * also pays for jieba segmentation.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCommittedClassifier } from '../core/routing/classifier.js';
import type { RoutingClassifier } from '../core/routing/classifier.js';
import { readCsvRecords, readLabelledCsv } from '../core/routing/labelled-csv.js';
import { defaultDataDir } from '../scripts/routing/evaluate.js';

const RUNS = 5;
const RAW_MESSAGES = 1000;

function messagesPerSecond(classifier: RoutingClassifier, texts: readonly string[]): number {
  const started = performance.now();
  for (const text of texts) classifier.classify(text);
  return texts.length / ((performance.now() - started) / 1000);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const { values } = parseArgs({ options: { 'data-dir': { type: 'string', default: defaultDataDir } } });
const dataDir = resolve(values['data-dir']);
const classifier = await loadCommittedClassifier();
const segmented = (await readLabelledCsv(resolve(dataDir, 'dev.csv'))).map((example) => example.text);
const raw = (await readCsvRecords(resolve(dataDir, 'messages_with_votes.csv')))
  .slice(0, RAW_MESSAGES)
  .map((record) => `${record['留言主题'] ?? ''}\n${record['留言详情'] ?? ''}`.trim());

const cpu = cpus();
console.log(`${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, Node ${process.version}`);
for (const [name, texts] of [['pre-segmented', segmented], ['raw', raw]] as const) {
  const averageLength = Math.round(texts.reduce((sum, text) => sum + text.length, 0) / texts.length);
  messagesPerSecond(classifier, texts);
  const rates = Array.from({ length: RUNS }, () => messagesPerSecond(classifier, texts));
  console.log(
    `${name.padEnd(14)} ${Math.round(median(rates)).toString().padStart(6)} messages/s ` +
      `(median of ${RUNS} runs over ${texts.length} messages, ${averageLength} characters on average)`,
  );
}
