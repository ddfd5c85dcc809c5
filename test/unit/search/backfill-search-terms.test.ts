import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { systemActor, type Actor } from '../../../core/accounts/access.js';
import { aDepartment } from '../../builders/builders.js';
import { useTestApp } from '../../helpers/test-app.js';

describe('services.backfillSearchTerms: a database from the releases with search postings', () => {
  const t = useTestApp();
  const operator: Actor = { userId: 'u-operator', username: 'operator', roles: ['operator'], departmentId: null, via: 'session' };

  it('when a ticket carries its terms in itself (the release before) and an article lacks them, then after the backfill keyword search finds both, the old index is gone, and a second run changes nothing', async () => {
    const ctx = { actor: operator, now: t.clock.now() };
    const { id } = await t.services.tickets.intake(ctx, { channel: 'phone', requestType: 'complaint', requester: { phone: '13800000001' }, subject: '井盖缺失', content: '学院路口井盖缺失，夜间行人有危险。' });
    const department = await aDepartment(t.services);
    const article = await t.services.knowledge.create({ actor: systemActor, now: t.clock.now() }, { question: '井盖缺失找谁？', answer: '井盖缺失由产权单位负责补装。', departmentId: department.id, status: 'published' });
    const db = t.connection.db!;
    await db.collection('ticket_terms').deleteOne({ _id: new Types.ObjectId(id) });
    await db.collection('tickets').updateOne({ _id: new Types.ObjectId(id) }, { $set: { terms: ['井盖', '缺失', '学院'] } });
    await db.collection('tickets').createIndex({ terms: 1, _id: -1 });
    await db.collection('knowledge_articles').updateOne({ _id: new Types.ObjectId(article.id) }, { $unset: { terms: '' } });
    assert.deepEqual(await t.services.tickets.search(operator, '井盖', 10, t.clock.now()), []);

    assert.deepEqual(await t.services.backfillSearchTerms(), { tickets: 1, articles: 1 });
    assert.deepEqual((await t.services.tickets.search(operator, '井盖', 10, t.clock.now())).map((s) => s.id), [id]);
    assert.equal((await db.collection('tickets').findOne({ _id: new Types.ObjectId(id) }))?.terms, undefined);
    assert.ok(!(await db.collection('tickets').indexes()).some((index) => index.name === 'terms_1__id_-1'));
    assert.deepEqual((await t.services.knowledge.search(operator, '井盖', 10, t.clock.now())).map((a) => a.id), [article.id]);
    assert.deepEqual(await t.services.backfillSearchTerms(), { tickets: 0, articles: 0 });
  });

  it('when the old postings collections exist, then they are dropped and other collections stay', async () => {
    const db = t.connection.db!;
    await db.collection('search_ticket_terms_07').insertOne({ _id: '井盖' as never, ids: 'x', version: 1 });
    await db.collection('search_knowledge_docs_63').insertOne({ _id: 'x' as never, terms: ['井盖'] });
    await t.services.backfillSearchTerms();
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    assert.ok(!names.some((n) => n.startsWith('search_')), names.join(' '));
    assert.ok(names.includes('tickets'));
  });
});
