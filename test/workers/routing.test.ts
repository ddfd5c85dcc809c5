import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import { loadCommittedClassifier } from '../../core/routing/classifier.js';
import { aCategory, aDepartment } from '../builders/builders.js';
import { useTestApp } from '../helpers/test-app.js';

describe('Workers: routing new tickets', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const ctx = () => ({ actor: systemActor, now: t.clock.now() });
  let eco: { id: string };
  let housing: { id: string };
  let street: { id: string };
  let water: { id: string };

  before(async function () {
    this.timeout(60_000);
    eco = await aDepartment(t.services, { name: '生态环境局' });
    housing = await aDepartment(t.services, { name: '住建委' });
    water = await aDepartment(t.services, { name: '自来水集团', kind: 'unit' });
    const district = await aDepartment(t.services, { kind: 'district' });
    street = await aDepartment(t.services, { kind: 'street', parentId: district.id, name: '望京街道' });
    await aCategory(t.services, { name: '环境保护', defaultDepartmentId: eco.id });
    await aCategory(t.services, { name: '城乡建设', defaultDepartmentId: housing.id });
    // Load the 4 MB model once here, not inside a timed test.
    await t.services.routing.routePending(t.clock.now());
  });

  const intake = async (extra: Record<string, unknown> = {}) =>
    (await t.services.tickets.intake(ctx(), {
      channel: 'web', requestType: 'complaint', requester: { phone: '13800001111' },
      subject: '化工厂夜间偷排废气', content: '我们小区旁边的化工厂每天夜里排放刺鼻废气，空气污染严重，希望环保部门查处。', ...extra,
    })).id;
  const ticket = async (id: string) => (await t.services.tickets.tickets.findById(id).lean())!;

  it('when the intake has a category with a default department, then the ticket is dispatched there at once', async () => {
    const category = await aCategory(t.services, { name: '噪声污染', defaultDepartmentId: eco.id });
    const id = await intake({ categoryId: category.id });
    await t.services.routing.routePending(t.clock.now());
    const routed = await ticket(id);
    assert.equal(routed.state, 'dispatched');
    assert.equal(routed.assignments[0]?.departmentId, eco.id);
    assert.equal(routed.routing.status, 'auto_dispatched');
    assert.equal(routed.routing.taken, 0);
  });

  it('when the intake has no category, then the classifier predicts one from raw Chinese text and routes by it', async () => {
    const id = await intake();
    const report = await t.services.routing.routePending(t.clock.now());
    assert.ok(report.proposed >= 1);
    const routed = await ticket(id);
    assert.equal(routed.routing.suggestions[0]?.source, 'classifier');
    assert.equal(routed.routing.suggestions[0]?.label, '预测分类：环境保护');
    assert.equal(routed.routing.suggestions[0]?.departmentId, eco.id);
  });

  it('when the administrator\'s threshold is lower than the model\'s, then a classifier guess is dispatched only at the model\'s own threshold', async () => {
    await t.services.settings.update(ctx(), { autoDispatchThreshold: 0.3 });
    const classifier = await loadCommittedClassifier();
    const clear = { subject: '化工厂夜间偷排废气', content: '我们小区旁边的化工厂每天夜里排放刺鼻废气，空气污染严重，希望环保部门查处。' };
    const vague = { subject: '反映问题', content: '希望有关部门重视一下，尽快处理。' };
    assert.ok(classifier.classify(`${clear.subject} ${clear.content}`).confidence >= classifier.autoDispatchThreshold);
    assert.ok(classifier.classify(`${vague.subject} ${vague.content}`).confidence < classifier.autoDispatchThreshold);
    const [confident, unsure] = [await intake(clear), await intake(vague)];
    await t.services.routing.routePending(t.clock.now());
    assert.equal((await ticket(confident)).routing.status, 'auto_dispatched');
    const queued = await ticket(unsure);
    assert.deepEqual([queued.state, queued.routing.status], ['received', 'proposed']);
  });

  it('when no suggestion reaches the threshold, then the ticket waits with its suggestions and the dispatcher\'s choice is recorded', async () => {
    await t.services.settings.update(ctx(), { autoDispatchThreshold: 1.01, routingKeywords: [{ keyword: '停水', departmentId: water.id }] });
    const id = await intake({ subject: '小区停水', content: '望京某小区从早上开始停水，物业说是管道维修，没有提前通知。', location: { departmentId: street.id } });
    await t.services.routing.routePending(t.clock.now());
    const queued = await ticket(id);
    assert.equal(queued.state, 'received');
    assert.equal(queued.routing.status, 'proposed');
    const sources = queued.routing.suggestions.map((s) => s.source);
    assert.deepEqual(sources.slice(0, 2), ['location', 'keyword']);
    assert.equal(queued.routing.suggestions.length, 3);
    await t.services.tickets.act(ctx(), id, 'dispatch', { lead: water.id });
    assert.equal((await ticket(id)).routing.taken, 1);
    const again = await t.services.routing.routePending(t.clock.now());
    assert.equal(again.proposed, 0, 'routing a ticket twice changes nothing');
  });

  it('when a dispatcher sends a guessed ticket to another category\'s department, then a correction is recorded; decisions that confirm the guess (an approved return back to it too) record none', async () => {
    await t.services.settings.update(ctx(), { autoDispatchThreshold: 1.01, routingKeywords: [] });
    const dispatcher = { ...ctx(), actor: { userId: 'd1', username: 'dispatcher', roles: ['dispatcher' as const], departmentId: null, via: 'session' as const } };
    const [corrected, confirmed] = [await intake(), await intake()];
    await t.services.routing.routePending(t.clock.now());
    assert.equal((await ticket(corrected)).routing.suggestions[0]?.label, '预测分类：环境保护');
    await t.services.tickets.act(dispatcher, corrected, 'dispatch', { lead: housing.id });
    await t.services.tickets.act(dispatcher, confirmed, 'dispatch', { lead: eco.id });
    const staff = { ...ctx(), actor: { userId: 's1', username: 'staff', roles: ['department_staff' as const], departmentId: housing.id, via: 'session' as const } };
    await t.services.tickets.act(staff, corrected, 'return', { reason: '属环保职责' });
    await t.services.tickets.act(dispatcher, corrected, 'approve_return', { lead: eco.id });
    const corrections = (await t.services.routingCorrections.all()).filter((c) => [corrected, confirmed].includes(c.ticketId));
    assert.deepEqual(corrections.map((c) => [c.ticketId, c.action, c.category, c.predicted]), [[corrected, 'dispatch', '城乡建设', '环境保护']]);
    assert.match(corrections[0]!.text, /化工厂夜间偷排废气/u);
  });
});
