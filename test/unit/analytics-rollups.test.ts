import assert from 'node:assert/strict';
import { hotspotWords, rollupsFor } from '../../core/analytics/department-counters.js';
import { previousPeriod, risingHotspots } from '../../core/analytics/dashboard.js';
import { gaugeChanges, gaugesOf } from '../../core/analytics/gauges.js';
import { operatorDayDeltas } from '../../core/analytics/operator-days.js';
import type { CallRecord } from '../../core/calls/call-record.js';
import { decide, type ActionInputs, type TicketAction } from '../../core/tickets/ticket-lifecycle.js';
import type { Ticket } from '../../core/tickets/ticket.js';
import { aTicketIn, anActor, assistDept, leadDept, lifecycleEnv, monday10, otherDept } from '../builders/tickets.js';

const dispatcher = anActor(['dispatcher']);
const at = (hours: number) => new Date(monday10.getTime() + hours * 3_600_000);

/** Walks a ticket through the transition table, keeping every step's gauge changes. */
function walk(start: Ticket) {
  let ticket = start;
  const totals = new Map<string, { open: number; overdue: number }>();
  const add = (changes: ReturnType<typeof gaugeChanges>) => {
    for (const [key, change] of changes) {
      const sum = totals.get(key) ?? { open: 0, overdue: 0 };
      totals.set(key, { open: sum.open + (change.open ?? 0), overdue: sum.overdue + (change.overdue ?? 0) });
    }
  };
  add(gaugeChanges(null, ticket));
  const step = <A extends TicketAction>(action: A, input: ActionInputs[A], actor = dispatcher, when = monday10) => {
    const next = decide(ticket, action, input, actor, lifecycleEnv(when)).ticket;
    add(gaugeChanges(ticket, next));
    ticket = next;
    return walker;
  };
  const nonZero = () => new Map([...totals].filter(([, g]) => g.open !== 0 || g.overdue !== 0));
  const walker = { step, totals: nonZero, get ticket() { return ticket; } };
  return walker;
}

