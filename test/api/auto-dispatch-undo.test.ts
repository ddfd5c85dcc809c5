import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

describe('API: dispatchers see and undo automatic dispatches', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let dispatcher: SignedInAgent;
  let dispatcherName: string;
  let staff: SignedInAgent;
  let housing: { id: string };
  let transport: { id: string };
  let categoryId: string;

  before(async function () {
    this.timeout(60_000);
    housing = await aDepartment(t.services, { name: '市住房和城乡建设委员会', contacts: { emails: ['housing@dept.test'] } });
    transport = await aDepartment(t.services, { name: '市交通委员会' });
    categoryId = (await aCategory(t.services, { name: '房屋管理', defaultDepartmentId: housing.id })).id;
    dispatcherName = (await aUser(t.services, ['dispatcher'])).username;
    dispatcher = await signIn(t.app, dispatcherName, testPassword);
    staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: housing.id })).username, testPassword);
  });

  /** A ticket the routing job dispatched on its own: the intake's category names the department. */
  async function autoDispatchedTicket(): Promise<string> {
    const { id } = await t.services.tickets.intake({ actor: systemActor, now: t.clock.now() }, {
      channel: 'web', requestType: 'complaint', categoryId, requester: { phone: '13800138000' },
      subject: '公交站牌损坏', content: '小区门口的公交站牌被撞坏了，看不清线路。',
    });
    await t.services.routing.routePending(t.clock.now());
    return id;
  }
  const undoable = async () => ((await dispatcher.get('/api/tickets').query({ undoable: true })).body.items as { id: string; autoDispatchedAt: string }[]);

  it('when the routing job dispatched a ticket, then it is listed as undoable, and undoing it puts it back in the queue, records who and why, and tells the department', async () => {
    const id = await autoDispatchedTicket();
    const listed = (await undoable()).find((item) => item.id === id);
    assert.equal(listed?.autoDispatchedAt, t.clock.now().toISOString());
    const ticket = await dispatcher.get(`/api/tickets/${id}`);
    assert.ok(ticket.body.allowedActions.includes('undo_auto_dispatch'));

    t.clock.advance(10 * 60_000);
    const undone = await dispatcher.post(`/api/tickets/${id}/undo-auto-dispatch`).send({ reason: '应由市交通委员会办理', version: ticket.body.version });
    assert.equal(undone.status, 200, JSON.stringify(undone.body));
    assert.equal(undone.body.state, 'received');
    assert.equal((await undoable()).some((item) => item.id === id), false);
    assert.equal((await staff.get(`/api/tickets/${id}`)).status, 404, 'the department no longer sees the ticket');

    const history = (await dispatcher.get(`/api/tickets/${id}/history`)).body.items as { action: string; reason: string | null; actor: { username: string } }[];
    const event = history.at(-1)!;
    assert.deepEqual([event.action, event.reason], ['undo_auto_dispatch', '应由市交通委员会办理']);
    assert.equal(event.actor.username, dispatcherName);

    const notices = await t.services.outbox.notices.find({ template: 'dispatch-withdrawn' }).lean();
    assert.deepEqual(notices.map((n) => [n.to, (n.data as { reason: string }).reason]), [['housing@dept.test', '应由市交通委员会办理']]);

    const redispatched = await dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: transport.id });
    assert.equal(redispatched.status, 200);
    assert.equal((await dispatcher.post(`/api/tickets/${id}/undo-auto-dispatch`).send({ reason: '再撤回' })).status, 409, 'a person\'s dispatch is not undone this way');
  });

  it('when the undo window has passed, then the ticket leaves the list and the undo is refused', async () => {
    await t.services.settings.update({ actor: systemActor, now: t.clock.now() }, { autoDispatchUndoMinutes: 15 });
    const id = await autoDispatchedTicket();
    t.clock.advance(15 * 60_000 + 1);
    assert.equal((await undoable()).some((item) => item.id === id), false);
    const refused = await dispatcher.post(`/api/tickets/${id}/undo-auto-dispatch`).send({ reason: '派错' });
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.message, /15-minute window/u);
  });
});
