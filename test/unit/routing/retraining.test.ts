import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { evaluateClassifier, loadCommittedClassifier } from '../../../core/routing/classifier.js';
import type { LabelledText } from '../../../core/routing/classifier.js';
import { fileDigest, readLabelledCsv } from '../../../core/routing/labelled-csv.js';
import { RoutingModelStore } from '../../../core/routing/model-store.js';
import { passesGate, RoutingRetraining } from '../../../core/routing/retraining.js';
import { trainClassifier } from '../../../core/routing/training.js';
import { defaultDataDir } from '../../../scripts/routing/evaluate.js';

/** The first `perCategory` messages of each category: a corpus small enough to train in seconds. */
const firstOfEach = (examples: readonly LabelledText[], perCategory: number): LabelledText[] => {
  const taken = new Map<string, number>();
  return examples.filter(({ category }) => {
    const n = taken.get(category) ?? 0;
    taken.set(category, n + 1);
    return n < perCategory;
  });
};
const csv = (examples: readonly LabelledText[]): string =>
  `text_tokens,category\n${examples.map((e) => `"${e.text.replaceAll('"', '""')}",${e.category}`).join('\n')}\n`;

describe('routing: retraining behind the evaluation gate', function () {
  this.timeout(300_000);
  let dir: string;
  let dataDir: string;
  let train: LabelledText[];
  let dev: LabelledText[];
  /** Messages the small corpus left out, standing in for dispatchers' corrections. */
  let unseen: LabelledText[];
  const noCorrections = { all: async (): Promise<LabelledText[]> => [] };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'routing-retrain-'));
    dataDir = join(dir, 'data');
    const corpus = await readLabelledCsv(resolve(defaultDataDir, 'train.csv'));
    train = firstOfEach(corpus, 40);
    unseen = firstOfEach(corpus.filter((e) => !train.includes(e)), 2);
    dev = firstOfEach(await readLabelledCsv(resolve(defaultDataDir, 'dev.csv')), 15);
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'train.csv'), csv(train));
    await writeFile(join(dataDir, 'dev.csv'), csv(dev));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('when either figure is lower, then the gate stays shut; equal figures pass', () => {
    assert.equal(passesGate({ accuracy: 0.95, macroF1: 0.94 }, { accuracy: 0.95, macroF1: 0.94 }), true);
    assert.equal(passesGate({ accuracy: 0.96, macroF1: 0.939 }, { accuracy: 0.95, macroF1: 0.94 }), false);
    assert.equal(passesGate({ accuracy: 0.949, macroF1: 0.95 }, { accuracy: 0.95, macroF1: 0.94 }), false);
  });

  it('when the candidate does worse than the committed model on the dev set, then nothing is stored and the committed model stays in use', async () => {
    const store = new RoutingModelStore(join(dir, 'worse'));
    const report = await new RoutingRetraining(noCorrections, store, dataDir).run(new Date('2026-03-08T19:00:00Z'));
    assert.ok('promoted' in report);
    assert.equal(report.promoted, false);
    assert.ok(report.candidate.macroF1 < report.incumbent.macroF1, JSON.stringify(report));
    await assert.rejects(stat(join(dir, 'worse', 'classifier.json')), /ENOENT/u);
    assert.equal(await store.classifier().then((c) => c.autoDispatchThreshold), (await loadCommittedClassifier()).autoDispatchThreshold);
  });

  it('when the candidate does at least as well as the stored model, then it replaces it and the routing uses it at once', async () => {
    const store = new RoutingModelStore(join(dir, 'better'));
    // The model in use learnt from labels rotated by one for a third of the messages: clearly worse.
    const labels = [...new Set(train.map((e) => e.category))].sort();
    const noisy = train.map((e, i) => (i % 3 === 0 ? { ...e, category: labels[(labels.indexOf(e.category) + 1) % labels.length]! } : e));
    const digests = { train: await fileDigest(join(dataDir, 'train.csv'), train.length), dev: await fileDigest(join(dataDir, 'dev.csv'), dev.length) };
    await store.save(trainClassifier({ train: noisy, dev, digests, today: '2026-03-01' }));
    const before = evaluateClassifier(await store.classifier(), dev);

    const corrections = { all: async () => unseen };
    const report = await new RoutingRetraining(corrections, store, dataDir).run(new Date('2026-03-08T19:00:00Z'));
    assert.ok('promoted' in report);
    assert.deepEqual([report.promoted, report.corrections], [true, 14]);
    assert.equal(report.incumbent.macroF1, before.macroF1);
    const after = evaluateClassifier(await store.classifier(), dev);
    assert.deepEqual({ accuracy: after.accuracy, macroF1: after.macroF1 }, report.candidate);

    const again = await new RoutingRetraining(corrections, store, dataDir).run(new Date('2026-03-15T19:00:00Z'));
    assert.ok('promoted' in again);
    assert.equal(again.promoted, true, 'the same data gives the same model, which ties and passes');
  });

  it('when no corpus is configured, then retraining is skipped', async () => {
    assert.deepEqual(await new RoutingRetraining(noCorrections, new RoutingModelStore(null), null).run(new Date()), { skipped: 'no training data configured' });
  });
});
