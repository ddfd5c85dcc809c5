import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * Words that occur in nearly every message and so select nothing. Single characters need no entry:
 * they are dropped by length (see isTerm).
 */
const stopWords = new Set([
  '我们', '你们', '他们', '她们', '它们', '自己', '您好', '你好', '请问', '谢谢', '感谢', '麻烦',
  '这个', '那个', '这些', '那些', '这里', '那里', '这样', '那样', '一个', '一些', '什么', '怎么',
  '怎样', '如何', '为什么', '哪些', '哪里', '可以', '能否', '是否', '没有', '已经', '还是', '就是',
  '但是', '因为', '所以', '如果', '而且', '并且', '以及', '或者', '对于', '关于', '不是', '还有',
]);

const lettersAndDigits = /^[\p{L}\p{M}\p{N}]+$/u;
const digits = /^\p{N}+$/u;
/** Longer tokens are pasted URLs, codes or runs of Latin text that nobody types as a query. */
const longestTerm = 32;

let segmenter: Jieba | undefined;
// Loading the dictionary takes a few hundred milliseconds: only pay it when text arrives.
const jieba = (): Jieba => (segmenter ??= Jieba.withDict(dict));

/**
 * Single CJK characters (水, 路, 区) occur in most messages, so as terms they would match nearly
 * every document; numbers are kept whatever their length because house and bus numbers are what
 * requesters quote.
 */
function isTerm(token: string): boolean {
  if (!lettersAndDigits.test(token) || token.length > longestTerm || stopWords.has(token)) return false;
  return token.length >= 2 || digits.test(token);
}

/**
 * The distinct search terms of a text, for indexing and for queries alike (both sides must cut the
 * same way). Search mode also emits the shorter words inside long ones (新生儿 → 新生, 生儿, 新生儿),
 * so a query for a part of a compound still finds it. HMM segmentation is on for place and person
 * names the dictionary lacks.
 */
export function tokenizeForIndex(text: string): string[] {
  const normalised = text.normalize('NFKC').toLowerCase();
  return [...new Set(jieba().cutForSearch(normalised, true).filter(isTerm))];
}
