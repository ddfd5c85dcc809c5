import { seededRandom } from '../platform/seeded-random.js';
import { evaluateClassifier, loadClassifier, MODEL_VERSION, softmax } from './classifier.js';
import type { AutoDispatchPoint, ClassifierModel, DataFileDigest, LabelledText, RoutingClassifier } from './classifier.js';
import { featureCounts, tfidfVector, tokenize } from './text-features.js';
import type { FeatureSpec, SparseVector } from './text-features.js';

/**
 * Trains the routing classifier: one-vs-rest linear SVM (squared hinge, L2, dual coordinate descent)
 * over sublinear TF-IDF of words, heading words and character uni/bigrams, each class's features
 * scaled by the square root of their naive-Bayes log-count ratio (NBSVM, Wang & Manning 2012) and the
 * rarer classes' positives weighted up. The softmax temperature is fitted on five-fold out-of-fold
 * scores of the training set, so the dev set stays unseen by the calibration; the dev set only picks
 * the auto-dispatch threshold and reports. Pure apart from CPU: the caller reads and writes files.
 */

const FEATURES: FeatureSpec = { headWords: 15, charNgrams: [1, 2] };
// Every training word is kept: rare words (street names, drug names) are telling and cost little.
const MIN_WORD_DF = 1;
// Character n-grams are many and individually weak; rare ones only add size.
const MIN_CHAR_DF = 10;
// A small sweep on dev.csv (C 1–8, NB scaling and class weighting on and off) chose these; no grid here.
const C = 4;
const CLASS_BALANCE = 0.5;
const NB_SMOOTHING = 1;
const FOLDS = 5;
const SEED = 12345;
const MAX_EPOCHS = 200;
const TOLERANCE = 0.01;
const DECIMALS = 4;
export const TARGET_PRECISION = 0.98;
// A threshold resting on a handful of dev messages would be noise: it must cover at least this many.
const MIN_COVERED = 50;
const ECE_BINS = 15;

interface Matrix {
  readonly rows: readonly SparseVector[];
  readonly columns: number;
}

/** Weights for term t and class k at [t * classes + k]; the bias row follows the terms. */
interface LinearModel {
  readonly weights: Float64Array;
  readonly classes: number;
  readonly terms: number;
}

function shuffleInPlace(order: number[], random: () => number): void {
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
  }
}

/** Per class, how strongly each feature tells the class from the rest: |log-count ratio|^½. */
function nbScales(x: Matrix, labels: readonly number[], classes: number): Float64Array[] {
  return Array.from({ length: classes }, (_, k) => {
    const inClass = new Float64Array(x.columns).fill(NB_SMOOTHING);
    const outside = new Float64Array(x.columns).fill(NB_SMOOTHING);
    x.rows.forEach((row, i) => {
      const counts = labels[i] === k ? inClass : outside;
      for (const t of row.indices) counts[t] = (counts[t] ?? 0) + 1;
    });
    const [inTotal, outTotal] = [inClass.reduce((a, b) => a + b, 0), outside.reduce((a, b) => a + b, 0)];
    return inClass.map((p, t) => Math.sqrt(Math.abs(Math.log(p / inTotal / ((outside[t] ?? 1) / outTotal)))));
  });
}

/**
 * Dual coordinate descent for the L2-regularised squared-hinge SVM (Hsieh et al. 2008, as in
 * liblinear), one binary problem per class on that class's scaled features; the scale is folded into
 * the weights, so prediction stays one dot product. The bias is a constant feature, regularised too.
 */
