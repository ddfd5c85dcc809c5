import assert from 'node:assert/strict';
import { countersFor, counterNames, type Counters } from '../../core/analytics/department-counters.js';
import { rankDepartments, ratesOf } from '../../core/analytics/rates.js';
import { aPart, aTicketIn, leadDept, monday10 } from '../builders/tickets.js';

const counters = (values: Partial<Counters>): Counters => ({ ...(Object.fromEntries(counterNames.map((n) => [n, 0])) as Counters), ...values });
const actor = (departmentId: string | null) => ({ userId: 'u', username: 'u', roles: [], departmentId, via: 'session' });

describe('Analytics: counters from events and the three rates', () => {
  it('when a department accepts late and replies on time, then its day counts one late acceptance and one on-time reply', () => {
    const late = { ...aPart(leadDept, 'lead', 'accepted'), acceptedAt: monday10, acceptedLate: true };
    const ticket = aTicketIn('in_handling', { assignments: [late] });
    assert.deepEqual(countersFor({ action: 'accept', at: monday10, actor: actor(leadDept.id), data: {} }, ticket), [
      { departmentId: leadDept.id, day: '2026-03-02', counts: { accepted: 1, acceptedLate: 1 } },
    ]);
    const replied = aTicketIn('replied');
    assert.deepEqual(countersFor({ action: 'reply', at: monday10, actor: actor(leadDept.id), data: {} }, replied)[0]?.counts, { replied: 1, repliedOnTime: 1 });
  });

  it('when a callback is basically satisfied but unresolved, then resolution and satisfaction are counted for the lead department', () => {
    const ticket = aTicketIn('closed');
    const [delta] = countersFor({ action: 'callback', at: monday10, actor: actor(null), data: { resolved: false, satisfaction: 'basically_satisfied' } }, ticket);
    assert.deepEqual(delta?.counts, { resolutionAnswered: 1, satisfactionAnswered: 1, basicallySatisfied: 1 });
    assert.equal(delta?.departmentId, leadDept.id);
  });

  it('when a ticket is taken in at 23:30 China time, then it counts on that China day and hour, by channel', () => {
    const [delta] = countersFor({ action: 'intake', at: new Date('2026-03-02T15:30:00Z'), actor: actor(null), data: {} }, aTicketIn('received'));
    assert.deepEqual(delta, { departmentId: '*', day: '2026-03-02', channel: 'phone', hour: 23, counts: { received: 1 } });
  });

  it('when rates are computed, then they follow the spec, and the composite weighs 0.2 / 0.4 / 0.4', () => {
    const rates = ratesOf(counters({ dispatched: 10, acceptedOnTime: 8, resolutionAnswered: 5, resolved: 4, satisfactionAnswered: 5, satisfied: 2, basicallySatisfied: 1, replied: 4, repliedOnTime: 3, archived: 5 }));
    assert.equal(rates.response, 0.8);
    assert.equal(rates.resolution, 0.8);
    assert.equal(rates.satisfaction, 0.6);
    assert.equal(rates.onTimeReply, 0.75);
    assert.equal(rates.closure, 0.5);
    assert.ok(Math.abs(rates.composite! - (0.2 * 0.8 + 0.4 * 0.8 + 0.4 * 0.6)) < 1e-12);
  });

  it('when departments are ranked, then the best three and the worst three are named, and unscored ones are not ranked', () => {
    const totals = new Map<string, Counters>();
    for (let i = 1; i <= 7; i++) totals.set(`d${i}`, counters({ dispatched: 10, acceptedOnTime: i }));
    totals.set('idle', counters({}));
    const ranking = rankDepartments(totals);
    assert.deepEqual(ranking.top.map((r) => r.departmentId), ['d7', 'd6', 'd5']);
    assert.deepEqual(ranking.bottom.map((r) => r.departmentId), ['d1', 'd2', 'd3']);
    assert.equal(ranking.rows.at(-1)?.departmentId, 'idle');
    assert.equal(ranking.rows.at(-1)?.rank, 0);
  });

  it('when fewer departments are ranked than twice the number named, then each side gets half and nobody is both praised and named', () => {
    const totals = new Map<string, Counters>();
    for (let i = 1; i <= 5; i++) totals.set(`d${i}`, counters({ dispatched: 10, acceptedOnTime: i }));
    const five = rankDepartments(totals);
    assert.deepEqual(five.top.map((r) => r.departmentId), ['d5', 'd4']);
    assert.deepEqual(five.bottom.map((r) => r.departmentId), ['d1', 'd2']);
    totals.delete('d5');
    totals.delete('d4');
    totals.delete('d3');
    const two = rankDepartments(totals);
    assert.deepEqual([two.top.map((r) => r.departmentId), two.bottom.map((r) => r.departmentId)], [['d2'], ['d1']]);
    totals.delete('d2');
    const one = rankDepartments(totals);
    assert.deepEqual([one.rows[0]?.rank, one.top, one.bottom], [1, [], []]);
  });

  it('when the administrator sets the weights, the number named and a minimum volume, then the ranking follows them', () => {
    const totals = new Map<string, Counters>([
      // Quick to accept, poorly rated; slow to accept, well rated; and one with too few tickets to rank.
      ['quick', counters({ dispatched: 10, acceptedOnTime: 10, satisfactionAnswered: 10, satisfied: 2 })],
      ['liked', counters({ dispatched: 10, acceptedOnTime: 2, satisfactionAnswered: 10, satisfied: 10 })],
      ['small', counters({ dispatched: 2, acceptedOnTime: 2, satisfactionAnswered: 2, satisfied: 2 })],
    ]);
    const byDefault = rankDepartments(totals);
    assert.deepEqual(byDefault.rows.map((r) => r.departmentId), ['small', 'liked', 'quick']);
    const responseFirst = rankDepartments(totals, { weights: { response: 0.8, resolution: 0.1, satisfaction: 0.1 }, named: 1, minimumDispatched: 5 });
    assert.deepEqual(responseFirst.rows.map((r) => [r.departmentId, r.rank]), [['quick', 1], ['liked', 2], ['small', 0]]);
    assert.deepEqual([responseFirst.top.map((r) => r.departmentId), responseFirst.bottom.map((r) => r.departmentId)], [['quick'], ['liked']]);
  });
});
