import { readFile } from 'node:fs/promises';
import { DomainError } from '../platform/errors.js';
import { featureCounts, tfidfVector, tokenize, wordFeature } from './text-features.js';
import type { FeatureSpec, TermIndex } from './text-features.js';

/**
 * Applies the trained routing model: a linear model over TF-IDF features whose per-category scores
 * become probabilities through a softmax with a temperature fitted on held-out data, and carries the
 * confidence above which its guess may be dispatched without a person (chosen for its precision).
 * training.ts builds the artifact; this module only reads it.
 */

export const MODEL_VERSION = 2;
export const committedModelUrl = new URL('./model/classifier.json', import.meta.url);

export interface DataFileDigest {
  readonly file: string;
  readonly sha256: string;
  readonly rows: number;
}

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface Metrics {
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: Readonly<Record<string, ClassMetrics>>;
  /** Rows: true category, columns: predicted category, both in the order of `labels`. */
  readonly confusion: readonly (readonly number[])[];
  readonly labels: readonly string[];
}

/** Where the calibrated confidence is cut for automatic dispatch, and what that gives on the dev set. */
export interface AutoDispatchPoint {
  readonly threshold: number;
  /** Share of the messages at or above the threshold whose category is right. */
  readonly precision: number;
  /** Share of all messages at or above the threshold. */
  readonly coverage: number;
}

export interface ClassifierModel {
  readonly version: typeof MODEL_VERSION;
  readonly trainedAt: string;
  readonly model: string;
  readonly data: { readonly train: DataFileDigest; readonly dev: DataFileDigest; readonly corrections: number };
  readonly hyperParameters: Readonly<Record<string, number | string | readonly number[]>>;
  readonly metrics: {
    readonly dev: Pick<Metrics, 'accuracy' | 'macroF1' | 'confusion'> & { readonly ece?: number };
    /** Out-of-fold figures on the training set: the check on the threshold that dev did not choose. */
    readonly crossValidated?: Readonly<Record<string, number>>;
  };
  readonly labels: readonly string[];
  readonly features: FeatureSpec;
  readonly temperature: number;
  readonly autoDispatch: AutoDispatchPoint & { readonly targetPrecision: number };
  readonly terms: readonly string[];
  readonly idf: readonly number[];
  /** One row of `labels.length` weights per term. */
  readonly weights: readonly number[];
  readonly bias: readonly number[];
}

export interface CategoryConfidence {
  readonly category: string;
  readonly confidence: number;
}

export interface Classification extends CategoryConfidence {
  readonly top3: readonly CategoryConfidence[];
}

export class RoutingClassifier {
  readonly labels: readonly string[];
  /** Calibrated confidence from which a guess may be dispatched without a dispatcher. */
  readonly autoDispatchThreshold: number;
  private readonly terms: TermIndex;
  private readonly isKnownWord = (word: string): boolean => this.terms.index.has(wordFeature(word));

  constructor(private readonly model: ClassifierModel) {
    this.labels = model.labels;
    this.autoDispatchThreshold = model.autoDispatch.threshold;
    this.terms = { index: new Map(model.terms.map((term, index) => [term, index])), idf: model.idf };
  }

  /** Text is raw Chinese or space-separated tokens. */
  classify(text: string): Classification {
    const ranked = this.probabilities(text)
      .map((confidence, k) => ({ category: this.labels[k] ?? '', confidence }))
      .sort((a, b) => b.confidence - a.confidence);
    const [best] = ranked;
    if (best === undefined) throw new DomainError('ROUTING_MODEL_INVALID', 'The routing model has no categories.');
    return { ...best, top3: ranked.slice(0, 3) };
  }

  /** Linear scores per category, in the order of `labels`, before calibration. */
  private scores(text: string): number[] {
    const classes = this.labels.length;
    const vector = tfidfVector(featureCounts(tokenize(text), this.model.features, this.isKnownWord), this.terms);
    const scores = [...this.model.bias];
    vector.indices.forEach((term, i) => {
      const value = vector.values[i] ?? 0;
      for (let k = 0; k < classes; k += 1) scores[k] = (scores[k] ?? 0) + (this.model.weights[term * classes + k] ?? 0) * value;
    });
    return scores;
  }