function trainOneVsRestSvm(x: Matrix, labels: readonly number[], classes: number): LinearModel {
  const terms = x.columns;
  const weights = new Float64Array((terms + 1) * classes);
  const scales = nbScales(x, labels, classes);
  const random = seededRandom(SEED);
  for (let k = 0; k < classes; k += 1) {
    const scale = scales[k] ?? new Float64Array(terms).fill(1);
    const rows = x.rows.map((row) => ({ indices: row.indices, values: row.values.map((v, j) => v * (scale[row.indices[j] ?? 0] ?? 0)) }));
    const positives = labels.filter((label) => label === k).length;
    const positiveWeight = ((labels.length - positives) / Math.max(positives, 1)) ** CLASS_BALANCE;
    const diagonal = labels.map((label) => 1 / (2 * C * (label === k ? positiveWeight : 1)));
    const q = rows.map((row, i) => row.values.reduce((sum, v) => sum + v * v, 1) + (diagonal[i] ?? 0));
    const w = new Float64Array(terms + 1);
    const alpha = new Float64Array(rows.length);
    const order = rows.map((_, i) => i);
    for (let epoch = 0; epoch < MAX_EPOCHS; epoch += 1) {
      shuffleInPlace(order, random);
      let largestStep = 0;
      for (const i of order) {
        const { indices, values } = rows[i] ?? { indices: [], values: [] };
        const y = labels[i] === k ? 1 : -1;
        let margin = w[terms] ?? 0;
        for (let j = 0; j < indices.length; j += 1) margin += (w[indices[j] ?? 0] ?? 0) * (values[j] ?? 0);
        const a = alpha[i] ?? 0;
        const gradient = y * margin - 1 + (diagonal[i] ?? 0) * a;
        const projected = a === 0 ? Math.min(gradient, 0) : gradient;
        largestStep = Math.max(largestStep, Math.abs(projected));
        if (projected === 0) continue;
        const next = Math.max(a - gradient / (q[i] ?? 1), 0);
        alpha[i] = next;
        const delta = (next - a) * y;
        for (let j = 0; j < indices.length; j += 1) {
          const t = indices[j] ?? 0;
          w[t] = (w[t] ?? 0) + delta * (values[j] ?? 0);
        }
        w[terms] = (w[terms] ?? 0) + delta;
      }
      if (largestStep < TOLERANCE) break;
    }
    w.forEach((value, t) => {
      weights[t * classes + k] = value * (t < terms ? (scale[t] ?? 0) : 1);
    });
  }
  return { weights, classes, terms };
}

function linearScores(model: LinearModel, row: SparseVector): number[] {
  const { weights, classes, terms } = model;
  const scores = Array.from({ length: classes }, (_, k) => weights[terms * classes + k] ?? 0);
  row.indices.forEach((t, j) => {
    const value = row.values[j] ?? 0;
    for (let k = 0; k < classes; k += 1) scores[k] = (scores[k] ?? 0) + (weights[t * classes + k] ?? 0) * value;
  });
  return scores;
}

/** The temperature that minimises the log-loss: a golden-section search over log T, which is unimodal here. */
function fitTemperature(scores: readonly (readonly number[])[], labels: readonly number[]): number {
  const logLoss = (logT: number): number =>
    scores.reduce((sum, s, i) => sum - Math.log(Math.max(softmax(s, Math.exp(logT))[labels[i] ?? 0] ?? 0, 1e-300)), 0) /
    scores.length;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let [low, high] = [Math.log(0.01), Math.log(10)];
  for (let step = 0; step < 60; step += 1) {
    const a = high - ratio * (high - low);
    const b = low + ratio * (high - low);
    if (logLoss(a) < logLoss(b)) high = b;
    else low = a;
  }
  return Math.exp((low + high) / 2);
}

function documentFrequencies(documents: Iterable<Iterable<string>>): Map<string, number> {
  const df = new Map<string, number>();
  for (const document of documents) for (const item of new Set(document)) df.set(item, (df.get(item) ?? 0) + 1);
  return df;
}

const round = (value: number): number => Number(value.toFixed(DECIMALS));

export interface ScoredPrediction {
  readonly confidence: number;
  readonly correct: boolean;
}

/** Precision and coverage of the predictions at or above a confidence. */
export function pointAt(predictions: readonly ScoredPrediction[], threshold: number): Omit<AutoDispatchPoint, 'threshold'> {
  const above = predictions.filter((p) => p.confidence >= threshold);
  const correct = above.filter((p) => p.correct).length;
  return { precision: above.length === 0 ? 1 : correct / above.length, coverage: predictions.length === 0 ? 0 : above.length / predictions.length };
}

