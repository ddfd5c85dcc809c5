import assert from 'node:assert/strict';
import { systemActor, type Actor } from '../../../core/accounts/access.js';
import { DomainError } from '../../../core/platform/errors.js';
import { allowedActions, decide, ticketActions, type ActionInputs, type TicketAction } from '../../../core/tickets/ticket-lifecycle.js';
import { ticketStates, type TicketState } from '../../../core/tickets/ticket.js';
import { aPart, aTicketIn, anActor, assistDept, leadDept, lifecycleEnv, monday10, otherDept } from '../../builders/tickets.js';

const inputs: { [A in TicketAction]: ActionInputs[A] } = {
  resolve_on_call: { answer: '按知识库答复' },
  propose_routing: { suggestions: [{ departmentId: leadDept.id, categoryId: null, label: '城乡建设', confidence: 0.95, source: 'classifier' }] },
  dispatch: { lead: leadDept },
  undo_auto_dispatch: { reason: '应由交通部门办理' },
  accept: {},
  request_info: { items: ['具体门牌号'] },
  receive_info: {},
  interim_reply: { text: '正在协调' },
  reply: { text: '已清理' },
  release_assist: { departmentId: assistDept.id, reason: '不涉及' },
  approve_reply: {},
  send_back: { reason: '答复不完整' },
  return: { reason: '不属于本单位职责' },
  approve_return: { lead: otherDept },
  reject_return: { reason: '属于你单位职责' },
  redispatch: { lead: otherDept, reason: '派错单位' },
  request_extension: { until: new Date('2026-03-20T02:00:00Z'), reason: '需要施工' },
  approve_extension: {},
  deny_extension: { reason: '理由不足' },
  warn: { level: 'red' },
  send_survey: { sent: true },
  urge: {},
  supervise: { reason: '超期未办' },
  callback: { resolved: false, satisfaction: 'dissatisfied', via: 'phone' },
  reopen: { reason: '市民不满意' },
  requester_message: { channel: 'email', text: '补充照片', messageKey: 'email:m1@example.org', attachments: [{ name: 'photo.jpg', contentType: 'image/jpeg', size: 1000, url: null }] },
  archive: {},
  merge: { parentId: 'cccccccccccccccccccccccc' },
  cancel: { reason: '骚扰电话' },
};

/**
 * The specification the table must meet, written independently of it: for each action, the
 * states that allow it (for the ticket as `aTicketIn` builds it) and the state it leads to.
 */
const expected: Record<TicketAction, Partial<Record<TicketState, TicketState>>> = {
  resolve_on_call: { received: 'awaiting_callback' },
  propose_routing: { received: 'received' },
  dispatch: { received: 'dispatched' },
  // Only an automatic dispatch can be undone; its own tests below build one.
  undo_auto_dispatch: {},
  accept: { dispatched: 'in_handling' },
  request_info: { in_handling: 'waiting_info' },
  receive_info: { waiting_info: 'in_handling' },
  interim_reply: { in_handling: 'in_handling', waiting_info: 'waiting_info' },
  reply: { in_handling: 'replied' },
  release_assist: {},
  approve_reply: { replied: 'awaiting_callback' },
  send_back: { replied: 'in_handling' },
  return: { dispatched: 'returned', in_handling: 'returned' },
  approve_return: { returned: 'dispatched' },
  reject_return: { returned: 'in_handling' },
  redispatch: { dispatched: 'dispatched', in_handling: 'dispatched', waiting_info: 'dispatched' },
  request_extension: { in_handling: 'in_handling', waiting_info: 'waiting_info' },
  approve_extension: {},
  deny_extension: {},
  send_survey: { awaiting_callback: 'awaiting_callback' },
  warn: { received: 'received', dispatched: 'dispatched', in_handling: 'in_handling', waiting_info: 'waiting_info', returned: 'returned', awaiting_callback: 'awaiting_callback' },
  urge: { dispatched: 'dispatched', in_handling: 'in_handling', waiting_info: 'waiting_info', returned: 'returned', replied: 'replied' },
  supervise: { dispatched: 'dispatched', in_handling: 'in_handling', waiting_info: 'waiting_info', returned: 'returned' },
  callback: { awaiting_callback: 'closed' },
  reopen: { closed: 'dispatched' },
  requester_message: {
    received: 'received', dispatched: 'dispatched', in_handling: 'in_handling', waiting_info: 'waiting_info', returned: 'returned', replied: 'replied',
    awaiting_callback: 'awaiting_callback', closed: 'closed',
  },
  archive: {},
  merge: { received: 'merged', dispatched: 'merged', in_handling: 'merged', waiting_info: 'merged', returned: 'merged' },
  cancel: { received: 'cancelled', dispatched: 'cancelled', in_handling: 'cancelled', waiting_info: 'cancelled', returned: 'cancelled' },
};

