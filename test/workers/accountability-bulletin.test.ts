import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import { render } from '../../templates/render.js';
import type { TemplateData } from '../../templates/catalogue.js';
import { aDepartment, aUser } from '../builders/builders.js';
import { useTestApp } from '../helpers/test-app.js';

const at = (china: string) => new Date(`${china}+08:00`);

describe('Workers: the monthly accountability bulletin (问责通报)', function () {
  this.timeout(60_000);
  const t = useTestApp({ at: '2026-04-01T01:00:00Z' });

  it('when a month has ended, then the city-wide bulletin goes to supervisors and heads, each department with a record its own, once', async () => {
    const housing = await aDepartment(t.services, { name: '住建委' });
    const transport = await aDepartment(t.services, { name: '交通委' });
    await aUser(t.services, ['supervisor'], { email: 'boss@centre.test' });
    await aUser(t.services, ['department_head'], { departmentId: housing.id, email: 'head@housing.test' });
    await aUser(t.services, ['department_head'], { departmentId: transport.id, email: 'head@transport.test' });
    const ctx = { actor: systemActor, now: at('2026-03-02T10:00:00') };
    const { id } = await t.services.tickets.intake(ctx, { channel: 'phone', requestType: 'complaint', requester: { phone: '13800000000' }, subject: '漏水', content: '楼上漏水。' });
    await t.services.tickets.act(ctx, id, 'dispatch', { lead: housing.id });
    await t.services.deadlineSweep.run(at('2026-03-03T10:01:00'));

    const first = await t.services.accountabilityBulletin.mailPreviousMonth(t.clock.now());
    assert.deepEqual(first, { month: '2026-03', notices: 4 });
    assert.equal((await t.services.accountabilityBulletin.mailPreviousMonth(t.clock.now())).notices, 0, 'a re-run mails nothing');

    const sent = await t.services.outbox.notices.find({ template: 'accountability-bulletin' }).sort({ to: 1, eventId: 1 }).lean();
    // 交通委 has neither tickets nor entries in March: no bulletin of its own.
    const city = sent.filter((n) => n.eventId === 'bulletin:2026-03').map((n) => n.to);
    assert.deepEqual(city, ['boss@centre.test', 'head@housing.test', 'head@transport.test']);
    const own = sent.find((n) => n.eventId === `bulletin:2026-03:${housing.id}`)!;
    assert.equal(own.to, 'head@housing.test');
    const data = own.data as TemplateData['accountability-bulletin'];
    assert.equal(data.entries.missedDeadlines.length, 1);
    const mail = render('accountability-bulletin', 'zh-CN', data);
    assert.match(mail.subject, /2026-03 住建委问责情况通报/);
    assert.match(mail.text, /超期未办 1 件/);
    const cityMail = render('accountability-bulletin', 'zh-CN', sent.find((n) => n.eventId === 'bulletin:2026-03')!.data as never);
    assert.match(cityMail.subject, /全市/);
    assert.match(cityMail.text, /住建委 \| 1 \| 0\.0% \| — \| 1 \| 0 \| 0 \| 0 \| 0/);
  });
});
