import assert from 'node:assert/strict';
import { systemActor, type Actor } from '../../core/accounts/access.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

const at = (china: string) => new Date(`${china}+08:00`);

describe('API: the accountability ledger (问责), its appeals and decisions', function () {
  this.timeout(60_000);
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let departmentId: string;
  let otherId: string;
  let staffActor: Actor;
  let staff: SignedInAgent;
  let otherStaff: SignedInAgent;
  let supervisor: SignedInAgent;

  before(async () => {
    departmentId = (await aDepartment(t.services)).id;
    otherId = (await aDepartment(t.services)).id;
    const user = await aUser(t.services, ['department_staff'], { departmentId });
    staffActor = { userId: user.id, username: user.username, roles: ['department_staff'], departmentId, via: 'session' };
    staff = await signIn(t.app, user.username, testPassword);
    otherStaff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: otherId })).username, testPassword);
    supervisor = await signIn(t.app, (await aUser(t.services, ['supervisor'])).username, testPassword);
  });

  const dispatched = async (china: string) => {
    const ctx = { actor: systemActor, now: at(china) };
    const { id } = await t.services.tickets.intake(ctx, {
      channel: 'phone', requestType: 'complaint', requester: { phone: '13800000000' }, subject: '噪音扰民', content: '工地夜间施工噪音很大。',
    });
    await t.services.tickets.act(ctx, id, 'dispatch', { lead: departmentId });
    return id;
  };
  const countersOf = async (department: string) => (await t.services.counters.totals('2026-03-01', '2026-03-31')).get(department)!;

  describe('a missed accept deadline, appealed and annulled', () => {
    let ticketId: string;
    let entryId: string;

    before(async () => {
      ticketId = await dispatched('2026-03-02T10:00:00');
      await t.services.deadlineSweep.run(at('2026-03-03T10:01:00'));
      await t.services.tickets.act({ actor: staffActor, now: at('2026-03-03T11:00:00') }, ticketId, 'accept', {});
    });

    it('when the accept limit runs out, then the sweep\'s red warning is an entry naming the department, not yet a person', async () => {
      const res = await staff.get('/api/accountability?month=2026-03');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.items.length, 1);
      const [entry] = res.body.items;
      entryId = entry.id;
      assert.equal(entry.ticketId, ticketId);
      assert.equal(entry.kind, 'missed_deadline');
      assert.equal(entry.stage, 'accept');
      assert.equal(entry.departmentId, departmentId);
      assert.equal(entry.person, null);
      assert.equal(entry.state, 'recorded');
      assert.equal(entry.at, at('2026-03-03T10:01:00').toISOString());
      assert.equal((await countersOf(departmentId)).acceptedLate, 1);
    });

    it('when the same ticket change is recorded again (a relay after a crash), then the ledger keeps one entry', async () => {
      const event = (await t.services.tickets.events.findOne({ ticketId, action: 'warn', 'data.level': 'red' }).lean())!;
      const ticket = (await t.services.repositories.tickets.byId(ticketId))!;
      await t.services.accountability.recordFrom(ticket, { id: event._id, event, rollups: [], ticket });
      assert.equal((await staff.get('/api/accountability')).body.items.length, 1);
    });

    it('when another department reads or appeals it, then it sees nothing and is refused', async () => {
      assert.deepEqual((await otherStaff.get('/api/accountability')).body.items, []);
      assert.equal((await otherStaff.get(`/api/accountability/${entryId}`)).status, 403);
      const res = await otherStaff.post(`/api/accountability/${entryId}/appeal`).send({ version: 1, reasons: '不是我们', evidence: '无' });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'FORBIDDEN');
    });

    it('when the appeal lacks its reasons or names a stale version, then 400 naming the field, or 409', async () => {
      const missing = await staff.post(`/api/accountability/${entryId}/appeal`).send({ version: 1, evidence: '系统故障截图说明' });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.code, 'VALIDATION_FAILED');
      assert.match(JSON.stringify(missing.body.error.details), /reasons/);
      const stale = await staff.post(`/api/accountability/${entryId}/appeal`).send({ version: 7, reasons: '系统故障', evidence: '当日派单系统故障' });
      assert.equal(stale.status, 409);
      assert.equal(stale.body.error.code, 'VERSION_CONFLICT');
      assert.equal((await staff.get('/api/accountability/0123456789abcdef01234567')).status, 404);
      assert.equal((await staff.get('/api/accountability/not-an-id')).status, 400);
    });

    it('when the department appeals once, then the entry is appealed and audited; a second appeal is refused', async () => {
      const res = await staff.post(`/api/accountability/${entryId}/appeal`).send({ version: 1, reasons: '派单系统故障，未收到工单', evidence: '信息中心故障通报第12号', attachmentIds: ['a1'] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'appealed');
      assert.equal(res.body.appeal.evidence, '信息中心故障通报第12号');
      assert.deepEqual(res.body.appeal.attachmentIds, ['a1']);
      const again = await staff.post(`/api/accountability/${entryId}/appeal`).send({ version: 2, reasons: '再次申诉', evidence: '无' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'INVALID_TRANSITION');
    });

    it('when the department tries to decide its own appeal, then it is refused', async () => {
      const res = await staff.post(`/api/accountability/${entryId}/decision`).send({ version: 2, outcome: 'annulled', reason: '自行撤销' });
      assert.equal(res.status, 403);
    });

    it('when a supervisor annuls it, then it leaves the rates: the urge is taken back and the late accept counts as on time', async () => {
      const res = await supervisor.post(`/api/accountability/${entryId}/decision`).send({ version: 2, outcome: 'annulled', reason: '经核实系系统故障' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'annulled');
      assert.equal(res.body.decision.reason, '经核实系系统故障');
      const counters = await countersOf(departmentId);
      assert.equal(counters.acceptedLate, 0);
      assert.equal(counters.acceptedOnTime, 1);
      assert.equal(counters.urged, 0);
      const audit = await t.services.audit.list({ entityType: 'accountability_entry', entityId: entryId, limit: 10 });
      assert.deepEqual(audit.map((e) => e.action).sort(), ['accountability.annul', 'accountability.appeal']);
      const again = await supervisor.post(`/api/accountability/${entryId}/decision`).send({ version: 3, outcome: 'upheld', reason: '改判' });
      assert.equal(again.status, 409);
    });

    it('when the ledger is filtered, then by state, month and department', async () => {
      assert.equal((await supervisor.get(`/api/accountability?state=annulled&departmentId=${departmentId}`)).body.items.length, 1);
      assert.equal((await supervisor.get('/api/accountability?state=recorded')).body.items.length, 0);
      assert.equal((await supervisor.get('/api/accountability?month=2026-04')).body.items.length, 0);
      assert.equal((await supervisor.get('/api/accountability?month=2026-13')).status, 400);
    });
  });

  describe('a dissatisfied callback that reopens the ticket, appealed and upheld', () => {
    let entryId: string;

    before(async () => {
      const ticketId = await dispatched('2026-03-09T09:00:00');
      const ctx = { actor: systemActor, now: at('2026-03-09T15:00:00') };
      const dept = { actor: staffActor, now: at('2026-03-09T10:00:00') };
      await t.services.tickets.act(dept, ticketId, 'accept', {});
      await t.services.tickets.act(dept, ticketId, 'reply', { text: '已责令工地停止夜间施工。' });
      await t.services.tickets.act(ctx, ticketId, 'approve_reply', {});
      await t.services.tickets.act(ctx, ticketId, 'callback', { resolved: false, satisfaction: 'dissatisfied', via: 'phone' });
      await t.services.callbacks.followUpAll(ctx.now);
    });

    it('when the follow-up reopens it, then the entry names the department and the user who accepted the part', async () => {
      const res = await supervisor.get('/api/accountability?kind=dissatisfied_reopen');
      assert.equal(res.body.items.length, 1);
      const [entry] = res.body.items;
      entryId = entry.id;
      assert.equal(entry.departmentId, departmentId);
      assert.equal(entry.person.username, staffActor.username);
      assert.match(entry.reason, /不满意/);
    });

    it('when a supervisor upholds the appeal, then the counts stay', async () => {
      const before = await countersOf(departmentId);
      await staff.post(`/api/accountability/${entryId}/appeal`).send({ version: 1, reasons: '已按规定处理', evidence: '现场照片说明' }).expect(200);
      const res = await supervisor.post(`/api/accountability/${entryId}/decision`).send({ version: 2, outcome: 'upheld', reason: '群众诉求未解决' });
      assert.equal(res.status, 200);
      assert.equal(res.body.state, 'upheld');
      assert.deepEqual(await countersOf(departmentId), before);
      assert.equal(before.dissatisfied, 1);
    });
  });

  describe('default decisions (超时默认): a part not accepted in time, an extension request or a return not decided in time', () => {
    let ticketId: string;
    let administrator: SignedInAgent;

    before(async () => {
      administrator = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
      ticketId = await dispatched('2026-03-16T10:00:00');
    });

    it('when the administrator sets an unknown default, then 400 naming the field', async () => {
      const res = await administrator.patch('/api/settings').send({ defaultDecisions: { accept: 'deem_rejected', extension: 'none', return: 'none', decisionLimit: { amount: 1, unit: 'working_days' } } });
      assert.equal(res.status, 400);
      assert.match(JSON.stringify(res.body.error.details), /defaultDecisions\.accept/);
    });

    it('when the default is configured and the accept deadline passes, then the sweep deems the part accepted and the ledger names the department', async () => {
      const defaultDecisions = { accept: 'deem_accepted', extension: 'none', return: 'none', decisionLimit: { amount: 1, unit: 'working_days' } };
      const set = await administrator.patch('/api/settings').send({ defaultDecisions });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.deepEqual(set.body.defaultDecisions, defaultDecisions);
      // The reopened ticket above, never accepted again, is deemed accepted by this first sweep.
      await t.services.deadlineSweep.run(at('2026-03-17T09:59:00'));
      const actions = async () => (await supervisor.get(`/api/tickets/${ticketId}/history`)).body.items.map((e: { action: string }) => e.action);
      assert.equal((await actions()).includes('deem_accept'), false);
      const report = await t.services.deadlineSweep.run(at('2026-03-17T10:01:00'));
      assert.equal(report.defaulted, 1);
      const history = await supervisor.get(`/api/tickets/${ticketId}/history`);
      const deemed = history.body.items.find((e: { action: string }) => e.action === 'deem_accept');
      assert.equal(deemed.actor.username, 'system');
      assert.equal(deemed.data.departmentId, departmentId);
      assert.equal(deemed.to, 'in_handling');
      assert.equal(history.body.items.some((e: { action: string; data: { level?: string } }) => e.action === 'warn' && e.data.level === 'red'), false);
      const entries = (await supervisor.get('/api/accountability?kind=default_decision')).body.items.filter((e: { ticketId: string }) => e.ticketId === ticketId);
      assert.equal(entries.length, 1);
      assert.equal(entries[0].departmentId, departmentId);
      assert.match(entries[0].reason, /视为已签收/);
      assert.equal((await t.services.deadlineSweep.run(at('2026-03-17T10:02:00'))).defaulted, 0);
    });

    it('when the centre leaves the department\'s extension request undecided past its decision limit, then the sweep denies it as configured', async () => {
      const defaultDecisions = { accept: 'deem_accepted', extension: 'deny', return: 'none', decisionLimit: { amount: 2, unit: 'working_hours' } };
      assert.equal((await administrator.patch('/api/settings').send({ defaultDecisions })).status, 200);
      await t.services.tickets.act({ actor: staffActor, now: at('2026-03-17T11:00:00') }, ticketId, 'request_extension', { until: at('2026-04-30T17:00:00'), reason: '需协调施工单位' });
      assert.equal((await t.services.deadlineSweep.run(at('2026-03-17T11:30:00'))).defaulted, 0);
      assert.equal((await t.services.deadlineSweep.run(at('2026-03-17T17:00:00'))).defaulted, 1);
      const history = (await supervisor.get(`/api/tickets/${ticketId}/history`)).body.items;
      const denied = history.find((e: { action: string }) => e.action === 'deny_extension');
      assert.equal(denied.actor.username, 'system');
      assert.match(denied.reason, /按默认规则不予批准/);
      assert.equal((await supervisor.get(`/api/tickets/${ticketId}`)).body.pendingExtension, null);
    });
    it('when the centre leaves a return undecided past its decision limit, then the sweep rejects it and the department keeps the ticket', async () => {
      const defaultDecisions = { accept: 'deem_accepted', extension: 'deny', return: 'reject', decisionLimit: { amount: 2, unit: 'working_hours' } };
      assert.equal((await administrator.patch('/api/settings').send({ defaultDecisions })).status, 200);
      const returned = await dispatched('2026-03-18T09:00:00');
      await t.services.tickets.act({ actor: staffActor, now: at('2026-03-18T09:30:00') }, returned, 'accept', {});
      await t.services.tickets.act({ actor: staffActor, now: at('2026-03-18T10:00:00') }, returned, 'return', { reason: '不属于本单位职责' });
      await t.services.deadlineSweep.run(at('2026-03-18T11:30:00'));
      assert.equal((await supervisor.get(`/api/tickets/${returned}`)).body.state, 'returned');
      await t.services.deadlineSweep.run(at('2026-03-18T16:00:00'));
      assert.equal((await supervisor.get(`/api/tickets/${returned}`)).body.state, 'in_handling');
      const history = (await supervisor.get(`/api/tickets/${returned}/history`)).body.items;
      const rejected = history.find((e: { action: string }) => e.action === 'reject_return');
      assert.equal(rejected.actor.username, 'system');
      assert.match(rejected.reason, /按默认规则退回原承办单位/);
    });
  });

  describe('the month\'s bulletin (问责通报)', () => {
    it('when the centre reads it, then it is city-wide, its totals the sum of the rows, the annulled entry apart', async () => {
      const res = await supervisor.get('/api/accountability/bulletin?month=2026-03');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.department, null);
      assert.equal(res.body.totals.annulled, 1);
      for (const key of ['missedDeadlines', 'defaultDecisions', 'dissatisfiedReopens', 'annulled'] as const) {
        assert.equal(res.body.totals[key], res.body.rows.reduce((sum: number, row: Record<string, number>) => sum + row[key]!, 0), key);
      }
      assert.equal(res.body.totals.dissatisfiedReopens, 1);
    });

    it('when a department reads it, then its own, listing its entries; another department\'s is refused', async () => {
      const own = await staff.get('/api/accountability/bulletin?month=2026-03');
      assert.equal(own.status, 200);
      assert.notEqual(own.body.department, null);
      assert.equal(own.body.entries.dissatisfiedReopens.length, 1);
      assert.equal((await otherStaff.get(`/api/accountability/bulletin?month=2026-03&departmentId=${departmentId}`)).status, 403);
      const clean = await otherStaff.get('/api/accountability/bulletin?month=2026-03');
      assert.equal(clean.status, 200);
      assert.deepEqual(clean.body.totals, { missedDeadlines: 0, defaultDecisions: 0, dissatisfiedReopens: 0, annulled: 0, pendingAppeals: 0 });
      assert.equal((await supervisor.get('/api/accountability/bulletin')).status, 400);
    });
  });
});
