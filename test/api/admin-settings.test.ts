import assert from 'node:assert/strict';
import { aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

describe('API: hotline settings written by compare-and-set, thresholds checked, every change audited', () => {
  const t = useTestApp();
  let admin: SignedInAgent;

  before(async () => {
    admin = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
  });

  it('when two administrators save different settings at once, then both changes are kept, each as its own version', async () => {
    const before = (await admin.get('/api/settings')).body.version;
    const saved = await Promise.all([
      admin.patch('/api/settings').send({ autoDispatchThreshold: 0.8 }),
      admin.patch('/api/settings').send({ returnCap: 3 }),
      admin.patch('/api/settings').send({ workingHours: [{ start: '08:30', end: '12:00' }, { start: '13:00', end: '17:00' }] }),
      admin.post('/api/settings/calendar/overrides').send({ version: before, date: '2026-12-31', working: false }),
    ]);
    assert.deepEqual(saved.slice(0, 3).map((res) => res.status), [200, 200, 200]);
    const after = (await admin.get('/api/settings')).body;
    assert.deepEqual([after.autoDispatchThreshold, after.returnCap, after.workingHours[0].start], [0.8, 3, '08:30']);
    // The calendar change named a version: it is kept only if it came first, and every kept change is one version.
    const calendarKept = saved[3]?.status === 200;
    assert.equal(after.calendarOverrides.length, calendarKept ? 1 : 0);
    assert.equal(after.version, before + 3 + (calendarKept ? 1 : 0));
  });

  it('when a save names the version it read and another administrator saved in between, then 409 and the other change stands', async () => {
    const read = (await admin.get('/api/settings')).body.version;
    assert.equal((await admin.patch('/api/settings').send({ version: read, autoDispatchThreshold: 0.85 })).status, 200);
    const stale = await admin.patch('/api/settings').send({ version: read, autoDispatchThreshold: 0.7 });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'VERSION_CONFLICT');
    assert.equal((await admin.get('/api/settings')).body.autoDispatchThreshold, 0.85);
  });

  it('when a change is saved, then the audit trail has what it was and what it became', async () => {
    await admin.patch('/api/settings').send({ thresholds: { yellow: 0.6, red: 1 } });
    const audit = await admin.get('/api/audit?entityType=settings&action=settings.update');
    const latest = audit.body.items[0];
    assert.deepEqual(latest.changes, { thresholds: { from: { yellow: 0.75, red: 1 }, to: { yellow: 0.6, red: 1 } } });
  });

  it('when yellow does not come before red, then 400 INVALID_WARNING_THRESHOLDS names the field and nothing is stored', async () => {
    const res = await admin.patch('/api/settings').send({ thresholds: { yellow: 0.9, red: 0.5 } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'INVALID_WARNING_THRESHOLDS');
    assert.equal(res.body.error.details.field, 'thresholds.yellow');
    assert.deepEqual((await admin.get('/api/settings')).body.thresholds, { yellow: 0.6, red: 1 });
  });
});
