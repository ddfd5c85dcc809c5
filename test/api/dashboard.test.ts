import assert from 'node:assert/strict';
import { systemActor } from '../../core/accounts/access.js';
import { hotspotKeep } from '../../core/analytics/department-counters.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

const request = (subject: string, content: string) => ({ requestType: 'complaint', requester: { name: '张三', phone: '13800138000' }, subject, content });

describe('API: the supervisors dashboard, from the roll-ups', () => {
  // Monday 2026-03-02 10:00 China time.
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let operator: SignedInAgent;
  let dispatcher: SignedInAgent;
  let supervisor: SignedInAgent;
  let leadStaff: SignedInAgent;
  let lead: { id: string; name: string };
  let other: { id: string };
  let street: { id: string; name: string };
  let category: { id: string };
  const ids: string[] = [];

  before(async () => {
    lead = await aDepartment(t.services, { kind: 'bureau' });
    other = await aDepartment(t.services, { kind: 'bureau' });
    street = await aDepartment(t.services, { kind: 'street', name: '望京街道' });
    category = await aCategory(t.services);
    operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    supervisor = await signIn(t.app, (await aUser(t.services, ['supervisor'])).username, testPassword);
    leadStaff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: lead.id })).username, testPassword);

    // Four tickets today at 10:00: three by phone about noise in one street, one on the web.
    for (const [channel, text] of [['phone', '工地夜间施工噪音扰民'], ['phone', '夜间施工噪音很大'], ['phone', '施工噪音影响休息'], ['web', '路灯不亮']] as const) {
      const created = await operator.post('/api/tickets').send({
        ...request(text, `${text}，请尽快处理。`), channel, categoryId: channel === 'phone' ? category.id : null,
        location: { address: '望京某小区', departmentId: channel === 'phone' ? street.id : null },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids.push(created.body.id);
    }
    // Two to the lead department (one accepted on time, one left to turn red), one to the other; the web one waits.
    for (const [i, to] of [[0, lead.id], [1, lead.id], [2, other.id]] as const) {
      assert.equal((await dispatcher.post(`/api/tickets/${ids[i]}/dispatch`).send({ lead: to })).status, 200);
    }
    assert.equal((await leadStaff.post(`/api/tickets/${ids[0]}/accept`).send({})).status, 200);
    await t.services.tickets.act({ actor: systemActor, now: new Date('2026-03-04T02:00:00Z') }, ids[1]!, 'warn', { level: 'red' });
  });

  it('when tickets are taken in and handled, then intake, open and overdue, the rates and the hotspots add up, with the server time', async () => {
    const res = await supervisor.get('/api/analytics/dashboard?from=2026-03-01&to=2026-03-07');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.headers['server-timing'] ?? '', /^dashboard;dur=\d+(\.\d+)?$/);
    const body = res.body;
    assert.deepEqual(body.previous, { from: '2026-02-22', to: '2026-02-28' });
    assert.equal(body.intake.day, '2026-03-02');
    assert.equal(body.intake.total, 4);
    assert.deepEqual(body.intake.cells.sort((a: { channel: string }, b: { channel: string }) => a.channel.localeCompare(b.channel)), [
      { channel: 'phone', hour: 10, received: 3 }, { channel: 'web', hour: 10, received: 1 },
    ]);
    assert.deepEqual(body.dispatchQueue, { open: 1, overdue: 0 });

    const row = (id: string) => body.departments.find((d: { departmentId: string }) => d.departmentId === id);
    assert.deepEqual({ open: row(lead.id).open, overdue: row(lead.id).overdue }, { open: 2, overdue: 1 });
    assert.deepEqual({ open: row(other.id).open, overdue: row(other.id).overdue }, { open: 1, overdue: 0 });
    assert.equal(row(lead.id).rates.response, 0.5, 'one of two accepted within the accept limit');
    assert.equal(row(other.id).rates.response, 0);
    assert.equal(row(lead.id).rank, 1);
    assert.equal(row(lead.id).top, true);
    // Two ranked: one praised, one named, neither both.
    assert.deepEqual([body.ranking.top, body.ranking.bottom], [[lead.id], [other.id]]);
    assert.equal(row(street.id), undefined, 'a department with nothing open and nothing to score is left out');

    assert.deepEqual(body.hotspots.categories.map((h: { key: string; count: number; previous: number; rise: number }) => [h.key, h.count, h.previous, h.rise]), [[category.id, 3, 0, 3]]);
    assert.deepEqual(body.hotspots.streets.map((h: { label: string; count: number }) => [h.label, h.count]), [['望京街道', 3]]);
    const noise = body.hotspots.words.find((h: { key: string }) => h.key === '噪音');
    assert.equal(noise?.count, 3);
    assert.equal(body.hotspots.words[0].count, 3, 'the words of all three noise tickets rise most');
    assert.deepEqual(body.operators, []);
  });

  it('when a number is followed to the tickets, then the list filters give exactly the tickets behind it', async () => {
    const list = async (query: string) => {
      const res = await supervisor.get(`/api/tickets?${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.items as { id: string }[]).map((i) => i.id).sort();
    };
    assert.deepEqual(await list(`handledBy=${lead.id}`), [ids[0], ids[1]].sort());
    assert.deepEqual(await list(`handledBy=${lead.id}&warning=red`), [ids[1]]);
    assert.deepEqual(await list('state=received'), [ids[3]]);
    assert.deepEqual(await list(`street=${street.id}`), ids.slice(0, 3).sort());
    assert.deepEqual(await list(`categoryId=${category.id}`), ids.slice(0, 3).sort());
    assert.deepEqual(await list('channel=phone&from=2026-03-02T02:00:00Z&to=2026-03-02T03:00:00Z'), ids.slice(0, 3).sort());
  });

  it('when a change is recorded twice (a relay after a crash), then it is counted once', async () => {
    await t.services.counters.record('replayed-event', [{ kind: 'gauges', day: 'all', keys: [other.id], counts: { open: 1 } }]);
    await t.services.counters.record('replayed-event', [{ kind: 'gauges', day: 'all', keys: [other.id], counts: { open: 1 } }]);
    const gauges = await t.services.counters.rollupTotals('gauges', ['all']);
    assert.equal(gauges.get(other.id)?.open, 2);
  });

  it('when keys hold dots or a dollar sign, then they are counted apart and read back as written', async () => {
    const words = { kind: 'words' as const, day: '2026-03-03', keys: ['a.b', '$x', '100%'], counts: { received: 1 } };
    await t.services.counters.record('odd-keys', [words]);
    const totals = await t.services.counters.rollupTotals('words', ['2026-03-03']);
    assert.deepEqual(['a.b', '$x', '100%'].map((k) => totals.get(k)?.received), [1, 1, 1]);
  });

  it('when a hotspot day holds more than twice the kept words, then trimming keeps the busiest', async () => {
    const day = '2026-03-05';
    // One change goes to one shard of the day: all the words of this one land together.
    const quiet = Array.from({ length: 2 * hotspotKeep }, (_, i) => `词${i}`);
    await t.services.counters.record('busy-and-quiet', [{ kind: 'words', day, keys: ['积水'], counts: { received: 4 } }, { kind: 'words', day, keys: ['积水', ...quiet], counts: { received: 1 } }]);
    assert.equal(await t.services.counters.trimHotspots([day]), hotspotKeep + 1);
    const totals = await t.services.counters.rollupTotals('words', [day]);
    assert.equal(totals.size, hotspotKeep);
    assert.equal(totals.get('积水')?.received, 5);
  });

  it('when department staff ask, then they are refused; a department head sees only their departments, without the city-wide figures', async () => {
    assert.equal((await leadStaff.get('/api/analytics/dashboard?from=2026-03-01&to=2026-03-07')).status, 403);
    const head = await signIn(t.app, (await aUser(t.services, ['department_head'], { departmentId: lead.id })).username, testPassword);
    const res = await head.get('/api/analytics/dashboard?from=2026-03-01&to=2026-03-07');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.departments.map((d: { departmentId: string }) => d.departmentId), [lead.id]);
    assert.equal(res.body.intake, null);
    assert.equal(res.body.hotspots, null);
    assert.equal(res.body.operators, null);
    // The city's best and worst are the centre's to know; a head sees whether their own department is among them.
    const own = (ids: string[]) => ids.every((id) => id === lead.id);
    assert.ok(own(res.body.ranking.top) && own(res.body.ranking.bottom), JSON.stringify(res.body.ranking));
    const cityWide = (await supervisor.get('/api/analytics/dashboard?from=2026-03-01&to=2026-03-07')).body.ranking;
    assert.ok([...cityWide.top, ...cityWide.bottom].some((id: string) => id !== lead.id), `the test needs another ranked department: ${JSON.stringify(cityWide)}`);
    const ranking = await head.get('/api/analytics/ranking?from=2026-03-01&to=2026-03-07');
    assert.equal(ranking.status, 200);
    assert.deepEqual(ranking.body.rows.map((r: { departmentId: string }) => r.departmentId), [lead.id]);
    assert.ok(own(ranking.body.top) && own(ranking.body.bottom), JSON.stringify(ranking.body));
    assert.equal((await supervisor.get('/api/analytics/dashboard?from=2026-03-07&to=2026-03-01')).status, 400);
    assert.equal((await supervisor.get('/api/analytics/dashboard?from=2025-01-01&to=2026-03-01')).status, 400);
  });
});
