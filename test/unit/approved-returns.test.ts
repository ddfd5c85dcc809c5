import assert from 'node:assert/strict';
import { emptyCounters, ticketRollups, type Counters } from '../../core/analytics/department-counters.js';
import { ratesOf } from '../../core/analytics/rates.js';
import { decide, type ActionInputs, type TicketAction } from '../../core/tickets/ticket-lifecycle.js';
import type { Ticket } from '../../core/tickets/ticket.js';
import { aTicketIn, anActor, leadDept, lifecycleEnv, monday10, otherDept } from '../builders/tickets.js';

const dispatcher = anActor(['dispatcher']);
const staffOf = (dept: { id: string }) => anActor(['department_staff'], dept.id);
const dayAfter = (days: number) => new Date(monday10.getTime() + days * 86_400_000);

/** Walks a ticket through the transition table, adding each step's department roll-ups per day as the reaction would. */
function walk() {
  let ticket: Ticket = aTicketIn('received');
  const byDay = new Map<string, Map<string, Counters>>();
  const step = <A extends TicketAction>(action: A, input: ActionInputs[A], actor = dispatcher, when = monday10) => {
    const previous = ticket;
    ticket = decide(ticket, action, input, actor, lifecycleEnv(when)).ticket;
    for (const delta of ticketRollups({ action, at: when, actor, data: {} }, ticket, previous, [])) {
      if (delta.kind !== 'departments') continue;
      const day = byDay.get(delta.day) ?? new Map<string, Counters>();
      for (const key of delta.keys) {
        const sum = day.get(key) ?? emptyCounters();
        for (const [name, value] of Object.entries(delta.counts)) sum[name as keyof Counters] += value;
        day.set(key, sum);
      }
      byDay.set(delta.day, day);
    }
    return walker;
  };
  /** A department's counters summed over the given China days. */
  const totals = (departmentId: string, days: readonly string[]) => {
    const sum = emptyCounters();
    for (const day of days) for (const [name, value] of Object.entries(byDay.get(day)?.get(departmentId) ?? {})) sum[name as keyof Counters] += value;
    return sum;
  };
  const walker = { step, totals };
  return walker;
}

describe('Analytics: an approved return does not count against the department that returned', () => {
  it('when a misrouted ticket is returned unaccepted and the return approved, then the returning department has nothing dispatched that day, and the new department has it', () => {
    const w = walk()
      .step('dispatch', { lead: leadDept })
      .step('return', { reason: '非本单位职责' }, staffOf(leadDept))
      .step('approve_return', { lead: otherDept, reason: '改派交通委' });
    const returned = w.totals(leadDept.id, ['2026-03-02']);
    assert.equal(returned.dispatched, 0);
    assert.equal(returned.returned, 1, 'the return itself is still told');
    assert.equal(ratesOf(returned).response, null, 'no response was owed: neither for nor against');
    assert.equal(w.totals(otherDept.id, ['2026-03-02']).dispatched, 1);
  });

  it('when a department accepted on Monday and its return is approved on Wednesday, then Monday\'s dispatch and acceptance are both taken back', () => {
    const w = walk()
      .step('dispatch', { lead: leadDept })
      .step('accept', {}, staffOf(leadDept), monday10)
      .step('return', { reason: '经核实属交通委职责' }, staffOf(leadDept), dayAfter(2))
      .step('approve_return', { lead: otherDept }, dispatcher, dayAfter(2));
    const monday = w.totals(leadDept.id, ['2026-03-02']);
    assert.deepEqual([monday.dispatched, monday.accepted, monday.acceptedOnTime], [0, 0, 0]);
    assert.equal(w.totals(leadDept.id, ['2026-03-04']).dispatched, 0, 'nothing is taken from the day of the approval');
  });

  it('when the centre rejects the return, then the dispatch still counts and, unaccepted, lowers the response rate', () => {
    const w = walk()
      .step('dispatch', { lead: leadDept })
      .step('return', { reason: '非本单位职责' }, staffOf(leadDept))
      .step('reject_return', { reason: '属本单位职责' });
    const kept = w.totals(leadDept.id, ['2026-03-02']);
    assert.equal(kept.dispatched, 1);
    assert.equal(ratesOf(kept).response, 0);
  });
});
