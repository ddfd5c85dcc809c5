import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import { noticeYear } from '../../core/clocks/index.js';
import { render } from '../../templates/render.js';
import { aUser } from '../builders/builders.js';
import { useTestApp } from '../helpers/test-app.js';

describe('Workers: administrators are told 60 days before the working calendar runs out', () => {
  const t = useTestApp({ at: '2026-10-31T02:00:00Z' });

  it('when the statutory holidays end within 60 days, then each administrator with an e-mail is told once; after the next notice is imported, nobody', async () => {
    await aUser(t.services, ['administrator'], { email: 'admin@centre.test' });
    await aUser(t.services, ['administrator']);
    await aUser(t.services, ['supervisor'], { email: 'boss@centre.test' });
    const watch = t.services.calendarCoverage;

    assert.deepEqual(await watch.warnAdministrators(new Date('2026-10-31T02:00:00Z')), { until: '2026-12-31', daysLeft: 61, endingSoon: false, notices: 0 });
    const warned = await watch.warnAdministrators(new Date('2026-11-01T01:00:00Z'));
    assert.deepEqual(warned, { until: '2026-12-31', daysLeft: 60, endingSoon: true, notices: 1 });
    assert.equal((await watch.warnAdministrators(new Date('2026-11-02T01:00:00Z'))).notices, 0, 'a daily re-run adds nothing');

    const [notice] = await t.services.outbox.notices.find({ template: 'calendar-ending' }).lean();
    assert.equal(notice?.to, 'admin@centre.test');
    const mail = render('calendar-ending', 'zh-CN', notice!.data as never);
    assert.match(mail.subject, /2027 年节假日尚未导入/);
    assert.match(mail.text, /还剩 60 天/);
    assert.match(mail.text, /#\/calendar\/2027-01/);

    const settings = await t.services.settings.current();
    await t.services.settings.importNoticeYear({ actor: systemActor, now: new Date('2026-11-20T01:00:00Z') }, noticeYear(2027, { holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], workdays: [] }), settings.version);
    assert.deepEqual(await watch.warnAdministrators(new Date('2026-11-21T01:00:00Z')), { until: '2027-12-31', daysLeft: 405, endingSoon: false, notices: 0 });
  });
});
