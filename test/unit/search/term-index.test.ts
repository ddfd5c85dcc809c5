import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { TermIndex } from '../../../core/search/term-index.js';
import { useTestApp } from '../../helpers/test-app.js';

const newId = () => new Types.ObjectId().toHexString();

describe('TermIndex: Chinese keyword search over the database', () => {
  const t = useTestApp();
  let terms: TermIndex;

  before(() => {
    terms = new TermIndex(t.connection, t.clock);
  });

  it('when a raw sentence is indexed, then a word or a phrase from it finds the document', async () => {
    const id = newId();
    await terms.index('ticket', id, '我们小区3号楼的楼道里长期堆放杂物，存在严重的消防隐患，物业一直不处理。');
    assert.deepEqual(await terms.search('ticket', '楼道', { limit: 10 }), [id]);
    assert.deepEqual(await terms.search('ticket', '消防隐患', { limit: 10 }), [id]);
    assert.deepEqual(await terms.search('ticket', '垃圾清运', { limit: 10 }), []);
  });

  it('when documents match a query unequally, then more matched terms rank first, then rarer terms', async () => {
    const [all, rare, common, none] = [newId(), newId(), newId(), newId()];
    await terms.index('knowledge', all, '供暖 温度 不达标 如何 投诉');
    await terms.index('knowledge', rare, '温度 达标 标准');
    await terms.index('knowledge', common, '供暖 时间 安排');
    await terms.index('knowledge', none, '公交 线路 调整');
    await terms.index('knowledge', newId(), '供暖 费用 缴纳');
    const ranked = await terms.search('knowledge', '供暖温度', { limit: 10 });
    // `温度` is in two documents, `供暖` in three: after the one with both, the rarer term wins.
    assert.deepEqual(ranked.slice(0, 2), [all, rare]);
    assert.ok(ranked.includes(common));
    assert.ok(!ranked.includes(none));
  });

  it('when a document is indexed again with other text, then its old words no longer find it', async () => {
    const id = newId();
    await terms.index('ticket', id, '路灯 损坏 夜间 出行 不便');
    await terms.index('ticket', id, '井盖 缺失 夜间 危险');
    assert.deepEqual(await terms.search('ticket', '路灯', { limit: 10 }), []);
    assert.deepEqual(await terms.search('ticket', '井盖', { limit: 10 }), [id]);
    assert.deepEqual(await terms.search('ticket', '夜间', { limit: 10 }), [id]);
  });

  it('when a document is removed, then nothing finds it and other documents are unaffected', async () => {
    const [gone, kept] = [newId(), newId()];
    await terms.index('ticket', gone, '噪音 扰民 施工 深夜');
    await terms.index('ticket', kept, '施工 围挡 占道');
    await terms.remove('ticket', gone);
    assert.deepEqual(await terms.search('ticket', '噪音', { limit: 10 }), []);
    assert.deepEqual(await terms.search('ticket', '施工', { limit: 10 }), [kept]);
    await terms.remove('ticket', gone);
  });

  it('when kinds differ, then a search sees only its own kind', async () => {
    await terms.index('knowledge', newId(), '社保卡 补办 流程');
    assert.deepEqual(await terms.search('ticket', '社保卡', { limit: 10 }), []);
  });

  it('when many documents sharing words are indexed at once, then none is lost', async () => {
    const ids = Array.from({ length: 16 }, newId);
    await Promise.all(ids.map((id, i) => terms.index('ticket', id, `共享单车 乱停 乱放 人行道 第${i}条`)));
    const found = await terms.search('ticket', '共享单车乱停', { limit: 100 });
    assert.deepEqual([...found].sort(), [...ids].sort());
  });

  it('when a writer claimed a posting step and died, then the next writer finishes its change after a while and goes on', async () => {
    const [first, ghost, second] = [newId(), newId(), newId()];
    await terms.index('ticket', first, '化粪池 满溢');
    const db = t.connection.db!;
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => n.startsWith('search_ticket_terms_'));
    const located = await Promise.all(names.map(async (name) => ({ name, posting: await db.collection<{ _id: string; version: number; epoch: string }>(name).findOne({ _id: '化粪池' }) })));
    const { name, posting } = located.find((l) => l.posting)!;
    const diedAt = new Date(t.clock.now().getTime() - 60_000);
    await db.collection<{ _id: string; at: Date; set: object }>('revisions').insertOne({ _id: `${name}:化粪池:${posting!.epoch}:${posting!.version + 1}`, at: diedAt, set: { add: ghost } });
    await terms.index('ticket', second, '化粪池 堵塞');
    assert.deepEqual(new Set(await terms.search('ticket', '化粪池', { limit: 10 })), new Set([first, ghost, second]));
  });

  it('when the caller accepts only some ids, then it gets the best accepted ones up to the limit', async () => {
    const ids = Array.from({ length: 30 }, newId);
    for (const id of ids) await terms.index('knowledge', id, '公积金 提取 材料');
    const odd = new Set(ids.filter((_, i) => i % 2 === 1));
    const asked: number[] = [];
    const found = await terms.search('knowledge', '公积金', {
      limit: 12,
      accept: async (batch) => {
        asked.push(batch.length);
        return batch.filter((id) => odd.has(id));
      },
    });
    assert.equal(found.length, 12);
    assert.ok(found.every((id) => odd.has(id)));
    assert.deepEqual(asked, [20, 10]);
  });

  it('when a query has no searchable word, then nothing is found', async () => {
    assert.deepEqual(await terms.search('ticket', '的了吗？', { limit: 10 }), []);
  });

  it('when a kind is rebuilt, then only the rebuilt documents are found and later changes still apply', async () => {
    const [a, b] = [newId(), newId()];
    const result = await terms.rebuild('ticket', [{ id: a, text: '电梯 故障 困人' }, { id: b, text: '电梯 维保 不到位' }]);
    assert.equal(result.documents, 2);
    assert.deepEqual(await terms.search('ticket', '楼道', { limit: 10 }), []);
    assert.deepEqual([...(await terms.search('ticket', '电梯', { limit: 10 }))].sort(), [a, b].sort());
    await terms.index('ticket', a, '电梯 已经 修好');
    assert.deepEqual(await terms.search('ticket', '困人', { limit: 10 }), []);
    assert.deepEqual(await terms.search('ticket', '修好', { limit: 10 }), [a]);
  });
});