  private probabilities(text: string): number[] {
    return softmax(this.scores(text), this.model.temperature);
  }
}

export function softmax(scores: readonly number[], temperature: number): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((score) => Math.exp((score - max) / temperature));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Checks the artifact's shape before use: a truncated or foreign file must fail loudly, not misroute. */
export function loadClassifier(modelJson: unknown): RoutingClassifier {
  const model = modelJson as Partial<ClassifierModel> | null;
  const invalid = (why: string): DomainError => new DomainError('ROUTING_MODEL_INVALID', `Invalid routing model: ${why}.`);
  if (typeof model !== 'object' || model === null) throw invalid('not an object');
  if (model.version !== MODEL_VERSION) throw invalid(`version ${String(model.version)}, expected ${MODEL_VERSION}`);
  const { labels, terms, idf, weights, bias, features, temperature } = model;
  if (!Array.isArray(labels) || labels.length < 2) throw invalid('fewer than two labels');
  if (!Array.isArray(terms) || !Array.isArray(idf) || idf.length !== terms.length) throw invalid('terms and idf differ in length');
  if (!Array.isArray(weights) || weights.length !== terms.length * labels.length) throw invalid('weights do not match terms × labels');
  if (!Array.isArray(bias) || bias.length !== labels.length) throw invalid('bias does not match labels');
  if (typeof features?.headWords !== 'number' || !Array.isArray(features.charNgrams)) throw invalid('feature spec missing');
  if (typeof temperature !== 'number' || !(temperature > 0)) throw invalid('temperature must be positive');
  const threshold = model.autoDispatch?.threshold;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) throw invalid('auto-dispatch threshold must be between 0 and 1');
  return new RoutingClassifier(model as ClassifierModel);
}

/** One top-level key per line: metadata stays readable and the big arrays do not take a line per number. */
export const serialiseModel = (model: ClassifierModel): string =>
  `{\n${Object.entries(model).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`).join(',\n')}\n}\n`;

export async function loadCommittedClassifier(): Promise<RoutingClassifier> {
  return loadClassifier(JSON.parse(await readFile(committedModelUrl, 'utf8')));
}

export interface LabelledText {
  readonly text: string;
  readonly category: string;
}

export interface Outcome {
  readonly actual: string;
  readonly predicted: string;
}

/** Accuracy, macro-F1 (every category weighs the same, so small ones count) and the confusion matrix. */
export function measure(outcomes: readonly Outcome[], labels: readonly string[]): Metrics {
  const position = new Map(labels.map((label, k) => [label, k]));
  const confusion = labels.map(() => labels.map(() => 0));
  for (const { actual, predicted } of outcomes) {
    const row = confusion[position.get(actual) ?? -1];
    const column = position.get(predicted);
    if (row === undefined || column === undefined) {
      throw new DomainError('ROUTING_UNKNOWN_CATEGORY', `Unknown category "${row === undefined ? actual : predicted}".`);
    }
    row[column] = (row[column] ?? 0) + 1;
  }
  const perClass: Record<string, ClassMetrics> = {};
  labels.forEach((label, k) => {
    const truePositives = confusion[k]?.[k] ?? 0;
    const support = (confusion[k] ?? []).reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((sum, row) => sum + (row[k] ?? 0), 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[label] = { precision, recall, f1, support };
  });
  const correct = labels.reduce((sum, _, k) => sum + (confusion[k]?.[k] ?? 0), 0);
  const macroF1 = Object.values(perClass).reduce((sum, m) => sum + m.f1, 0) / labels.length;
  return { accuracy: outcomes.length === 0 ? 0 : correct / outcomes.length, macroF1, perClass, confusion, labels };
}

/** How the classifier fares on labelled messages. */
export const evaluateClassifier = (classifier: RoutingClassifier, examples: readonly LabelledText[]): Metrics =>
  measure(
    examples.map(({ text, category }) => ({ actual: category, predicted: classifier.classify(text).category })),
    classifier.labels,
  );