describe('Analytics roll-ups: open and overdue gauges, hotspots', () => {
  it('when a ticket waits for dispatch, then it is open in the dispatch queue; dispatched to a lead and an assist, then open in both instead', () => {
    const w = walk(aTicketIn('received'));
    assert.deepEqual(w.totals(), new Map([['*', { open: 1, overdue: 0 }]]));
    w.step('dispatch', { lead: leadDept, assists: [assistDept] });
    assert.deepEqual(w.totals(), new Map([[leadDept.id, { open: 1, overdue: 0 }], [assistDept.id, { open: 1, overdue: 0 }]]));
  });

  it('when a department replies, its part ends; when the reply is sent back, the lead has it in hand again', () => {
    const lead = anActor(['department_staff'], leadDept.id);
    const assist = anActor(['department_staff'], assistDept.id);
    const w = walk(aTicketIn('received'))
      .step('dispatch', { lead: leadDept, assists: [assistDept] })
      .step('accept', {}, lead).step('accept', {}, assist)
      .step('reply', { text: '已协助' }, assist);
    assert.deepEqual(w.totals(), new Map([[leadDept.id, { open: 1, overdue: 0 }]]));
    w.step('reply', { text: '已处理' }, lead);
    assert.equal(w.ticket.state, 'replied');
    assert.deepEqual(w.totals(), new Map());
    w.step('send_back', { reason: '答复不完整' });
    assert.deepEqual(w.totals(), new Map([[leadDept.id, { open: 1, overdue: 0 }]]));
  });

  it('when a red ticket is re-dispatched, then the old department drops out, open and overdue, and the new one takes it', () => {
    const w = walk(aTicketIn('received')).step('dispatch', { lead: leadDept });
    // Three working days later the accept clock (one working day) is red: the sweep records it.
    w.step('warn', { level: 'red' }, { ...dispatcher, roles: ['administrator'], via: 'system' }, at(72));
    assert.deepEqual(w.totals(), new Map([[leadDept.id, { open: 1, overdue: 1 }]]));
    w.step('redispatch', { lead: otherDept, reason: '职责不符' }, dispatcher, at(72));
    assert.deepEqual(w.totals(), new Map([[otherDept.id, { open: 1, overdue: 0 }]]));
  });

  it('when a returned ticket is cancelled, nobody has it in hand any more, whatever the steps were', () => {
    const lead = anActor(['department_staff'], leadDept.id);
    const w = walk(aTicketIn('received')).step('dispatch', { lead: leadDept, assists: [assistDept] }).step('return', { reason: '非本单位职责' }, lead);
    assert.deepEqual(w.totals(), new Map([[assistDept.id, { open: 1, overdue: 0 }]]), 'the assist still holds its part while the return waits');
    w.step('cancel', { reason: '重复工单' });
    assert.deepEqual(w.totals(), new Map());
    assert.deepEqual(gaugesOf(w.ticket), new Map());
  });

  it('when a ticket is taken in, then its category, street and words count as received that China day; later events add none', () => {
    const ticket = aTicketIn('received', { categoryId: 'c'.repeat(24), location: { address: null, departmentId: 'd'.repeat(24), coordinates: null } });
    const late = new Date('2026-03-02T17:00:00Z'); // 01:00 on 3 March in China
    const deltas = rollupsFor({ action: 'intake', at: late }, ticket, null, ['楼道', '杂物']);
    assert.deepEqual(deltas, [
      { kind: 'gauges', day: 'all', keys: ['*'], counts: { open: 1 } },
      { kind: 'categories', day: '2026-03-03', keys: ['c'.repeat(24)], counts: { received: 1 } },
      { kind: 'streets', day: '2026-03-03', keys: ['d'.repeat(24)], counts: { received: 1 } },
      { kind: 'words', day: '2026-03-03', keys: ['楼道', '杂物'], counts: { received: 1 } },
    ]);
    assert.deepEqual(rollupsFor({ action: 'urge', at: late }, ticket, ticket, ['楼道']), []);
  });

  it('when words are picked for hotspots, then numbers, single characters, filler and repeats are left out', () => {
    assert.deepEqual(hotspotWords(['噪音', '12', '噪音', '问题', '水', '施工', '2026']), ['噪音', '施工']);
    assert.deepEqual(hotspotWords(['电梯', '停运', '一周', '一直', '没有', '号楼']), ['电梯', '停运'], 'how long or how often names no topic');
  });

  it('when hotspots are compared with the previous period, then the biggest rise comes first, and the previous period has equal length', () => {
    const rows = risingHotspots(new Map([['a', 10], ['b', 4], ['c', 6]]), new Map([['a', 9], ['b', 0], ['d', 5]]));
    assert.deepEqual(rows.map((r) => [r.key, r.count, r.previous, r.rise]), [['c', 6, 0, 6], ['b', 4, 0, 4], ['a', 10, 9, 1]]);
    assert.deepEqual(previousPeriod({ from: '2026-03-01', to: '2026-03-31' }), { from: '2026-01-29', to: '2026-02-28' });
    assert.deepEqual(previousPeriod({ from: '2026-03-02', to: '2026-03-02' }), { from: '2026-03-01', to: '2026-03-01' });
  });

  describe('operator days from the writes of a call record', () => {
    const ringing: CallRecord = {
      _id: 'k', callId: 'c1', direction: 'inbound', caller: '13800138000', callee: '12345', callerWithheld: false, operatorId: 'op-a', operatorUsername: 'alice', operatorSipUser: 'op-alice',
      arrivedAt: new Date('2026-03-02T15:59:50Z'), offeredAt: new Date('2026-03-02T15:59:54Z'), answeredAt: null, endedAt: null, outcome: null, reason: null, endedBy: null,
      queueSeconds: 4, ringSeconds: null, talkSeconds: null, afterCallWorkSeconds: null, ticketIds: [], resolvedOnCall: false, browser: null, version: 2, updatedAt: new Date('2026-03-02T15:59:54Z'),
      effects: [], effectsDueAt: null,
    };
    // Answered at 00:00:03 on 3 March, China time: the call counts on that China day.
    const answered = { ...ringing, answeredAt: new Date('2026-03-02T16:00:03Z'), outcome: 'answered' as const, ringSeconds: 9, version: 3 };
    const ended = { ...answered, endedAt: new Date('2026-03-02T16:01:03Z'), talkSeconds: 60, reason: 'bye', version: 4 };

    it('when an inbound call is answered, then its operator gets the call and its answer time on the China day of the answer; a ringing or missed call adds nothing', () => {
      assert.deepEqual(operatorDayDeltas(null, ringing), []);
      assert.deepEqual(operatorDayDeltas(ringing, answered), [{ kind: 'operators', day: '2026-03-03', keys: ['op-a'], counts: { answered: 1, answerSeconds: 13 } }]);
      assert.deepEqual(operatorDayDeltas(ringing, { ...ringing, outcome: 'missed', endedAt: new Date('2026-03-02T16:00:20Z') }), []);
      assert.deepEqual(operatorDayDeltas(null, { ...answered, direction: 'outbound' }), [], 'outbound calls are not answered for the hotline');
      assert.deepEqual(operatorDayDeltas(null, { ...answered, operatorId: null }), [], 'nor calls of an unknown operator');
    });

    it('when the end, the after-call work and 直办 are written, then each adds only what it changes; a write changing none of the figures adds nothing', () => {
      assert.deepEqual(operatorDayDeltas(answered, ended), [{ kind: 'operators', day: '2026-03-03', keys: ['op-a'], counts: { handleSeconds: 60 } }]);
      const worked = { ...ended, afterCallWorkSeconds: 25, version: 5 };
      assert.deepEqual(operatorDayDeltas(ended, worked), [{ kind: 'operators', day: '2026-03-03', keys: ['op-a'], counts: { handleSeconds: 25 } }]);
      const resolved = { ...worked, ticketIds: ['t'.repeat(24)], resolvedOnCall: true, version: 6 };
      assert.deepEqual(operatorDayDeltas(worked, resolved), [{ kind: 'operators', day: '2026-03-03', keys: ['op-a'], counts: { resolvedOnCall: 1 } }]);
      assert.deepEqual(operatorDayDeltas(resolved, { ...resolved, browser: { audio: { codec: 'opus' } }, version: 7 }), []);
      // The steps add up to the figures of the finished record.
      const sum: Record<string, number> = {};
      for (const [a, b] of [[null, ringing], [ringing, answered], [answered, ended], [ended, worked], [worked, resolved]] as const) {
        for (const d of operatorDayDeltas(a, b)) for (const [k, v] of Object.entries(d.counts)) sum[k] = (sum[k] ?? 0) + v;
      }
      assert.deepEqual(sum, { answered: 1, answerSeconds: 13, handleSeconds: 85, resolvedOnCall: 1 });
    });

    it("when a write moves a call to another operator, then the first operator's figures are taken back and the other's added", () => {
      assert.deepEqual(operatorDayDeltas(ended, { ...ended, operatorId: 'op-b', operatorUsername: 'bob' }), [
        { kind: 'operators', day: '2026-03-03', keys: ['op-a'], counts: { answered: -1, answerSeconds: -13, handleSeconds: -60 } },
        { kind: 'operators', day: '2026-03-03', keys: ['op-b'], counts: { answered: 1, answerSeconds: 13, handleSeconds: 60 } },
      ]);
    });
  });
});
