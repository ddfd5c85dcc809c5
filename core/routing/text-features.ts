import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * Turns a citizen message into the features the routing classifier sees. Training and prediction both
 * go through here, so a message gets the same features whichever side reads it.
 *
 * The training corpus was segmented by jieba (HMM on) with stop words removed. Raw text is segmented
 * the same way here. Stop words need no list of their own: they never occur in the corpus, so they are
 * not known words, and every feature is built from the known words only (see featureCounts).
 */

export interface FeatureSpec {
  /** How many leading known words also count as heading words: the message subject comes first. */
  readonly headWords: number;
  /** Character n-gram lengths over the known words, which make up for segmentation differences. */
  readonly charNgrams: readonly number[];
}

export interface SparseVector {
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

export interface TermIndex {
  readonly index: ReadonlyMap<string, number>;
  readonly idf: ArrayLike<number>;
}

// Pre-segmented text never has these: the corpus dropped punctuation with the stop words.
const SENTENCE_PUNCTUATION = /[，。！？；：、“”‘’（）《》…,!?;:()]/u;
// Carriage returns that survived the corpus's spreadsheet export as literal text.
const SPREADSHEET_CARRIAGE_RETURN = /_x000D_/giu;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const LONGEST_TYPICAL_TOKEN = 4;

let segmenter: Jieba | undefined;
// Loading the dictionary takes about a quarter of a second: only pay for it when raw text arrives.
const jieba = (): Jieba => (segmenter ??= Jieba.withDict(dict));

/**
 * Jieba tokens are one to four characters long in almost every case, while raw text with stray spaces
 * has long runs between them, so more than a quarter of long chunks means raw text. Short raw text
 * taken for segmented text loses little: its chunks are then words already.
 */
export function isPreSegmented(text: string): boolean {
  if (SENTENCE_PUNCTUATION.test(text)) return false;
  const chunks = text.split(/\s+/u).filter((chunk) => chunk !== '');
  if (chunks.length < 2) return false;
  const long = chunks.filter((chunk) => [...chunk].length > LONGEST_TYPICAL_TOKEN).length;
  return long * 4 <= chunks.length;
}

/** Words of raw Chinese or of space-separated tokens, normalised, without punctuation and spaces. */
export function tokenize(text: string): string[] {
  const normalised = text.replace(SPREADSHEET_CARRIAGE_RETURN, ' ').normalize('NFKC').toLowerCase();
  const pieces = isPreSegmented(normalised) ? normalised.split(/\s+/u) : jieba().cut(normalised, true);
  return pieces.map((piece) => piece.trim()).filter((piece) => HAS_LETTER_OR_DIGIT.test(piece));
}

// Feature names carry a kind and a space; words never contain spaces, so kinds cannot collide.
export const wordFeature = (word: string): string => `w ${word}`;
const headFeature = (word: string): string => `h ${word}`;
const charFeature = (gram: string): string => `c ${gram}`;

/**
 * Counts of word, heading-word and character n-gram features. Unknown words are dropped before the
 * heading window and the character stream are formed, as the corpus's stop word removal did, so raw
 * text lines up with the corpus.
 */
export function featureCounts(
  words: readonly string[],
  spec: FeatureSpec,
  isKnownWord: (word: string) => boolean,
): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string): void => {
    counts.set(feature, (counts.get(feature) ?? 0) + 1);
  };
  const known = words.filter(isKnownWord);
  for (const word of known) add(wordFeature(word));
  for (const word of known.slice(0, spec.headWords)) add(headFeature(word));
  const chars = [...known.join('')];
  for (const n of spec.charNgrams) {
    for (let start = 0; start + n <= chars.length; start += 1) add(charFeature(chars.slice(start, start + n).join('')));
  }
  return counts;
}

/** Sublinear TF-IDF, L2-normalised so that long complaints do not outvote short ones. */
export function tfidfVector(counts: ReadonlyMap<string, number>, terms: TermIndex): SparseVector {
  const indices: number[] = [];
  const values: number[] = [];
  let squaredNorm = 0;
  for (const [feature, count] of counts) {
    const index = terms.index.get(feature);
    if (index === undefined) continue;
    const value = (1 + Math.log(count)) * (terms.idf[index] ?? 0);
    indices.push(index);
    values.push(value);
    squaredNorm += value * value;
  }
  const norm = Math.sqrt(squaredNorm) || 1;
  return { indices, values: values.map((value) => value / norm) };
}
