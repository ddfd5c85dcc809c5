/**
 * Scores the committed routing model on a labelled CSV (columns text_tokens, category):
 *   npx tsx scripts/routing/evaluate.ts [file.csv]        (default: ../shared/data/complaints/dev.csv)
 * Accuracy, macro-F1, per-category figures, and the calibrated confidence's precision and coverage
 * at the model's auto-dispatch threshold with its expected calibration error.
 * Also the report that train.ts prints, so both speak of the same numbers.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evaluateClassifier, loadCommittedClassifier } from '../../core/routing/classifier.js';
import { readLabelledCsv } from '../../core/routing/labelled-csv.js';
import type { LabelledText, Metrics, RoutingClassifier } from '../../core/routing/classifier.js';
import { expectedCalibrationError, pointAt, scoredPredictions } from '../../core/routing/training.js';

export const defaultDataDir = fileURLToPath(new URL('../../../shared/data/complaints/', import.meta.url));

// CJK characters take two columns in a terminal.
const displayWidth = (text: string): number => [...text].reduce((w, c) => w + (c.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
const padStart = (text: string, width: number): string => ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
const padEnd = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - displayWidth(text)));

export function formatReport(metrics: Metrics): string {
  const { labels } = metrics;
  const nameWidth = Math.max(...labels.map(displayWidth)) + 2;
  const lines = [
    `accuracy ${metrics.accuracy.toFixed(4)}   macro-F1 ${metrics.macroF1.toFixed(4)}`,
    '',
    `${padEnd('category', nameWidth)} precision  recall      F1  support`,
    ...labels.map((label) => {
      const m = metrics.perClass[label];
      const cells = [m?.precision, m?.recall, m?.f1].map((v) => padStart((v ?? 0).toFixed(4), 8));
      return `${padEnd(label, nameWidth)} ${cells[0]}  ${cells[1]} ${cells[2]} ${padStart(String(m?.support ?? 0), 8)}`;
    }),
    '',
    'confusion matrix (rows: true category, columns: predicted, in the order above)',
    ...labels.map((label, k) => padEnd(label, nameWidth) + (metrics.confusion[k] ?? []).map((n) => padStart(String(n), 6)).join('')),
  ];
  return lines.join('\n');
}

export function formatAutoDispatch(classifier: RoutingClassifier, examples: readonly LabelledText[]): string {
  const predictions = scoredPredictions(classifier, examples);
  const threshold = classifier.autoDispatchThreshold;
  const { precision, coverage } = pointAt(predictions, threshold);
  return [
    `auto-dispatch at calibrated confidence >= ${threshold.toFixed(4)}: precision ${precision.toFixed(4)}, coverage ${coverage.toFixed(4)} ` +
      `(${Math.round(coverage * examples.length)} of ${examples.length} messages)`,
    `expected calibration error ${expectedCalibrationError(predictions).toFixed(4)} (15 bins)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const path = process.argv[2] ?? `${defaultDataDir}dev.csv`;
  const classifier = await loadCommittedClassifier();
  const examples = await readLabelledCsv(path);
  const metrics = evaluateClassifier(classifier, examples);
  console.log(`${path}: ${examples.length} messages\n`);
  console.log(formatReport(metrics));
  console.log(`\n${formatAutoDispatch(classifier, examples)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
