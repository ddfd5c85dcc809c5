import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import type { ArticleInput } from '../../core/knowledge/knowledge-base.js';
import type { Services } from '../../core/services.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

const dayMs = 86_400_000;

/** An article written by the system, published unless told otherwise. */
function anArticle(services: Services, now: Date, input: Partial<ArticleInput> & { departmentId: string }) {
  return services.knowledge.create({ actor: systemActor, now }, {
    question: '新生儿如何办理落户？',
    answer: '携带出生医学证明、父母双方户口簿和身份证，到户籍所在地派出所办理。',
    status: 'published',
    ...input,
  });
}

describe('API: the knowledge base', () => {
  const t = useTestApp();
  let own: { id: string };
  let street: { id: string };
  let other: { id: string };
  let admin: SignedInAgent;
  let operator: SignedInAgent;
  let staff: SignedInAgent;
  const now = () => t.clock.now();

  before(async () => {
    own = await aDepartment(t.services, { kind: 'district' });
    street = await aDepartment(t.services, { kind: 'street', parentId: own.id });
    other = await aDepartment(t.services, { kind: 'bureau' });
    const as = async (role: Parameters<typeof aUser>[1][number], departmentId: string | null = null) =>
      signIn(t.app, (await aUser(t.services, [role], { departmentId })).username, testPassword);
    admin = await as('administrator');
    operator = await as('operator');
    staff = await as('department_staff', own.id);
  });

  it('when department staff write an article and publish it, then a Chinese word from its answer finds it', async () => {
    const created = await staff.post('/api/knowledge').send({
      question: '小区楼道堆放杂物怎么处理？',
      answer: '楼道堆放杂物属于消防隐患，可先联系物业清理；物业不处理的，由街道消防安全专干督促整改。',
      departmentId: own.id,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'draft');
    assert.equal(new Date(created.body.reviewDueAt).getTime(), now().getTime() + 180 * dayMs);
    assert.deepEqual((await operator.get('/api/knowledge/search?q=消防隐患')).body.items, []);

    const published = await staff.patch(`/api/knowledge/${created.body.id}`).send({ version: created.body.version, status: 'published' });
    assert.equal(published.status, 200);
    const found = await operator.get(`/api/knowledge/search?q=${encodeURIComponent('专干')}`);
    assert.equal(found.status, 200);
    assert.deepEqual(found.body.items.map((a: { id: string }) => a.id), [created.body.id]);
    assert.equal((await operator.get('/api/knowledge/search?q=消防隐患')).body.items[0].id, created.body.id);
    // Its search terms are stored with it but never shown.
    for (const view of [created.body, published.body, found.body.items[0], (await operator.get(`/api/knowledge/${created.body.id}`)).body]) assert.ok(!('terms' in view));
  });

  it('when an operator searches, lists or opens articles, then only published ones are there; the department sees its drafts', async () => {
    const draft = await anArticle(t.services, now(), { departmentId: own.id, status: 'draft', question: '公积金提取需要哪些材料？', answer: '草稿：公积金提取材料清单待核实。' });
    const live = await anArticle(t.services, now(), { departmentId: own.id, question: '公积金怎么提取？', answer: '公积金提取可在网上办理。' });
    const search = await operator.get('/api/knowledge/search?q=公积金提取');
    assert.deepEqual(search.body.items.map((a: { id: string }) => a.id), [live.id]);
    const list = await operator.get(`/api/knowledge?departmentId=${own.id}`);
    assert.ok(list.body.items.every((a: { status: string }) => a.status === 'published'));
    assert.ok(list.body.items.some((a: { id: string }) => a.id === live.id));
    assert.equal((await operator.get(`/api/knowledge/${draft.id}`)).status, 403);
    assert.equal((await operator.get(`/api/knowledge/${live.id}`)).status, 200);

    const departmentSees = await staff.get('/api/knowledge/search?q=公积金提取');
    assert.deepEqual(new Set(departmentSees.body.items.map((a: { id: string }) => a.id)), new Set([live.id, draft.id]));
    const elsewhere = await anArticle(t.services, now(), { departmentId: other.id, status: 'draft', question: '公积金提取异地', answer: '异地公积金提取草稿。' });
    const staffSees = await staff.get('/api/knowledge/search?q=公积金提取');
    assert.ok(!staffSees.body.items.some((a: { id: string }) => a.id === elsewhere.id));
    assert.ok((await admin.get('/api/knowledge/search?q=公积金提取')).body.items.some((a: { id: string }) => a.id === elsewhere.id));
  });

  it("when department staff edit their own or a lower department's article, then it works; another department's gets 403", async () => {
    const mine = await anArticle(t.services, now(), { departmentId: street.id });
    const edited = await staff.patch(`/api/knowledge/${mine.id}`).send({ version: mine.version, answer: '新答复：请到街道便民服务中心办理。' });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.version, mine.version + 1);

    const theirs = await anArticle(t.services, now(), { departmentId: other.id });
    const refused = await staff.patch(`/api/knowledge/${theirs.id}`).send({ version: theirs.version, answer: '越权修改' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'FORBIDDEN');
    assert.equal((await staff.post('/api/knowledge').send({ question: '越权', answer: '越权', departmentId: other.id })).status, 403);
    const moveAway = await staff.patch(`/api/knowledge/${mine.id}`).send({ version: edited.body.version, departmentId: other.id });
    assert.equal(moveAway.status, 403);
    assert.equal((await operator.post('/api/knowledge').send({ question: '话务员', answer: '不可编写', departmentId: own.id })).status, 403);
  });

  it('when two changes are sent from the same version, then one wins and the other gets 409 VERSION_CONFLICT', async () => {
    const article = await anArticle(t.services, now(), { departmentId: own.id });
    const [a, b] = await Promise.all([
      staff.patch(`/api/knowledge/${article.id}`).send({ version: article.version, answer: '甲的答复：周一至周五办理。' }),
      admin.patch(`/api/knowledge/${article.id}`).send({ version: article.version, answer: '乙的答复：周末也可办理。' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
    assert.equal(loser.body.error.code, 'VERSION_CONFLICT');
    const word = winner === a ? '周一至周五' : '周末';
    const found = await operator.get(`/api/knowledge/search?q=${encodeURIComponent(word)}`);
    assert.deepEqual(found.body.items.map((x: { answer: string }) => x.answer), [winner.body.answer]);
  });

  it('when a category or department points nowhere, or a field is unknown, then 400 names the field', async () => {
    const missing = '0123456789abcdef01234567';
    const noDepartment = await admin.post('/api/knowledge').send({ question: '问', answer: '答', departmentId: missing });
    assert.equal(noDepartment.status, 400);
    assert.equal(noDepartment.body.error.details.field, 'departmentId');
    const noCategory = await admin.post('/api/knowledge').send({ question: '问', answer: '答', departmentId: own.id, categoryId: missing });
    assert.equal(noCategory.status, 400);
    assert.equal(noCategory.body.error.details.field, 'categoryId');
    const unknown = await admin.post('/api/knowledge').send({ question: '问', answer: '答', departmentId: own.id, priority: 1 });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.error.details.fields.map((f: { field: string }) => f.field), ['priority']);
    const category = await aCategory(t.services);
    const filed = await admin.post('/api/knowledge').send({ question: '问', answer: '答', departmentId: own.id, categoryId: category.id });
    assert.equal(filed.status, 201);
    const byCategory = await admin.get(`/api/knowledge?categoryId=${category.id}`);
    assert.deepEqual(byCategory.body.items.map((a: { id: string }) => a.id), [filed.body.id]);
  });

  it('when every change is made, then each is in the audit trail', async () => {
    const created = await staff.post('/api/knowledge').send({ question: '噪音扰民找谁？', answer: '夜间施工噪音请联系城管。', departmentId: own.id });
    const updated = await staff.patch(`/api/knowledge/${created.body.id}`).send({ version: created.body.version, status: 'published' });
    const reviewed = await staff.post(`/api/knowledge/${created.body.id}/review`).send({ version: updated.body.version });
    const archived = await staff.post(`/api/knowledge/${created.body.id}/archive`).send({ version: reviewed.body.version });
    assert.equal(archived.status, 200);
    assert.equal(archived.body.status, 'archived');
    const again = await staff.post(`/api/knowledge/${created.body.id}/archive`).send({ version: archived.body.version });
    assert.equal(again.status, 409);
    assert.deepEqual((await operator.get('/api/knowledge/search?q=噪音扰民')).body.items, []);

    const audit = await admin.get(`/api/audit?entityType=knowledge_article&entityId=${created.body.id}`);
    const events: { action: string; changes: Record<string, { from: unknown; to: unknown }> }[] = audit.body.items;
    assert.deepEqual(events.map((e) => e.action).sort(), ['knowledge.archive', 'knowledge.create', 'knowledge.review', 'knowledge.update']);
    assert.deepEqual(events.find((e) => e.action === 'knowledge.update')!.changes.status, { from: 'draft', to: 'published' });
    assert.deepEqual(events.find((e) => e.action === 'knowledge.archive')!.changes.status, { from: 'published', to: 'archived' });
  });

  it('when the review date passes, then the article is listed as overdue until the department marks it reviewed', async () => {
    const hourMs = 3_600_000;
    const article = await anArticle(t.services, now(), {
      departmentId: own.id, question: '违章停车如何举报？', answer: '可拨打12345或通过交警平台举报违章停车。',
      reviewDueAt: new Date(now().getTime() + hourMs),
    });
    const start = now();
    const overdueIds = async () =>
      (await staff.get(`/api/knowledge?reviewOverdue=true&departmentId=${own.id}`)).body.items.map((a: { id: string }) => a.id);
    try {
      assert.ok(!(await overdueIds()).includes(article.id));
      t.clock.advance(2 * hourMs);
      assert.ok((await overdueIds()).includes(article.id));
      const notOverdue = await staff.get(`/api/knowledge?reviewOverdue=false&departmentId=${own.id}`);
      assert.ok(!notOverdue.body.items.some((a: { id: string }) => a.id === article.id));

      const reviewed = await staff.post(`/api/knowledge/${article.id}/review`).send({ version: article.version });
      assert.equal(reviewed.status, 200);
      assert.equal(new Date(reviewed.body.reviewDueAt).getTime(), now().getTime() + 180 * dayMs);
      assert.equal(new Date(reviewed.body.reviewedAt).getTime(), now().getTime());
      assert.ok(!(await overdueIds()).includes(article.id));
      const stale = await staff.post(`/api/knowledge/${article.id}/review`).send({ version: article.version, days: 30 });
      assert.equal(stale.status, 409);
      const audit = await admin.get(`/api/audit?entityType=knowledge_article&entityId=${article.id}&action=knowledge.review`);
      assert.equal(audit.body.items.length, 1);
    } finally {
      t.clock.set(start);
    }
  });
});