/**
 * The lowest confidence at which every stricter threshold still keeps the target precision, so a
 * lucky stretch below a bad one does not open the gate. Thresholds covering fewer than `minCovered`
 * messages are not judged: a precision over a handful of messages is noise. 1 (nothing is dispatched
 * automatically) when no threshold qualifies.
 */
export function chooseThreshold(predictions: readonly ScoredPrediction[], target: number, minCovered = MIN_COVERED): number {
  const sorted = [...predictions].sort((a, b) => b.confidence - a.confidence);
  let chosen = 1;
  let correct = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const current = sorted[i];
    if (!current) break;
    if (current.correct) correct += 1;
    // Ties go in together: a threshold cannot split messages of equal confidence.
    if (sorted[i + 1]?.confidence === current.confidence) continue;
    if (i + 1 < minCovered) continue;
    if (correct / (i + 1) < target) break;
    chosen = current.confidence;
  }
  return chosen;
}

/** Expected calibration error: the gap between confidence and accuracy, averaged over equal-width bins. */
export function expectedCalibrationError(predictions: readonly ScoredPrediction[], bins = ECE_BINS): number {
  const sums = Array.from({ length: bins }, () => ({ n: 0, confidence: 0, correct: 0 }));
  for (const { confidence, correct } of predictions) {
    const bin = sums[Math.min(bins - 1, Math.floor(confidence * bins))];
    if (!bin) continue;
    bin.n += 1;
    bin.confidence += confidence;
    bin.correct += correct ? 1 : 0;
  }
  return sums.reduce((sum, b) => sum + (b.n === 0 ? 0 : (b.n / predictions.length) * Math.abs(b.confidence / b.n - b.correct / b.n)), 0);
}

export const scoredPredictions = (classifier: RoutingClassifier, examples: readonly LabelledText[]): ScoredPrediction[] =>
  examples.map(({ text, category }) => {
    const { category: predicted, confidence } = classifier.classify(text);
    return { confidence, correct: predicted === category };
  });

export interface TrainingData {
  readonly train: readonly LabelledText[];
  readonly dev: readonly LabelledText[];
  readonly digests: { readonly train: DataFileDigest; readonly dev: DataFileDigest };
  /** Dispatchers' corrections, learnt from as more training messages. */
  readonly corrections?: readonly LabelledText[];
  readonly today: string;
  readonly log?: (line: string) => void;
}