const operator = anActor(['operator']);
const dispatcher = anActor(['dispatcher']);
const supervisor = anActor(['supervisor']);
const administrator = anActor(['administrator']);
const leadStaff = anActor(['department_staff'], leadDept.id);
const leadHead = anActor(['department_head'], leadDept.id);
const parentDeptStaff = anActor(['department_staff'], leadDept.ancestors[0]!);
const otherStaff = anActor(['department_staff'], otherDept.id);

/** Who may take each action (in a state that allows it); everybody else is refused with FORBIDDEN. */
const mayAct: Record<TicketAction, Actor[]> = {
  resolve_on_call: [operator, dispatcher, supervisor, administrator],
  propose_routing: [systemActor],
  dispatch: [dispatcher, supervisor, administrator],
  undo_auto_dispatch: [dispatcher, supervisor, administrator],
  accept: [leadStaff, leadHead, parentDeptStaff],
  request_info: [leadStaff, leadHead, parentDeptStaff],
  receive_info: [leadStaff, leadHead, parentDeptStaff],
  interim_reply: [leadStaff, leadHead, parentDeptStaff],
  reply: [leadStaff, leadHead, parentDeptStaff],
  release_assist: [dispatcher, supervisor, administrator],
  approve_reply: [dispatcher, supervisor, administrator],
  send_back: [dispatcher, supervisor, administrator],
  return: [leadStaff, leadHead, parentDeptStaff],
  approve_return: [dispatcher, supervisor, administrator],
  reject_return: [dispatcher, supervisor, administrator],
  redispatch: [dispatcher, supervisor, administrator],
  request_extension: [leadStaff, leadHead, parentDeptStaff],
  approve_extension: [dispatcher, supervisor, administrator],
  deny_extension: [dispatcher, supervisor, administrator],
  warn: [systemActor],
  send_survey: [systemActor],
  urge: [dispatcher, supervisor, administrator],
  supervise: [supervisor, administrator],
  callback: [operator, dispatcher, supervisor, administrator],
  reopen: [dispatcher, supervisor, administrator],
  requester_message: [systemActor],
  archive: [dispatcher, supervisor, administrator],
  merge: [operator, dispatcher, supervisor, administrator],
  cancel: [dispatcher, supervisor, administrator],
};
const everyone = [operator, dispatcher, supervisor, administrator, leadStaff, leadHead, parentDeptStaff, otherStaff];

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  assert.fail('expected a refusal');
}

