import { resolve } from 'node:path';
import { evaluateClassifier, loadClassifier } from './classifier.js';
import type { LabelledText } from './classifier.js';
import { fileDigest, readLabelledCsv } from './labelled-csv.js';
import type { RoutingModelStore } from './model-store.js';
import { trainClassifier } from './training.js';

export interface DevScores {
  readonly accuracy: number;
  readonly macroF1: number;
}

/** The evaluation gate: a new model replaces the old only if it does at least as well on both figures. */
export const passesGate = (candidate: DevScores, incumbent: DevScores): boolean =>
  candidate.macroF1 >= incumbent.macroF1 && candidate.accuracy >= incumbent.accuracy;

export type RetrainingReport =
  | { readonly skipped: 'no training data configured' }
  | { readonly corrections: number; readonly candidate: DevScores; readonly incumbent: DevScores; readonly promoted: boolean };

/**
 * The weekly retraining: train.csv plus the dispatchers' corrections make a candidate, measured on
 * dev.csv against the model in use, measured the same way now. Only a candidate that passes the gate
 * is stored; the committed model stays the default wherever none was stored.
 */
export class RoutingRetraining {
  constructor(
    private readonly corrections: { all(): Promise<LabelledText[]> },
    private readonly store: RoutingModelStore,
    /** The folder of train.csv and dev.csv; null: nothing to train from. */
    private readonly dataDir: string | null,
  ) {}

  async run(now: Date): Promise<RetrainingReport> {
    if (this.dataDir === null) return { skipped: 'no training data configured' };
    const [trainPath, devPath] = [resolve(this.dataDir, 'train.csv'), resolve(this.dataDir, 'dev.csv')];
    const [train, dev, corrections] = await Promise.all([readLabelledCsv(trainPath), readLabelledCsv(devPath), this.corrections.all()]);
    const model = trainClassifier({
      train, dev, corrections,
      digests: { train: await fileDigest(trainPath, train.length), dev: await fileDigest(devPath, dev.length) },
      today: now.toISOString().slice(0, 10),
    });
    // Both measured by the same code on the same messages now, unrounded: equal models tie.
    const scores = ({ accuracy, macroF1 }: DevScores): DevScores => ({ accuracy, macroF1 });
    const candidate = scores(evaluateClassifier(loadClassifier(model), dev));
    const incumbent = scores(evaluateClassifier(await this.store.classifier(), dev));
    const promoted = passesGate(candidate, incumbent);
    if (promoted) await this.store.save(model);
    return { corrections: model.data.corrections, candidate, incumbent, promoted };
  }
}
