import assert from 'node:assert/strict';
import type { Role } from '../../core/accounts/roles.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

describe('API: who may read and administer users, departments and categories', () => {
  const t = useTestApp();
  const sessions = {} as Record<Role, SignedInAgent>;
  let ownDept: { id: string; version: number };
  let street: { id: string; version: number };
  let otherDept: { id: string; version: number };

  before(async () => {
    ownDept = await aDepartment(t.services, { kind: 'district' });
    street = await aDepartment(t.services, { kind: 'street', parentId: ownDept.id });
    otherDept = await aDepartment(t.services, { kind: 'district' });
    const roles: Role[] = ['operator', 'dispatcher', 'department_staff', 'department_head', 'supervisor', 'administrator'];
    for (const role of roles) {
      const departmentId = role === 'department_staff' || role === 'department_head' ? ownDept.id : null;
      const user = await aUser(t.services, [role], { departmentId });
      sessions[role] = await signIn(t.app, user.username, testPassword);
    }
  });

  const everyone: Role[] = ['operator', 'dispatcher', 'department_staff', 'department_head', 'supervisor', 'administrator'];

  it('when any signed-in role reads departments and categories, then it may', async () => {
    await aCategory(t.services);
    for (const role of everyone) {
      assert.equal((await sessions[role].get('/api/departments')).status, 200, role);
      assert.equal((await sessions[role].get('/api/categories')).status, 200, role);
      assert.equal((await sessions[role].get(`/api/departments/${ownDept.id}`)).status, 200, role);
    }
  });

  it('when nobody is signed in, then every API route answers 401', async () => {
    const { default: supertest } = await import('supertest');
    for (const url of ['/api/departments', '/api/categories', '/api/users', '/api/audit']) {
      const res = await supertest(t.app).get(url);
      assert.equal(res.status, 401, url);
      assert.equal(res.body.error.code, 'UNAUTHENTICATED');
    }
  });

  it('when a role other than administrator creates a department or category, then 403 FORBIDDEN', async () => {
    for (const role of everyone.filter((r) => r !== 'administrator')) {
      const dept = await sessions[role].post('/api/departments').send({ code: `X-${role}`, name: '越权', kind: 'bureau' });
      assert.equal(dept.status, 403, role);
      assert.equal(dept.body.error.code, 'FORBIDDEN');
      const category = await sessions[role].post('/api/categories').send({ name: `越权-${role}` });
      assert.equal(category.status, 403, role);
    }
    const ok = await sessions.administrator.post('/api/departments').send({ code: 'ADMIN-OK', name: '新部门', kind: 'unit' });
    assert.equal(ok.status, 201);
  });

  it('when a department head changes contacts of their own department or a sub-department, then it works', async () => {
    const own = await sessions.department_head.patch(`/api/departments/${ownDept.id}`).send({ version: ownDept.version, contacts: { emails: ['head@example.org'] } });
    assert.equal(own.status, 200);
    assert.deepEqual(own.body.contacts.emails, ['head@example.org']);
    const sub = await sessions.department_head.patch(`/api/departments/${street.id}`).send({ version: street.version, contacts: { phone: '010-12345678' } });
    assert.equal(sub.status, 200);
  });

  it('when a department head administers another department, or renames their own, then 403', async () => {
    const other = await sessions.department_head.patch(`/api/departments/${otherDept.id}`).send({ version: otherDept.version, contacts: { emails: ['x@example.org'] } });
    assert.equal(other.status, 403);
    const current = await sessions.administrator.get(`/api/departments/${ownDept.id}`);
    const rename = await sessions.department_head.patch(`/api/departments/${ownDept.id}`).send({ version: current.body.version, name: '改名' });
    assert.equal(rename.status, 403);
    assert.deepEqual(rename.body.error.details.fields, ['name']);
    const staff = await sessions.department_staff.patch(`/api/departments/${ownDept.id}`).send({ version: current.body.version, contacts: { emails: [] } });
    assert.equal(staff.status, 403);
  });

  it('when a department head manages users, then only staff of their own departments', async () => {
    const head = sessions.department_head;
    const created = await head.post('/api/users').send({ username: 'street-staff', displayName: '街道承办', password: testPassword, roles: ['department_staff'], departmentId: street.id });
    assert.equal(created.status, 201);
    const elsewhere = await head.post('/api/users').send({ username: 'other-staff', displayName: '他人', password: testPassword, roles: ['department_staff'], departmentId: otherDept.id });
    assert.equal(elsewhere.status, 403);
    const promote = await head.post('/api/users').send({ username: 'new-admin', displayName: '提权', password: testPassword, roles: ['administrator'], departmentId: ownDept.id });
    assert.equal(promote.status, 403);
    const list = await head.get('/api/users');
    assert.equal(list.status, 200);
    assert.ok(list.body.items.every((u: { departmentId: string }) => [ownDept.id, street.id].includes(u.departmentId)));
    const outsider = await aUser(t.services, ['department_staff'], { departmentId: otherDept.id });
    assert.equal((await head.get(`/api/users/${outsider.id}`)).status, 403);
  });

  it('when operators, dispatchers or staff list users, then 403; supervisors read, administrators manage', async () => {
    for (const role of ['operator', 'dispatcher', 'department_staff'] as const) {
      assert.equal((await sessions[role].get('/api/users')).status, 403, role);
    }
    assert.equal((await sessions.supervisor.get('/api/users')).status, 200);
    assert.equal((await sessions.supervisor.post('/api/users').send({ username: 'nope-user', displayName: 'x', password: testPassword, roles: ['operator'] })).status, 403);
    const made = await sessions.administrator.post('/api/users').send({ username: 'operator-new', displayName: '新话务员', password: testPassword, roles: ['operator'] });
    assert.equal(made.status, 201);
    assert.equal(made.body.passwordHash, undefined);
  });

  it('when two administrators change a department from the same version, then exactly one wins', async () => {
    const dept = await aDepartment(t.services);
    const [a, b] = await Promise.all([
      sessions.administrator.patch(`/api/departments/${dept.id}`).send({ version: dept.version, name: '甲' }),
      sessions.administrator.patch(`/api/departments/${dept.id}`).send({ version: dept.version, name: '乙' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const loser = a.status === 409 ? a : b;
    assert.equal(loser.body.error.code, 'VERSION_CONFLICT');
  });

  it('when a department still has sub-departments, then it cannot be deleted; a leaf can, and both are audited', async () => {
    const blocked = await sessions.administrator.delete(`/api/departments/${ownDept.id}`);
    assert.equal(blocked.status, 409);
    assert.equal(blocked.body.error.code, 'DEPARTMENT_IN_USE');
    const leaf = await aDepartment(t.services);
    assert.equal((await sessions.administrator.delete(`/api/departments/${leaf.id}`)).status, 204);
    assert.equal((await sessions.administrator.get(`/api/departments/${leaf.id}`)).status, 404);
    const audit = await sessions.administrator.get(`/api/audit?entityType=department&entityId=${leaf.id}`);
    assert.deepEqual(audit.body.items.map((e: { action: string }) => e.action), ['department.delete', 'department.create']);
    assert.equal((await sessions.operator.get('/api/audit')).status, 403);
  });

  it('when a department moves under another, then its subtree follows', async () => {
    const parent = await aDepartment(t.services, { kind: 'district' });
    const child = await aDepartment(t.services, { kind: 'street', parentId: parent.id });
    const grandchild = await aDepartment(t.services, { kind: 'unit', parentId: child.id });
    const moved = await sessions.administrator.patch(`/api/departments/${child.id}`).send({ version: child.version, parentId: otherDept.id });
    assert.equal(moved.status, 200);
    const below = await sessions.administrator.get(`/api/departments/${grandchild.id}`);
    assert.deepEqual(below.body.ancestors, [otherDept.id, child.id]);
    const cycle = await sessions.administrator.patch(`/api/departments/${otherDept.id}`).send({ version: (await sessions.administrator.get(`/api/departments/${otherDept.id}`)).body.version, parentId: grandchild.id });
    assert.equal(cycle.status, 400);
    assert.equal(cycle.body.error.code, 'DEPARTMENT_CYCLE');
  });
});
