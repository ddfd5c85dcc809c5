import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

describe('API: the category tree', () => {
  const t = useTestApp();
  let admin: SignedInAgent;

  before(async () => {
    const user = await aUser(t.services, ['administrator']);
    admin = await signIn(t.app, user.username, testPassword);
  });

  it('when the shipped taxonomy is imported, then it has 15 first-level classes and 517 leaves, and a re-import adds nothing', async () => {
    const csv = readFileSync(new URL('../../core/categories/data/taxonomy.csv', import.meta.url), 'utf8');
    const first = await admin.post('/api/categories/import').send({ csv });
    assert.equal(first.status, 200);
    const level1 = await admin.get('/api/categories?level=1');
    assert.equal(level1.body.items.length, 15);
    const level3 = await admin.get('/api/categories?level=3');
    assert.equal(level3.body.items.length, 517);
    const accident = level3.body.items.find((c: { path: string }) => c.path === '城乡建设 › 安全生产 › 事故处理');
    assert.ok(accident);
    assert.match(accident.code, /^\d{2}\.\d{2}\.\d{2}$/);
    const again = await admin.post('/api/categories/import').send({ csv });
    assert.equal(again.body.created, 0);
  });

  it('when a category is renamed, then the paths below it follow', async () => {
    const root = await admin.post('/api/categories').send({ name: '测试根' });
    const child = await admin.post('/api/categories').send({ name: '子类', parentId: root.body.id });
    const leaf = await admin.post('/api/categories').send({ name: '叶子', parentId: child.body.id });
    assert.equal(leaf.body.level, 3);
    const tooDeep = await admin.post('/api/categories').send({ name: '第四层', parentId: leaf.body.id });
    assert.equal(tooDeep.status, 400);
    assert.equal(tooDeep.body.error.code, 'CATEGORY_TOO_DEEP');
    const renamed = await admin.patch(`/api/categories/${root.body.id}`).send({ version: root.body.version, name: '新根' });
    assert.equal(renamed.status, 200);
    const after = await admin.get(`/api/categories/${leaf.body.id}`);
    assert.equal(after.body.path, '新根 › 子类 › 叶子');
  });

  it('when a category routes to a department, then that department cannot be deleted', async () => {
    const dept = await aDepartment(t.services);
    const category = await admin.post('/api/categories').send({ name: '路由测试', defaultDepartmentId: dept.id, complex: true });
    assert.equal(category.status, 201);
    assert.equal((await admin.delete(`/api/departments/${dept.id}`)).status, 409);
    const missing = await admin.post('/api/categories').send({ name: '无效部门', defaultDepartmentId: '0123456789abcdef01234567' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.details.field, 'defaultDepartmentId');
  });

  it('when a category has children, then deleting it is refused; a leaf is deleted', async () => {
    const parent = await admin.post('/api/categories').send({ name: '可删父类' });
    const leaf = await admin.post('/api/categories').send({ name: '可删叶子', parentId: parent.body.id });
    assert.equal((await admin.delete(`/api/categories/${parent.body.id}`)).status, 409);
    assert.equal((await admin.delete(`/api/categories/${leaf.body.id}`)).status, 204);
    assert.equal((await admin.get(`/api/categories/${leaf.body.id}`)).status, 404);
  });
});
