/**
 * Trains the routing classifier and writes core/routing/model/classifier.json:
 *   npx tsx scripts/routing/train.ts [--data-dir ../shared/data/complaints] [--corrections file.csv]
 *
 * The model, its calibration and the auto-dispatch threshold are described in core/routing/training.ts.
 * --corrections adds dispatchers' corrections (columns text_tokens, category) to the training set.
 * Same data, same artifact: the shuffles use a fixed seed and the date is recorded without a time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { committedModelUrl, evaluateClassifier, loadClassifier, serialiseModel } from '../../core/routing/classifier.js';
import { trainClassifier } from '../../core/routing/training.js';
import { fileDigest, readLabelledCsv } from '../../core/routing/labelled-csv.js';
import { defaultDataDir, formatReport, formatAutoDispatch } from './evaluate.js';

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string', default: defaultDataDir }, corrections: { type: 'string' } } });
  const dataDir = resolve(values['data-dir']);
  const [trainPath, devPath] = [resolve(dataDir, 'train.csv'), resolve(dataDir, 'dev.csv')];
  const [train, dev] = await Promise.all([readLabelledCsv(trainPath), readLabelledCsv(devPath)]);
  const corrections = values.corrections === undefined ? [] : await readLabelledCsv(resolve(values.corrections));
  const model = trainClassifier({
    train,
    dev,
    corrections,
    digests: { train: await fileDigest(trainPath, train.length), dev: await fileDigest(devPath, dev.length) },
    today: new Date().toISOString().slice(0, 10),
    log: (line) => console.log(line),
  });
  await mkdir(new URL('.', committedModelUrl), { recursive: true });
  await writeFile(committedModelUrl, serialiseModel(model));

  const classifier = loadClassifier(model);
  console.log(`\ntemperature ${model.temperature}; dev.csv with the written model:\n`);
  console.log(formatReport(evaluateClassifier(classifier, dev)));
  console.log(`\n${formatAutoDispatch(classifier, dev)}`);
  console.log(`cross-validated on train.csv: ${JSON.stringify(model.metrics.crossValidated)}`);
  console.log(`\nwrote ${committedModelUrl.pathname} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
