import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import supertest from 'supertest';
import { systemActor } from '../../core/accounts/access.js';
import { aCategory, aDepartment } from '../builders/builders.js';
import { useTestApp } from '../helpers/test-app.js';

describe('API: the public category tree for the citizen portal', () => {
  const t = useTestApp();

  it('when a citizen without an account asks, then the active tree comes with names and parents only, cacheable', async () => {
    const department = await aDepartment(t.services);
    const city = await aCategory(t.services, { name: '城市管理', nameEn: 'City management', defaultDepartmentId: department.id, complex: true });
    const lights = await aCategory(t.services, { name: '市政设施', parentId: city.id });
    const lamp = await aCategory(t.services, { name: '路灯', nameEn: 'Street lights', parentId: lights.id });
    const retired = await aCategory(t.services, { name: '旧类别', active: false });
    const underRetired = await aCategory(t.services, { name: '旧类别下的小类', parentId: retired.id });

    const res = await supertest(t.app).get('/api/public/categories');
    assert.equal(res.status, 200);
    assert.match(res.headers['cache-control'] ?? '', /public, max-age=\d+/);
    const items: Record<string, unknown>[] = res.body.items;
    assert.deepEqual(items, [
      { id: city.id, name: '城市管理', nameEn: 'City management', level: 1, parentId: null },
      { id: lights.id, name: '市政设施', nameEn: null, level: 2, parentId: city.id },
      { id: lamp.id, name: '路灯', nameEn: 'Street lights', level: 3, parentId: lights.id },
    ]);
    assert.ok(!items.some((c) => c.id === retired.id || c.id === underRetired.id), 'a deactivated class hides itself and what is below it');

    const again = await supertest(t.app).get('/api/public/categories').set('If-None-Match', res.headers.etag!);
    assert.equal(again.status, 304, 'an unchanged tree is not sent twice');
  });

  it('when an administrator deactivates a sub-category, then it leaves the public tree and its parent stays', async () => {
    const parent = await aCategory(t.services, { name: '交通出行' });
    const child = await aCategory(t.services, { name: '公交线路', parentId: parent.id });
    await t.services.categories.update({ actor: systemActor, now: t.clock.now() }, child.id, { version: child.version, active: false });
    const ids = (await supertest(t.app).get('/api/public/categories')).body.items.map((c: { id: string }) => c.id);
    assert.ok(ids.includes(parent.id));
    assert.ok(!ids.includes(child.id));
  });

  it('when a request names a retired category or one below it, then 400 CATEGORY_NOT_FOUND names the field; an import keeps it', async () => {
    const retired = await aCategory(t.services, { name: '已停用类别', active: false });
    const below = await aCategory(t.services, { name: '停用类别下的小类', parentId: retired.id });
    const request = { requestType: 'complaint' as const, subject: '噪音扰民', content: '夜间施工噪音扰民。', requester: { phone: '13800138000' } };
    for (const categoryId of [retired.id, below.id]) {
      const res = await supertest(t.app).post('/api/public/tickets').send({ ...request, categoryId });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'CATEGORY_NOT_FOUND');
      assert.match(res.body.error.message, /no longer in use/);
      assert.equal(res.body.error.details.field, 'categoryId');
    }
    const imported = await t.services.tickets.intake({ actor: systemActor, now: t.clock.now() }, { ...request, channel: 'import', categoryId: below.id });
    assert.ok(imported.id);
  });

  it('when one client asks for the tree again and again, then it is served from memory and, past 60 a minute, refused with 429 and Retry-After', async () => {
    t.clock.advance(61_000);
    const category = await aCategory(t.services, { name: '供暖' });
    assert.equal((await supertest(t.app).get('/api/public/categories')).status, 200);
    // Changed behind the use case's back: the answers that follow still come from memory.
    await t.connection.collection('categories').updateOne({ _id: new Types.ObjectId(category.id) }, { $set: { name: '改过的名字' } });
    const statuses: number[] = [];
    const names = new Set<string>();
    for (let i = 1; i < 60; i++) {
      const res = await supertest(t.app).get('/api/public/categories');
      statuses.push(res.status);
      names.add(res.body.items.find((c: { id: string }) => c.id === category.id)?.name);
    }
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.deepEqual([...names], ['供暖']);
    const refused = await supertest(t.app).get('/api/public/categories');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'RATE_LIMITED');
    assert.ok(Number(refused.headers['retry-after']) > 0);
    t.clock.advance(61_000);
    assert.equal((await supertest(t.app).get('/api/public/categories')).status, 200, 'the next minute is served again');
  });
});
