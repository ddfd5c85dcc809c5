import assert from 'node:assert/strict';
import { tokenizeForIndex } from '../../../core/search/tokenize.js';

describe('tokenizeForIndex: the terms a Chinese text is indexed and searched under', () => {
  it('when a raw complaint is cut, then its words are terms and punctuation is not', () => {
    const terms = tokenizeForIndex('小区楼道堆放杂物，存在消防隐患！请尽快处理。');
    for (const word of ['小区', '楼道', '堆放', '杂物', '消防', '隐患', '尽快', '处理']) assert.ok(terms.includes(word), word);
    assert.ok(terms.every((term) => /^[\p{L}\p{N}]+$/u.test(term)), terms.join(' '));
  });

  it('when a text has single characters and stop words, then they are dropped but numbers stay', () => {
    const terms = tokenizeForIndex('我们的3号楼停水了，请问您好');
    assert.ok(terms.includes('3'));
    for (const dropped of ['我们', '的', '了', '请问', '您好']) assert.ok(!terms.includes(dropped), dropped);
  });

  it('when Latin letters or full-width forms occur, then they are lower-cased and normalised', () => {
    const terms = tokenizeForIndex('WiFi信号差，ＡＰＰ打不开，热线１２３４５');
    assert.ok(terms.includes('wifi'));
    assert.ok(terms.includes('app'));
    assert.ok(terms.includes('12345'));
  });

  it('when a long word contains shorter ones, then search mode yields both; repeats count once', () => {
    const terms = tokenizeForIndex('新生儿落户，新生儿落户');
    assert.ok(terms.includes('新生儿'));
    assert.ok(terms.includes('新生'));
    assert.equal(terms.length, new Set(terms).size);
  });

  it('when the text has no words, then there are no terms', () => {
    assert.deepEqual(tokenizeForIndex('  ，。！？…  '), []);
    assert.deepEqual(tokenizeForIndex(''), []);
  });
});
