import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import type { Role } from '../../core/accounts/roles.js';
import { actionBodies, type HttpAction } from '../../api/tickets/tickets.schemas.js';
import type { TicketState } from '../../core/tickets/ticket.js';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { aPart, aTicketIn } from '../builders/tickets.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

type Who = Role | 'parent_staff' | 'other_staff';

/** Where each action is allowed (one state is enough here: the unit tests walk every state) and who may take it. */
const cases: Record<HttpAction, { state: TicketState; allowed: Who[]; body: (ids: { lead: string; other: string; parent: string }) => object }> = {
  resolve_on_call: { state: 'received', allowed: ['operator', 'dispatcher', 'supervisor', 'administrator'], body: () => ({ answer: '已答复' }) },
  dispatch: { state: 'received', allowed: ['dispatcher', 'supervisor', 'administrator'], body: (d) => ({ lead: d.lead }) },
  undo_auto_dispatch: { state: 'dispatched', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({ reason: '派错' }) },
  accept: { state: 'dispatched', allowed: ['department_staff', 'department_head', 'parent_staff'], body: () => ({}) },
  request_info: { state: 'in_handling', allowed: ['department_staff', 'department_head', 'parent_staff'], body: () => ({ items: ['门牌号'] }) },
  receive_info: { state: 'waiting_info', allowed: ['department_staff', 'department_head', 'parent_staff'], body: () => ({}) },
  interim_reply: { state: 'in_handling', allowed: ['department_staff', 'department_head', 'parent_staff'], body: () => ({ text: '处理中' }) },
  reply: { state: 'in_handling', allowed: ['department_staff', 'department_head', 'parent_staff'], body: () => ({ text: '已处理' }) },
  release_assist: { state: 'in_handling', allowed: ['dispatcher', 'supervisor', 'administrator'], body: (d) => ({ departmentId: d.other, reason: '不涉及' }) },
  approve_reply: { state: 'replied', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({}) },
  send_back: { state: 'replied', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({ reason: '不完整' }) },
  return: { state: 'dispatched', allowed: ['department_staff', 'department_head', 'parent_staff'], body: () => ({ reason: '非本单位职责' }) },
  approve_return: { state: 'returned', allowed: ['dispatcher', 'supervisor', 'administrator'], body: (d) => ({ lead: d.other }) },
  reject_return: { state: 'returned', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({ reason: '属本单位' }) },
  redispatch: { state: 'dispatched', allowed: ['dispatcher', 'supervisor', 'administrator'], body: (d) => ({ lead: d.other, reason: '派错' }) },
  request_extension: { state: 'in_handling', allowed: ['department_staff', 'department_head', 'parent_staff'], body: () => ({ until: '2026-04-30T09:00:00Z', reason: '施工' }) },
  approve_extension: { state: 'in_handling', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({}) },
  deny_extension: { state: 'in_handling', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({ reason: '不同意' }) },
  urge: { state: 'dispatched', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({}) },
  supervise: { state: 'dispatched', allowed: ['supervisor', 'administrator'], body: () => ({ reason: '超期' }) },
  callback: { state: 'awaiting_callback', allowed: ['operator', 'dispatcher', 'supervisor', 'administrator'], body: () => ({ resolved: true, satisfaction: 'satisfied' }) },
  reopen: { state: 'closed', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({ reason: '不满意' }) },
  archive: { state: 'closed', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({}) },
  merge: { state: 'received', allowed: ['operator', 'dispatcher', 'supervisor', 'administrator'], body: () => ({}) },
  cancel: { state: 'received', allowed: ['dispatcher', 'supervisor', 'administrator'], body: () => ({ reason: '骚扰' }) },
};

