import assert from 'node:assert/strict';
import { Schema, Types, type Model } from 'mongoose';
import { defineModel } from '../../../core/platform/database.js';
import { backfillTerms, documentsPerTerm, searchByTerms, type Searchable } from '../../../core/search/term-search.js';
import { tokenizeForIndex } from '../../../core/search/tokenize.js';
import { useTestApp } from '../../helpers/test-app.js';

interface Note extends Searchable {
  text: string;
  owner: string;
}

describe('searchByTerms: Chinese keyword search over an indexed terms array', () => {
  const t = useTestApp();
  let notes: Model<Note>;
  const now = new Date('2026-03-02T02:00:00Z');
  /** Makes every note's ObjectId distinct, and a later note newer than an earlier one of the same age. */
  let written = 0;
  const idAged = (hours: number) => Types.ObjectId.createFromTime(Math.floor(now.getTime() / 1000) - hours * 3600 - 10_000 + written++);

  before(async () => {
    const schema = new Schema<Note>({ text: String, owner: String, terms: { type: [String], default: undefined } }, { versionKey: false, collection: 'notes' });
    schema.index({ terms: 1, _id: -1 });
    notes = defineModel(t.connection, 'Note', schema);
    await notes.createIndexes();
  });

  beforeEach(() => notes.deleteMany({}));

  const write = async (text: string, owner = 'everyone', ageHours = 0) => {
    const _id = idAged(ageHours);
    await notes.create({ _id, text, owner, terms: tokenizeForIndex(text) });
    return String(_id);
  };
  const search = async (query: string, limit = 10, filter?: Record<string, unknown>) => (await searchByTerms(notes, query, { limit, filter, now })).map((n) => String(n._id));

  it('when a raw sentence is stored, then a word or a phrase from it finds it, and other words do not', async () => {
    const id = await write('我们小区3号楼的楼道里长期堆放杂物，存在严重的消防隐患，物业一直不处理。');
    assert.deepEqual(await search('楼道'), [id]);
    assert.deepEqual(await search('消防隐患'), [id]);
    assert.deepEqual(await search('垃圾清运'), []);
  });

  it('when documents match a query unequally, then more matched terms rank first, then rarer terms, then newer ones', async () => {
    const all = await write('供暖 温度 不达标 如何 投诉');
    const rare = await write('温度 达标 标准');
    const common = await write('供暖 时间 安排');
    const none = await write('公交 线路 调整');
    const newerCommon = await write('供暖 费用 缴纳');
    // `温度` is in two documents, `供暖` in three: after the one with both, the rarer term wins.
    assert.deepEqual(await search('供暖温度'), [all, rare, newerCommon, common]);
    assert.ok(!(await search('供暖温度')).includes(none));
  });

  it('when more documents match than the limit, then the newest come first and the limit holds', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) ids.push(await write(`公积金 提取 材料 第${i}份`));
    assert.deepEqual(await search('公积金', 10), ids.slice(-10).reverse());
  });

  it('when the caller gives a filter, then only documents within it are found, still best first', async () => {
    const mine = await write('噪音 扰民 施工 深夜', 'a');
    await write('噪音 扰民 施工 深夜 工地', 'b');
    const mineToo = await write('施工 围挡', 'a');
    assert.deepEqual(await search('深夜施工噪音', 10, { owner: 'a' }), [mine, mineToo]);
  });

  it('when a term is in more documents than are read per term, then a document holding a rare term with it still ranks first', async () => {
    const old = await write('单车 乱停 化粪池');
    await notes.insertMany(Array.from({ length: documentsPerTerm + 5 }, () => ({ _id: idAged(0), text: '单车', owner: 'x', terms: ['单车'] })));
    const found = await search('单车 化粪池', 5);
    assert.equal(found[0], old);
    assert.equal(found.length, 5);
  });

  it('when a term is in documents of every age, then they come newest first across the slices of time read, and those older than all slices too', async () => {
    const ages = [3 * 365 * 24, 2 * 365 * 24, 300 * 24, 40 * 24, 5 * 24, 30, 3, 0];
    const ids: string[] = [];
    for (const age of ages) ids.push(await write('路灯 不亮', 'everyone', age));
    const future = String(Types.ObjectId.createFromTime(Math.floor(now.getTime() / 1000) + 600));
    await notes.create({ _id: future, text: '路灯', owner: 'everyone', terms: ['路灯'] });
    const found = await search('路灯', 20);
    assert.deepEqual(found, [future, ...ids.reverse()]);
  });

  it('when a query has no searchable word, then nothing is found', async () => {
    await write('的了吗');
    assert.deepEqual(await search('的了吗？'), []);
  });

  it('when documents were stored without terms, then the backfill gives them theirs once, and search finds them', async () => {
    const _id = idAged(1);
    await notes.collection.insertOne({ _id, text: '电梯 故障 乘客 被困', owner: 'x' });
    const current = await write('电梯 维保 不到位');
    const termsOf = (n: Pick<Note, 'text'>) => tokenizeForIndex(n.text);
    assert.equal(await backfillTerms(notes, ['text'], termsOf), 1);
    assert.equal(await backfillTerms(notes, ['text'], termsOf), 0);
    assert.deepEqual(await search('电梯'), [current, String(_id)]);
    assert.deepEqual(await search('乘客被困'), [String(_id)]);
  });
});