describe('Ticket lifecycle: the transition table', () => {
  const env = lifecycleEnv();

  for (const action of ticketActions) {
    for (const state of ticketStates) {
      const to = expected[action][state];
      const actor = mayAct[action][0]!;
      it(`${action} in ${state}: ${to ? `→ ${to}` : 'refused'}`, () => {
        const ticket = aTicketIn(state);
        if (to) {
          const { ticket: next, event } = decide(ticket, action, inputs[action] as never, actor, env);
          assert.equal(next.state, to);
          assert.equal(event.from, state);
          assert.equal(event.to, to);
          assert.equal(event.action, action);
          assert.equal(ticket.state, state, 'the input ticket is not mutated');
        } else {
          const err = refusal(() => decide(ticket, action, inputs[action] as never, actor, env));
          assert.equal(err.code, 'INVALID_TRANSITION', `${action} in ${state}: ${err.message}`);
          assert.equal(err.details?.state, state);
          assert.ok(Array.isArray(err.details?.allowedActions));
        }
      });
    }
  }

  for (const action of ticketActions) {
    const states = Object.keys(expected[action]) as TicketState[];
    if (states.length === 0) continue;
    it(`${action}: only the right roles and departments may take it`, () => {
      const ticket = aTicketIn(states[0]!);
      for (const actor of everyone) {
        const allowed = mayAct[action].includes(actor);
        if (allowed) decide(ticket, action, inputs[action] as never, actor, env);
        else assert.equal(refusal(() => decide(ticket, action, inputs[action] as never, actor, env)).code, 'FORBIDDEN', `${actor.username} ${action}`);
        assert.equal(allowedActions(ticket, actor, env).includes(action), allowed, `${actor.username} ${action} in allowedActions`);
      }
    });
  }

  it('when the lead replies but an assisting department has not, then the ticket stays in handling until it replies or is released', () => {
    const ticket = aTicketIn('in_handling', { assignments: [aPart(leadDept, 'lead', 'accepted'), aPart(assistDept, 'assist', 'accepted')] });
    const assistStaff = anActor(['department_staff'], assistDept.id);
    const afterLead = decide(ticket, 'reply', { text: '主办已答复' }, leadStaff, env).ticket;
    assert.equal(afterLead.state, 'in_handling');
    assert.equal(decide(afterLead, 'reply', { text: '协办已答复' }, assistStaff, env).ticket.state, 'replied');
    assert.equal(decide(afterLead, 'release_assist', { departmentId: assistDept.id, reason: '不涉及' }, dispatcher, env).ticket.state, 'replied');
    assert.equal(refusal(() => decide(afterLead, 'reply', { text: '再答复' }, leadStaff, env)).code, 'INVALID_TRANSITION');
  });

  it('when a ticket was returned more often than the cap, then only a supervisor decides the return', () => {
    const ticket = aTicketIn('returned', { returnCount: 3 });
    assert.equal(refusal(() => decide(ticket, 'approve_return', { lead: otherDept }, dispatcher, env)).code, 'INVALID_TRANSITION');
    assert.equal(decide(ticket, 'approve_return', { lead: otherDept }, supervisor, env).ticket.state, 'dispatched');
    assert.equal(decide(aTicketIn('returned', { returnCount: 2 }), 'approve_return', { lead: otherDept }, dispatcher, env).ticket.state, 'dispatched');
  });

  it('when information is requested and arrives later, then the reply deadline moves by the working time waited', () => {
    const ticket = aTicketIn('in_handling');
    const waiting = decide(ticket, 'request_info', { items: ['门牌号'] }, leadStaff, env).ticket;
    assert.equal(waiting.dueAt, null, 'no deadline while paused');
    assert.equal(refusal(() => decide({ ...waiting, state: 'in_handling' }, 'request_info', { items: ['再要一次'] }, leadStaff, env)).code, 'INVALID_TRANSITION');
    // Two working days later (Wednesday 10:00) the material arrives: 5 working days become due on Wednesday next week.
    const resumed = decide(waiting, 'receive_info', {}, leadStaff, lifecycleEnv(new Date('2026-03-04T02:00:00Z'))).ticket;
    assert.equal(resumed.dueAt?.toISOString(), '2026-03-11T02:00:00.000Z');
  });

  it('when an extension is requested and approved, then the lead reply deadline becomes the requested one', () => {
    const ticket = aTicketIn('in_handling');
    const until = new Date('2026-03-20T09:30:00Z');
    const requested = decide(ticket, 'request_extension', { until, reason: '需要施工' }, leadStaff, env).ticket;
    assert.equal(requested.pendingExtension?.until, until);
    assert.equal(refusal(() => decide(requested, 'request_extension', { until, reason: '再申请' }, leadStaff, env)).code, 'INVALID_TRANSITION');
    const approved = decide(requested, 'approve_extension', {}, dispatcher, env).ticket;
    assert.equal(approved.dueAt?.toISOString(), until.toISOString());
    assert.equal(approved.pendingExtension, null);
    const denied = decide(requested, 'deny_extension', { reason: '理由不足' }, dispatcher, env).ticket;
    assert.equal(denied.dueAt?.toISOString(), '2026-03-09T02:00:00.000Z');
    const tooEarly = refusal(() => decide(ticket, 'request_extension', { until: new Date('2026-03-03T02:00:00Z'), reason: '早' }, leadStaff, env));
    assert.equal(tooEarly.code, 'EXTENSION_NOT_LATER');
    assert.equal(tooEarly.details?.field, 'until');
  });

  it('when the callback is satisfied and resolved, then the ticket is archived, not reopened', () => {
    const closed = aTicketIn('closed', { callback: { resolved: true, satisfaction: 'satisfied', comment: null, at: monday10, via: 'phone' } });
    assert.equal(decide(closed, 'archive', {}, dispatcher, env).ticket.state, 'archived');
    assert.equal(refusal(() => decide(closed, 'reopen', { reason: '无' }, dispatcher, env)).code, 'INVALID_TRANSITION');
  });

  it('when a dissatisfied ticket is reopened, then the same lead department gets it again with fresh clocks', () => {
    const reopened = decide(aTicketIn('closed'), 'reopen', { reason: '市民不满意' }, dispatcher, lifecycleEnv(new Date('2026-03-10T02:00:00Z'))).ticket;
    assert.equal(reopened.assignments[0]?.departmentId, leadDept.id);
    assert.equal(reopened.assignments[0]?.state, 'dispatched');
    assert.equal(reopened.reopenCount, 1);
    assert.equal(reopened.dueAt?.toISOString(), '2026-03-17T02:00:00.000Z');
  });

  it('when a department accepts after its accept limit, then the acceptance is counted late and the warning is red', () => {
    const late = decide(aTicketIn('dispatched'), 'accept', {}, leadStaff, lifecycleEnv(new Date('2026-03-03T03:00:00Z'))).ticket;
    assert.equal(late.assignments[0]?.acceptedLate, true);
    const onTime = decide(aTicketIn('dispatched'), 'accept', {}, leadStaff, lifecycleEnv(new Date('2026-03-02T08:00:00Z'))).ticket;
    assert.equal(onTime.assignments[0]?.acceptedLate, false);
  });

  it('when a clock turns red, then only the system raises the warning once, and red urges the department', () => {
    const redNow = new Date('2026-03-09T03:00:00Z');
    const overdue = aTicketIn('in_handling', { warning: 'red', warnedLevel: 'yellow' });
    const { ticket } = decide(overdue, 'warn', { level: 'red' }, systemActor, lifecycleEnv(redNow));
    assert.equal(ticket.warnedLevel, 'red');
    assert.equal(ticket.urgeCount, 1);
    assert.equal(refusal(() => decide(ticket, 'warn', { level: 'red' }, systemActor, lifecycleEnv(redNow))).code, 'INVALID_TRANSITION');
    assert.equal(refusal(() => decide(overdue, 'warn', { level: 'red' }, supervisor, lifecycleEnv(redNow))).code, 'FORBIDDEN');
    // Red since Monday 10:00: supervision is due one working day later, the sweep finds it then.
    assert.equal(ticket.nextDeadlineAt?.toISOString(), '2026-03-10T02:00:00.000Z');
  });

  it('when a clock outside the departments\' hands turns red (dispatch, callback), then no supervision instant is due: the sweep only supervises tickets in their hands', () => {
    const redNow = new Date('2026-03-09T03:00:00Z');
    for (const state of ['received', 'awaiting_callback'] as const) {
      const { ticket } = decide(aTicketIn(state), 'warn', { level: 'red' }, systemActor, lifecycleEnv(redNow));
      assert.equal(ticket.warning, 'red', state);
      assert.equal(ticket.nextDeadlineAt, null, state);
    }
  });

  describe('undoing an automatic dispatch', () => {
    const proposed = (): ReturnType<typeof aTicketIn> =>
      decide(aTicketIn('received'), 'propose_routing', inputs.propose_routing, systemActor, env).ticket;
    const autoDispatched = () => decide(proposed(), 'dispatch', { lead: leadDept }, systemActor, env).ticket;
    const minutesLater = (minutes: number) => lifecycleEnv(new Date(monday10.getTime() + minutes * 60_000));

    it('when the routing job dispatched a ticket, then a dispatcher may take it back within the window and it waits in the queue with a fresh dispatch clock', () => {
      const ticket = autoDispatched();
      assert.equal(ticket.routing.status, 'auto_dispatched');
      assert.equal(ticket.routing.autoDispatchedAt, monday10);
      const { ticket: undone, event } = decide(ticket, 'undo_auto_dispatch', { reason: '应由交通部门办理' }, dispatcher, minutesLater(30));
      assert.equal(undone.state, 'received');
      assert.equal(undone.routing.status, 'undone');
      assert.deepEqual(undone.assignments, []);
      assert.deepEqual(undone.scope, []);
      assert.equal(undone.dispatchClock?.startedAt.getTime(), monday10.getTime() + 30 * 60_000);
      assert.equal(event.reason, '应由交通部门办理');
      const redispatched = decide(undone, 'dispatch', { lead: otherDept }, dispatcher, minutesLater(31)).ticket;
      assert.equal(redispatched.routing.status, 'undone', 'a dispatcher\'s dispatch is not an automatic one');
    });

    it('when the department already accepted it, then it may still be undone within the window', () => {
      const accepted = decide(autoDispatched(), 'accept', {}, leadStaff, minutesLater(5)).ticket;
      assert.equal(decide(accepted, 'undo_auto_dispatch', { reason: '派错' }, supervisor, minutesLater(10)).ticket.state, 'received');
    });

    it('when the window has passed, then the undo is refused and no longer offered', () => {
      const late = minutesLater(30.5);
      assert.equal(refusal(() => decide(autoDispatched(), 'undo_auto_dispatch', { reason: '派错' }, dispatcher, late)).code, 'INVALID_TRANSITION');
      assert.equal(allowedActions(autoDispatched(), dispatcher, late).includes('undo_auto_dispatch'), false);
      assert.equal(allowedActions(autoDispatched(), dispatcher, minutesLater(29)).includes('undo_auto_dispatch'), true);
    });

    it('when a person dispatched the ticket, or redispatched it since, then there is no automatic dispatch to undo', () => {
      const byHand = decide(proposed(), 'dispatch', { lead: leadDept }, dispatcher, env).ticket;
      assert.match(refusal(() => decide(byHand, 'undo_auto_dispatch', { reason: '派错' }, dispatcher, env)).message, /not dispatched automatically/u);
      const redispatched = decide(autoDispatched(), 'redispatch', { lead: otherDept, reason: '改派' }, dispatcher, minutesLater(1)).ticket;
      assert.match(refusal(() => decide(redispatched, 'undo_auto_dispatch', { reason: '派错' }, dispatcher, minutesLater(2))).message, /dispatched again/u);
    });

    it('when a department or an operator tries to undo it, then it is forbidden', () => {
      for (const actor of [operator, leadStaff, leadHead]) {
        assert.equal(refusal(() => decide(autoDispatched(), 'undo_auto_dispatch', { reason: '派错' }, actor, env)).code, 'FORBIDDEN', actor.username);
      }
    });
  });
});
