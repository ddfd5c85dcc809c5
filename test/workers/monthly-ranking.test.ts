import assert from 'node:assert/strict';
import { render } from '../../templates/render.js';
import { asRollup } from '../../core/analytics/department-counters.js';
import { monthDays, previousMonth } from '../../core/analytics/monthly-ranking.js';
import { aDepartment, aUser } from '../builders/builders.js';
import { useTestApp } from '../helpers/test-app.js';

describe('Workers: the monthly ranking', () => {
  const t = useTestApp({ at: '2026-04-01T01:00:00Z' });

  it('when a month has ended, then its ranking of the three rates is mailed once to each supervisor and department head; of five ranked, two are praised and two named', async () => {
    const names = ['甲局', '乙局', '丙局', '丁局', '戊局'];
    const departments = [];
    for (const name of names) departments.push(await aDepartment(t.services, { name }));
    await aUser(t.services, ['supervisor'], { email: 'boss@centre.test' });
    await aUser(t.services, ['department_head'], { departmentId: departments[0]!.id, email: 'head@jia.test' });
    // Department i accepted i of 5 tickets on time in March; every callback satisfied.
    for (const [i, d] of departments.entries()) {
      await t.services.counters.record(`seed-${i}`, [asRollup({ departmentId: d.id, day: '2026-03-15', counts: { dispatched: 5, acceptedOnTime: i + 1, satisfactionAnswered: 1, satisfied: 1, resolutionAnswered: 1, resolved: 1 } })]);
    }

    assert.equal(previousMonth(t.clock.now()), '2026-03');
    assert.deepEqual(monthDays('2026-02'), { from: '2026-02-01', to: '2026-02-28' });
    const first = await t.services.ranking.mailPreviousMonth(t.clock.now());
    assert.deepEqual(first, { month: '2026-03', notices: 2 });
    assert.equal((await t.services.ranking.mailPreviousMonth(t.clock.now())).notices, 0, 'a re-run mails nothing');

    const sent = await t.services.outbox.notices.find({ template: 'monthly-ranking' }).sort({ to: 1 }).lean();
    assert.deepEqual(sent.map((n) => n.to), ['boss@centre.test', 'head@jia.test']);
    const notice = sent[0];
    const data = notice!.data as { top: { department: string }[]; bottom: { department: string }[]; rows: { rank: number; responseRate: number }[] };
    assert.deepEqual(data.top.map((r) => r.department), ['戊局', '丁局']);
    assert.deepEqual(data.bottom.map((r) => r.department), ['甲局', '乙局']);
    assert.equal(data.rows[0]?.responseRate, 1);
    const mail = render('monthly-ranking', 'zh-CN', notice!.data as never);
    assert.match(mail.subject, /2026-03/);
    assert.match(mail.text, /戊局/);
    assert.match(mail.text, /表扬（前 3 名）/);
  });
});
