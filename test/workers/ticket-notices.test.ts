import assert from 'node:assert/strict';
import { systemActor, type Actor } from '../../core/accounts/access.js';
import { departmentView } from '../../core/notifications/ticket-notices.js';
import type { TicketEvent } from '../../core/tickets/ticket-events.js';
import type { TicketDocument } from '../../core/tickets/ticket.js';
import { aDepartment, aUser } from '../builders/builders.js';
import { aTicketIn } from '../builders/tickets.js';
import { useTestApp } from '../helpers/test-app.js';

describe('Workers: which notices a ticket change calls for', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const asSystem = () => ({ actor: systemActor, now: t.clock.now() });
  const staffOf = (departmentId: string): Actor => ({ userId: `staff-${departmentId}`, username: 'staff', roles: ['department_staff'], departmentId, via: 'session' });
  let housing: { id: string; name: string };
  let transport: { id: string; name: string };

  before(async () => {
    housing = await aDepartment(t.services, { contacts: { emails: ['housing@dept.test'] } });
    transport = await aDepartment(t.services, { contacts: { emails: ['transport-1@dept.test', 'transport-2@dept.test'] } });
  });

  // The services' tickets enqueue the notices of every event through their onEvent hook.
  async function ticketDispatchedTo(lead: string, requester: Record<string, unknown> = { phone: '13800138000' }, assists: string[] = []) {
    const { id } = await t.services.tickets.intake(asSystem(), { channel: 'web', requestType: 'complaint', subject: '噪音扰民', content: '夜间施工噪音。', requester });
    return act(id, 'dispatch', { lead, assists });
  }
  async function act(id: string, action: string, input: Record<string, unknown>, actor: Actor = systemActor) {
    const view = await t.services.tickets.act({ actor, now: t.clock.now() }, id, action as never, input as never);
    return { id, eventId: `${id}:${view.version}` };
  }
  const intakeEvent = (id: string) => `${id}:1`;
  const noticesOf = (eventId: string) => t.services.outbox.notices.find({ eventId }).sort({ to: 1 }).lean();

  it('when a ticket is taken in, then the requester is told by e-mail and, on a mobile phone, by SMS', async () => {
    const { id } = await t.services.tickets.intake(asSystem(), {
      channel: 'web', requestType: 'help', subject: '路灯不亮', content: '路灯坏了。', requester: { phone: '13900139000', email: 'citizen@example.test' },
    });
    const notices = await noticesOf(intakeEvent(id));
    assert.deepEqual(notices.map((n) => [n.template, n.channel, n.to]), [
      ['ticket-received', 'sms', '13900139000'], ['ticket-received', 'email', 'citizen@example.test'],
    ].sort((a, b) => a[2]!.localeCompare(b[2]!)));
  });

  it('when a ticket is taken in with a landline, or imported, then no notice goes to the requester', async () => {
    const landline = await t.services.tickets.intake(asSystem(), { channel: 'phone', requestType: 'help', subject: 's', content: 'c', requester: { phone: '010-62345678' } });
    const imported = await t.services.tickets.intake(asSystem(), { channel: 'import', requestType: 'help', subject: 's', content: 'c', requester: { phone: '13900139000', email: 'old@example.test' } });
    assert.equal((await noticesOf(intakeEvent(landline.id))).length, 0);
    assert.equal((await noticesOf(intakeEvent(imported.id))).length, 0);
  });

  it('when a ticket is dispatched to a lead and an assisting department, then every contact of each gets their part', async () => {
    const { eventId } = await ticketDispatchedTo(housing.id, { phone: '13800138000' }, [transport.id]);
    const notices = await noticesOf(eventId);
    assert.deepEqual(notices.map((n) => [n.to, (n.data as { lead: boolean }).lead]), [
      ['housing@dept.test', true], ['transport-1@dept.test', false], ['transport-2@dept.test', false],
    ]);
    assert.ok(notices.every((n) => n.template === 'ticket-dispatched' && (n.data as { deadline: Date }).deadline instanceof Date));
  });

  it('when a return is approved, then the new lead is dispatched and the returning department hears the decision', async () => {
    const { id } = await ticketDispatchedTo(housing.id);
    await act(id, 'return', { reason: '不属于本单位职责' }, staffOf(housing.id));
    const { eventId } = await act(id, 'approve_return', { lead: transport.id, reason: '转交通委' });
    const notices = await noticesOf(eventId);
    assert.deepEqual(notices.map((n) => [n.template, n.to]), [
      ['return-decided', 'housing@dept.test'], ['ticket-dispatched', 'transport-1@dept.test'], ['ticket-dispatched', 'transport-2@dept.test'],
    ]);
    assert.deepEqual(notices[0]!.data, {
      number: notices[1]!.data.number, subject: '噪音扰民', departmentName: housing.name, approved: true, newLead: transport.name, reason: '转交通委',
    });
  });

  it('when a return is rejected, then only the returning department hears it', async () => {
    const { id } = await ticketDispatchedTo(housing.id);
    await act(id, 'return', { reason: '不属于本单位职责' }, staffOf(housing.id));
    const notices = await noticesOf((await act(id, 'reject_return', { reason: '属于本单位职责' })).eventId);
    assert.deepEqual(notices.map((n) => [n.template, n.to, (n.data as { approved: boolean }).approved]), [['return-decided', 'housing@dept.test', false]]);
  });

  it('when an extension is approved or denied, then the department that asked hears it, with the new deadline when approved', async () => {
    const until = new Date('2026-03-20T02:00:00Z');
    const { id } = await ticketDispatchedTo(housing.id);
    await act(id, 'accept', {}, staffOf(housing.id));
    await act(id, 'request_extension', { until, reason: '需要协调多个部门' }, staffOf(housing.id));
    const approved = await noticesOf((await act(id, 'approve_extension', {})).eventId);
    assert.deepEqual(approved.map((n) => [n.template, n.to]), [['extension-decided', 'housing@dept.test']]);
    assert.deepEqual((approved[0]!.data as { until: Date }).until, until);

    await act(id, 'request_extension', { until: new Date('2026-04-20T02:00:00Z'), reason: '再延期' }, staffOf(housing.id));
    const denied = await noticesOf((await act(id, 'deny_extension', { reason: '不予延期' })).eventId);
    assert.deepEqual(denied.map((n) => [(n.data as { approved: boolean }).approved, (n.data as { until: Date | null }).until, n.data.reason]), [[false, null, '不予延期']]);
  });

  it('when a reply is sent back, then the lead department hears why', async () => {
    const { id } = await ticketDispatchedTo(housing.id);
    await act(id, 'accept', {}, staffOf(housing.id));
    await act(id, 'reply', { text: '已处理。' }, staffOf(housing.id));
    const notices = await noticesOf((await act(id, 'send_back', { reason: '答复未回应诉求' })).eventId);
    assert.deepEqual(notices.map((n) => [n.template, n.to, n.data.reason]), [['reply-sent-back', 'housing@dept.test', '答复未回应诉求']]);
  });

  it('when a ticket is urged, then the departments that still owe an answer are told', async () => {
    const { id } = await ticketDispatchedTo(housing.id, undefined, [transport.id]);
    await act(id, 'accept', {}, staffOf(housing.id));
    await act(id, 'accept', {}, staffOf(transport.id));
    await act(id, 'reply', { text: '协办完毕。' }, staffOf(transport.id));
    const notices = await noticesOf((await act(id, 'urge', { reason: '请加快办理' })).eventId);
    assert.deepEqual(notices.map((n) => [n.template, n.to, n.data.urgeCount]), [['ticket-urged', 'housing@dept.test', 1]]);
  });

  it('when the deadline sweep records a red warning, then the departments are urged; a yellow one tells nobody', async () => {
    const { id } = await ticketDispatchedTo(transport.id);
    const ticket = (await t.services.tickets.tickets.findById(id).lean()) as TicketDocument;
    const event = (level: string): TicketEvent => ({
      _id: `${id}:99`, ticketId: id, version: 99, at: t.clock.now(), action: 'warn', from: ticket.state, to: ticket.state, reason: null, data: { level },
      actor: { userId: null, username: 'system', roles: ['administrator'], departmentId: null, via: 'system' },
    });
    assert.deepEqual((await t.services.notices.noticesFor(ticket, event('red'))).map((n) => [n.template, n.to]), [
      ['ticket-urged', 'transport-1@dept.test'], ['ticket-urged', 'transport-2@dept.test'],
    ]);
    assert.deepEqual(await t.services.notices.noticesFor(ticket, event('yellow')), []);
  });

  it('when a ticket is supervised, then the lead department\'s heads and every supervisor with an e-mail are told', async () => {
    await aUser(t.services, ['department_head'], { departmentId: housing.id, email: 'head@housing.test' });
    await aUser(t.services, ['department_head'], { departmentId: housing.id });
    await aUser(t.services, ['department_head'], { departmentId: transport.id, email: 'head@transport.test' });
    await aUser(t.services, ['supervisor'], { email: 'supervisor@centre.test' });
    await aUser(t.services, ['department_staff'], { departmentId: housing.id, email: 'staff@housing.test' });
    const { id } = await ticketDispatchedTo(housing.id);
    const notices = await noticesOf((await act(id, 'supervise', { reason: '超期未办结' })).eventId);
    assert.deepEqual(notices.map((n) => [n.template, n.to]), [['ticket-supervised', 'head@housing.test'], ['ticket-supervised', 'supervisor@centre.test']]);
    assert.equal(notices[0]!.data.departmentName, housing.name);
  });

  it('when ticket facts are prepared for a department, then a confidential requester is left out and an open one kept', () => {
    const confidential = aTicketIn('dispatched', { requester: { name: '张三', phone: '13800138000', email: 'z@example.test', address: '某小区', confidential: true } });
    assert.equal(departmentView(confidential).requester, null);
    assert.ok(!JSON.stringify(departmentView(confidential)).includes('13800138000'));
    assert.deepEqual(departmentView(aTicketIn('dispatched')).requester, { name: '张三', phone: '13800138000' });
  });
});
