import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import { annulmentTakesBack, draftEntry, entryStep } from '../../core/accountability/accountability-entry.js';
import { buildBulletins } from '../../core/accountability/bulletin.js';
import { emptyCounters } from '../../core/analytics/department-counters.js';
import { ratesOf } from '../../core/analytics/rates.js';
import { defaultSteps, sweepSteps } from '../../core/sla/deadline-sweep.js';
import { decide, defaultDecisionsNone, settleClocks } from '../../core/tickets/ticket-lifecycle.js';
import type { TicketEvent } from '../../core/tickets/ticket-events.js';
import type { Ticket } from '../../core/tickets/ticket.js';
import { aTicketIn, anActor, leadDept, lifecycleEnv, monday10, otherDept } from '../builders/tickets.js';

const tuesday11 = new Date('2026-03-03T03:00:00Z');

function anEvent(action: string, data: Record<string, unknown> = {}, at = tuesday11): TicketEvent {
  return {
    _id: 't1:4', ticketId: 't1', version: 4, at, action, from: 'dispatched', to: 'dispatched', reason: null, data,
    actor: { userId: null, username: 'system', roles: ['administrator'], departmentId: null, via: 'system' },
  };
}

describe('Accountability ledger rules', () => {
  describe('which ticket changes become entries', () => {
    it('when a red warning is raised on a part not yet accepted, then the lead department is liable for the accept stage', () => {
      const draft = draftEntry({ event: anEvent('warn', { level: 'red' }), ticket: aTicketIn('dispatched') });
      assert.equal(draft?.kind, 'missed_deadline');
      assert.equal(draft?.stage, 'accept');
      assert.equal(draft?.part.departmentId, leadDept.id);
      assert.deepEqual(draft?.counted, [{ departmentId: leadDept.id, day: '2026-03-03', counts: { urged: 1 } }]);
    });

    it('when the red warning comes after acceptance, then it is the reply stage; a yellow warning or a red one at callback is no entry', () => {
      assert.equal(draftEntry({ event: anEvent('warn', { level: 'red' }), ticket: aTicketIn('in_handling') })?.stage, 'reply');
      assert.equal(draftEntry({ event: anEvent('warn', { level: 'yellow' }), ticket: aTicketIn('dispatched') }), null);
      assert.equal(draftEntry({ event: anEvent('warn', { level: 'red' }), ticket: aTicketIn('awaiting_callback') }), null);
    });

    it('when a dissatisfied callback reopens the ticket, then the answer and the reopen are what the entry counted', () => {
      const closed = aTicketIn('closed');
      const reopened: Ticket = { ...closed, state: 'dispatched', reopenCount: 1 };
      const draft = draftEntry({ event: anEvent('reopen'), ticket: reopened });
      assert.equal(draft?.kind, 'dissatisfied_reopen');
      assert.deepEqual(draft?.counted, [
        { departmentId: leadDept.id, day: '2026-03-02', counts: { satisfactionAnswered: 1, dissatisfied: 1 } },
        { departmentId: leadDept.id, day: '2026-03-03', counts: { reopened: 1 } },
      ]);
    });

    it('when a reopen follows an unresolved but not dissatisfied callback, then no entry', () => {
      const closed = aTicketIn('closed', { callback: { resolved: false, satisfaction: 'basically_satisfied', comment: null, at: monday10, via: 'phone' } });
      assert.equal(draftEntry({ event: anEvent('reopen'), ticket: { ...closed, state: 'dispatched' } }), null);
    });
  });

  describe('what an annulment takes back', () => {
    it('when a missed accept deadline is annulled after a late accept, then the urge is taken back and the accept counts as on time', () => {
      const ticket = aTicketIn('in_handling');
      ticket.assignments[0]!.acceptedAt = tuesday11;
      ticket.assignments[0]!.acceptedLate = true;
      const entry = { kind: 'missed_deadline' as const, departmentId: leadDept.id, partDispatchedAt: monday10, counted: [{ departmentId: leadDept.id, day: '2026-03-03', counts: { urged: 1 } }] };
      assert.deepEqual(annulmentTakesBack(entry, ticket), [
        { departmentId: leadDept.id, day: '2026-03-03', counts: { urged: -1 } },
        { departmentId: leadDept.id, day: '2026-03-03', counts: { acceptedLate: -1, acceptedOnTime: 1 } },
      ]);
    });

    it('when the part was dispatched again since, then only what the entry counted is taken back', () => {
      const ticket = aTicketIn('in_handling');
      ticket.assignments[0]!.acceptedLate = true;
      const entry = { kind: 'missed_deadline' as const, departmentId: leadDept.id, partDispatchedAt: tuesday11, counted: [] };
      assert.deepEqual(annulmentTakesBack(entry, ticket), []);
    });
  });

  describe('the appeal transition table', () => {
    const entry = { state: 'recorded' as const, departmentId: leadDept.id, departmentAncestors: leadDept.ancestors };

    it('when the liable department (or one above it) appeals a recorded entry, then it is appealed; another department is refused', () => {
      assert.equal(entryStep(entry, 'appeal', anActor(['department_staff'], leadDept.id)), 'appealed');
      assert.equal(entryStep(entry, 'appeal', anActor(['department_head'], leadDept.ancestors[0]!)), 'appealed');
      assert.throws(() => entryStep(entry, 'appeal', anActor(['department_head'], otherDept.id)), { code: 'FORBIDDEN' });
      assert.throws(() => entryStep(entry, 'appeal', anActor(['supervisor'])), { code: 'FORBIDDEN' });
    });

    it('when an entry was appealed once, then it cannot be appealed again, and only a supervisor decides it', () => {
      const appealed = { ...entry, state: 'appealed' as const };
      assert.throws(() => entryStep(appealed, 'appeal', anActor(['department_staff'], leadDept.id)), { code: 'INVALID_TRANSITION' });
      assert.throws(() => entryStep(appealed, 'annul', anActor(['department_head'], leadDept.id)), { code: 'FORBIDDEN' });
      assert.equal(entryStep(appealed, 'annul', anActor(['supervisor'])), 'annulled');
      assert.equal(entryStep(appealed, 'uphold', anActor(['supervisor'])), 'upheld');
    });

    it('when an entry is not appealed or already decided, then no decision is taken on it', () => {
      assert.throws(() => entryStep(entry, 'uphold', anActor(['supervisor'])), { code: 'INVALID_TRANSITION' });
      assert.throws(() => entryStep({ ...entry, state: 'annulled' }, 'uphold', anActor(['supervisor'])), { code: 'INVALID_TRANSITION' });
    });
  });

  describe('default decisions (超时默认)', () => {
    const deemed = (now: Date) => ({ ...lifecycleEnv(now), defaults: { ...defaultDecisionsNone, accept: 'deem_accepted' as const } });
    const deem = { departmentId: leadDept.id, reason: '超过签收时限未签收，视为已签收' };

    it('when the accept deadline has passed and the default is configured, then the sweep deems the part accepted instead of warning red', () => {
      const ticket = aTicketIn('dispatched');
      assert.deepEqual(defaultSteps(ticket, deemed(tuesday11)), [{ action: 'deem_accept', departmentId: leadDept.id }]);
      const { ticket: next, event } = decide(ticket, 'deem_accept', deem, systemActor, deemed(tuesday11));
      assert.equal(next.state, 'in_handling');
      assert.equal(next.assignments[0]!.state, 'accepted');
      assert.equal(next.assignments[0]!.acceptedLate, true);
      assert.deepEqual(event.data, { departmentId: leadDept.id });
      assert.deepEqual(sweepSteps(next, deemed(tuesday11)), []);
    });

    it('when no default is configured or the deadline is still ahead, then nothing is deemed, and only the system may deem', () => {
      assert.deepEqual(defaultSteps(aTicketIn('dispatched'), lifecycleEnv(tuesday11)), []);
      assert.deepEqual(defaultSteps(aTicketIn('dispatched'), deemed(monday10)), []);
      assert.throws(() => decide(aTicketIn('dispatched'), 'deem_accept', deem, systemActor, deemed(monday10)), { code: 'INVALID_TRANSITION' });
      assert.throws(() => decide(aTicketIn('dispatched'), 'deem_accept', deem, anActor(['supervisor']), deemed(tuesday11)), { code: 'FORBIDDEN' });
    });

    it('when the centre leaves an extension request undecided past its decision limit, then the sweep decides it as configured, waking on time', () => {
      const requested = aTicketIn('in_handling', { pendingExtension: { departmentId: leadDept.id, until: new Date('2026-03-20T02:00:00Z'), reason: '需要施工', requestedAt: monday10 } });
      const approving = (now: Date) => ({ ...lifecycleEnv(now), defaults: { ...defaultDecisionsNone, extension: 'approve' as const } });
      assert.equal(settleClocks(structuredClone(requested), approving(monday10)).nextDeadlineAt?.toISOString(), '2026-03-03T02:00:00.000Z');
      assert.deepEqual(defaultSteps(requested, approving(new Date('2026-03-03T01:59:00Z'))), []);
      assert.deepEqual(defaultSteps(requested, approving(new Date('2026-03-03T02:00:00Z'))), [{ action: 'approve_extension' }]);
      const denying = { ...lifecycleEnv(tuesday11), defaults: { ...defaultDecisionsNone, extension: 'deny' as const } };
      assert.deepEqual(defaultSteps(requested, denying), [{ action: 'deny_extension' }]);
      assert.deepEqual(defaultSteps(requested, lifecycleEnv(tuesday11)), []);
      const { ticket } = decide(requested, 'approve_extension', { reason: '中心未在时限内审核延期申请，按默认规则批准' }, systemActor, approving(tuesday11));
      assert.equal(ticket.pendingExtension, null);
      assert.equal(ticket.assignments[0]!.replyClock.extendedTo?.toISOString(), '2026-03-20T02:00:00.000Z');
    });

    it('when the centre leaves a return undecided past its decision limit, then the sweep rejects it: the department keeps the ticket', () => {
      const rejecting = (now: Date) => ({ ...lifecycleEnv(now), defaults: { ...defaultDecisionsNone, return: 'reject' as const } });
      const returned = aTicketIn('returned');
      assert.equal(settleClocks(structuredClone(returned), rejecting(monday10)).nextDeadlineAt?.toISOString(), '2026-03-03T02:00:00.000Z');
      assert.deepEqual(defaultSteps(returned, rejecting(new Date('2026-03-03T01:59:00Z'))), []);
      assert.deepEqual(defaultSteps(returned, rejecting(tuesday11)), [{ action: 'reject_return' }]);
      assert.deepEqual(defaultSteps(returned, lifecycleEnv(tuesday11)), []);
      const { ticket } = decide(returned, 'reject_return', { reason: '中心未在时限内审核退单申请，按默认规则退回原承办单位继续办理' }, systemActor, rejecting(tuesday11));
      assert.equal(ticket.state, 'in_handling');
      assert.equal(ticket.returnedAt, null);
    });

    it('when a department returns a ticket, then the return records when, for the centre\'s decision limit', () => {
      const { ticket } = decide(aTicketIn('in_handling'), 'return', { reason: '不属于本单位职责' }, anActor(['department_staff'], leadDept.id), lifecycleEnv(tuesday11));
      assert.equal(ticket.returnedAt?.toISOString(), tuesday11.toISOString());
    });

    it('when a part is deemed accepted, then the ledger records a default decision against its department', () => {
      const { ticket } = decide(aTicketIn('dispatched'), 'deem_accept', deem, systemActor, deemed(tuesday11));
      const draft = draftEntry({ event: anEvent('deem_accept', { departmentId: leadDept.id }), ticket });
      assert.equal(draft?.kind, 'default_decision');
      assert.equal(draft?.part.departmentId, leadDept.id);
      const entry = { kind: 'default_decision' as const, departmentId: leadDept.id, partDispatchedAt: monday10, counted: draft!.counted };
      assert.deepEqual(annulmentTakesBack(entry, ticket), [{ departmentId: leadDept.id, day: '2026-03-03', counts: { acceptedLate: -1, acceptedOnTime: 1 } }]);
    });
  });

  describe('the monthly bulletin (月度通报)', () => {
    const entry = (departmentId: string, kind: 'missed_deadline' | 'default_decision' | 'dissatisfied_reopen', state: 'recorded' | 'appealed' | 'upheld' | 'annulled', day: number) => ({
      departmentId, kind, state, ticketNumber: `202603${String(day).padStart(2, '0')}000001`, at: new Date(Date.UTC(2026, 2, day, 2)),
    });
    const counters = { ...emptyCounters(), dispatched: 4, acceptedOnTime: 3 };
    const ranked = [{ departmentId: otherDept.id, rank: 1, counters, rates: ratesOf(counters) }];
    const names = new Map([[leadDept.id, '住建委'], [otherDept.id, '交通委']]);
    const entries = [
      entry(leadDept.id, 'dissatisfied_reopen', 'recorded', 20),
      entry(leadDept.id, 'missed_deadline', 'appealed', 5),
      entry(leadDept.id, 'missed_deadline', 'annulled', 6),
      entry(otherDept.id, 'default_decision', 'upheld', 9),
    ];

    it('when a month has entries, then the city-wide bulletin lists each department, most charged first, annulled entries apart', () => {
      const { city } = buildBulletins('2026-03', entries, ranked, names);
      assert.equal(city.department, null);
      assert.deepEqual(city.totals, { missedDeadlines: 1, defaultDecisions: 1, dissatisfiedReopens: 1, annulled: 1, pendingAppeals: 1 });
      assert.deepEqual(city.rows.map((r) => [r.department, r.rank, r.missedDeadlines + r.defaultDecisions + r.dissatisfiedReopens]), [['住建委', 0, 2], ['交通委', 1, 1]]);
      assert.equal(city.rows[1]!.responseRate, 0.75);
      assert.equal(city.rows[0]!.responseRate, null);
    });

    it('when a department gets its own bulletin, then it lists its entries by kind in time order, not the annulled one', () => {
      const own = buildBulletins('2026-03', entries, ranked, names).departments.get(leadDept.id)!;
      assert.equal(own.department, '住建委');
      assert.deepEqual(own.entries.missedDeadlines.map((e) => [e.ticketNumber, e.appealed]), [['20260305000001', true]]);
      assert.deepEqual(own.entries.dissatisfiedReopens.map((e) => e.ticketNumber), ['20260320000001']);
      assert.deepEqual(own.entries.defaultDecisions, []);
      assert.equal(own.totals.annulled, 1);
    });
  });
});