export function trainClassifier(data: TrainingData): ClassifierModel {
  const log = data.log ?? ((): void => undefined);
  const labels = [...new Set(data.train.map((e) => e.category))].sort();
  // A hotline whose first-level categories differ from the corpus's can only teach the ones they share.
  const corrections = (data.corrections ?? []).filter((e) => labels.includes(e.category));
  const train = [...data.train, ...corrections];
  const { dev } = data;
  const labelIndex = (examples: readonly LabelledText[]): number[] =>
    examples.map((e) => {
      const k = labels.indexOf(e.category);
      if (k < 0) throw new Error(`Category "${e.category}" is not in the training set.`);
      return k;
    });
  const trainY = labelIndex(train);
  labelIndex(dev);

  const trainWords = train.map((e) => tokenize(e.text));
  const wordDf = documentFrequencies(trainWords);
  const isKnownWord = (word: string): boolean => (wordDf.get(word) ?? 0) >= MIN_WORD_DF;
  const trainCounts = trainWords.map((words) => featureCounts(words, FEATURES, isKnownWord));
  const termDf = documentFrequencies(trainCounts.map((counts) => counts.keys()));
  const minDf = (term: string): number => (term.startsWith('c ') ? MIN_CHAR_DF : MIN_WORD_DF);
  const terms = [...termDf.entries()]
    .filter(([term, df]) => df >= minDf(term))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([term]) => term);
  const idf = terms.map((term) => round(Math.log((1 + train.length) / (1 + (termDf.get(term) ?? 0))) + 1));
  const termIndex = { index: new Map(terms.map((term, t) => [term, t])), idf };
  const trainX: Matrix = { rows: trainCounts.map((counts) => tfidfVector(counts, termIndex)), columns: terms.length };
  log(`${train.length} training messages (${corrections.length} from corrections), ${dev.length} dev messages, ${terms.length} features`);

  // Out-of-fold scores: each training message scored by a model that never saw it.
  const fold = trainY.map((_, i) => i % FOLDS);
  shuffleInPlace(fold, seededRandom(SEED));
  const outOfFold: number[][] = trainY.map(() => []);
  for (let f = 0; f < FOLDS; f += 1) {
    const inFold = (i: number): boolean => fold[i] === f;
    const rows = trainX.rows.filter((_, i) => !inFold(i));
    const model = trainOneVsRestSvm({ rows, columns: terms.length }, trainY.filter((_, i) => !inFold(i)), labels.length);
    trainX.rows.forEach((row, i) => {
      if (inFold(i)) outOfFold[i] = linearScores(model, row);
    });
    log(`fold ${f + 1}/${FOLDS} scored`);
  }
  const temperature = round(fitTemperature(outOfFold, trainY));
  const crossValidated = outOfFold.map((scores, i) => {
    const probabilities = softmax(scores, temperature);
    const best = probabilities.indexOf(Math.max(...probabilities));
    return { confidence: probabilities[best] ?? 0, correct: best === trainY[i] };
  });

  const { weights, classes } = trainOneVsRestSvm(trainX, trainY, labels.length);
  const draft: ClassifierModel = {
    version: MODEL_VERSION,
    trainedAt: data.today,
    model: 'one-vs-rest NBSVM (linear SVM, squared hinge, L2, dual coordinate descent, on naive-Bayes-scaled TF-IDF); softmax with a temperature fitted on 5-fold out-of-fold scores of the training set',
    data: { ...data.digests, corrections: corrections.length },
    hyperParameters: {
      c: C,
      classBalance: `positives weighted (negatives / positives)^${CLASS_BALANCE}`,
      nbScaling: `sqrt |log-count ratio|, smoothing ${NB_SMOOTHING}`,
      headWords: FEATURES.headWords,
      charNgrams: FEATURES.charNgrams,
      minWordDf: MIN_WORD_DF,
      minCharDf: MIN_CHAR_DF,
      tf: 'sublinear (1 + ln tf)',
      idf: 'smooth (ln((1 + n) / (1 + df)) + 1)',
      norm: 'l2',
      calibrationFolds: FOLDS,
      maxEpochs: MAX_EPOCHS,
      tolerance: TOLERANCE,
      seed: SEED,
    },
    metrics: { dev: { accuracy: 0, macroF1: 0, confusion: [] } },
    labels,
    features: FEATURES,
    temperature,
    autoDispatch: { threshold: 1, precision: 1, coverage: 0, targetPrecision: TARGET_PRECISION },
    terms,
    idf,
    weights: Array.from(weights.subarray(0, terms.length * classes), round),
    bias: Array.from(weights.subarray(terms.length * classes), round),
  };
  // Measured through the shipped path, rounding included, so the recorded figures are the artifact's.
  const classifier = loadClassifier(draft);
  const devMetrics = evaluateClassifier(classifier, dev);
  const devPredictions = scoredPredictions(classifier, dev);
  const threshold = chooseThreshold(devPredictions, TARGET_PRECISION);
  const devPoint = pointAt(devPredictions, threshold);
  const cvPoint = pointAt(crossValidated, threshold);
  return {
    ...draft,
    metrics: {
      dev: {
        accuracy: round(devMetrics.accuracy),
        macroF1: round(devMetrics.macroF1),
        confusion: devMetrics.confusion,
        ece: round(expectedCalibrationError(devPredictions)),
      },
      crossValidated: {
        accuracy: round(crossValidated.filter((p) => p.correct).length / crossValidated.length),
        ece: round(expectedCalibrationError(crossValidated)),
        precisionAtThreshold: round(cvPoint.precision),
        coverageAtThreshold: round(cvPoint.coverage),
      },
    },
    // Not rounded: rounding down would let in messages the choice kept out.
    autoDispatch: { threshold, precision: round(devPoint.precision), coverage: round(devPoint.coverage), targetPrecision: TARGET_PRECISION },
  };
}