describe('API: every ticket action by every role', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const as = {} as Record<Who, SignedInAgent>;
  const ids = { lead: '', other: '', parent: '' };
  let parentTicket = '';
  let inserted = 0;

  before(async function () {
    this.timeout(60_000);
    const parent = await aDepartment(t.services, { kind: 'district' });
    const lead = await aDepartment(t.services, { kind: 'street', parentId: parent.id });
    const other = await aDepartment(t.services, { kind: 'bureau' });
    Object.assign(ids, { lead: lead.id, other: other.id, parent: parent.id });
    for (const role of ['operator', 'dispatcher', 'supervisor', 'administrator'] as const) {
      as[role] = await signIn(t.app, (await aUser(t.services, [role])).username, testPassword);
    }
    as.department_staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: lead.id })).username, testPassword);
    as.department_head = await signIn(t.app, (await aUser(t.services, ['department_head'], { departmentId: lead.id })).username, testPassword);
    as.parent_staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: parent.id })).username, testPassword);
    as.other_staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: other.id })).username, testPassword);
    parentTicket = await insertTicket('received');
  });

  /** A ticket in the given state as the lifecycle leaves it, written straight to the database. */
  async function insertTicket(state: TicketState, action?: HttpAction): Promise<string> {
    const leadDept = { id: ids.lead, ancestors: [ids.parent] };
    const ticket = aTicketIn(state);
    if (ticket.assignments.length) {
      ticket.assignments = [{ ...ticket.assignments[0]!, departmentId: ids.lead, departmentAncestors: [ids.parent] }];
      if (action === 'release_assist') ticket.assignments.push(aPart({ id: ids.other, ancestors: [] }, 'assist', 'accepted'));
      ticket.scope = [...new Set(ticket.assignments.flatMap((a) => [a.departmentId, ...a.departmentAncestors]))];
    }
    if (action === 'approve_extension' || action === 'deny_extension') {
      ticket.pendingExtension = { departmentId: leadDept.id, until: new Date('2026-04-30T01:00:00Z'), reason: '施工', requestedAt: t.clock.now() };
    }
    if (action === 'undo_auto_dispatch') ticket.routing = { ...ticket.routing, status: 'auto_dispatched', autoDispatchedAt: ticket.assignments[0]!.dispatchedAt };
    if (action === 'archive') ticket.callback = { resolved: true, satisfaction: 'satisfied', comment: null, at: t.clock.now(), via: 'phone' };
    const _id = new Types.ObjectId();
    await t.services.tickets.tickets.create({ ...ticket, _id, number: `20260302${String(900_000 + inserted++)}` });
    return String(_id);
  }

  for (const action of Object.keys(actionBodies) as HttpAction[]) {
    const { state, allowed, body } = cases[action];
    it(`${action}: ${allowed.join(', ')} may; everyone else is refused; in the wrong state, 409`, async () => {
      const path = action.replaceAll('_', '-');
      for (const who of Object.keys(as) as Who[]) {
        const id = await insertTicket(state, action);
        const payload = action === 'merge' ? { parentId: parentTicket } : body(ids);
        const res = await as[who].post(`/api/tickets/${id}/${path}`).send(payload);
        // Departments see only tickets assigned to them (the other department only as an assisting one).
        const centre = ['operator', 'dispatcher', 'supervisor', 'administrator'].includes(who);
        const canSee = centre || (who === 'other_staff' ? action === 'release_assist' : state !== 'received');
        const expected = allowed.includes(who) ? 200 : canSee ? 403 : 404;
        assert.equal(res.status, expected, `${who} ${action} in ${state}: ${JSON.stringify(res.body)}`);
      }
      const doer = as[allowed[0]!];
      const wrongState: TicketState = state === 'archived' ? 'received' : 'archived';
      const archivedId = await insertTicket(wrongState);
      const refused = await doer.post(`/api/tickets/${archivedId}/${path}`).send(action === 'merge' ? { parentId: parentTicket } : body(ids));
      if (refused.status !== 404) {
        assert.equal(refused.status, 409, `${action} in ${wrongState}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.error.details.state, wrongState);
        assert.ok(Array.isArray(refused.body.error.details.allowedActions));
      }
    });
  }
});
