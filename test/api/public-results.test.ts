import assert from 'node:assert/strict';
import supertest from 'supertest';
import { asRollup } from '../../core/analytics/department-counters.js';
import { anonymise } from '../../core/analytics/public-results.js';
import { aDepartment, anArchivedTicket, aUser, testPassword, type ArchivedTicketInput } from '../builders/builders.js';
import { signIn, useTestApp } from '../helpers/test-app.js';

describe('API: the published results (结果公示) on the portal', function () {
  this.timeout(60_000);
  const t = useTestApp({ at: '2026-04-02T02:00:00Z' });
  let housing: { id: string; name: string };

  const anArchived = (input: ArchivedTicketInput, departmentId: string) => anArchivedTicket(t.services, t.clock.now(), input, departmentId);

  before(async () => {
    const names = ['甲局', '乙局', '丙局', '丁局', '戊局'];
    const departments = [];
    for (const name of names) departments.push(await aDepartment(t.services, { name }));
    housing = departments[0]!;
    // Department i accepted i + 1 of 5 tickets on time in March; every callback satisfied.
    for (const [i, d] of departments.entries()) {
      await t.services.counters.record(`seed-${i}`, [asRollup({ departmentId: d.id, day: '2026-03-15', counts: { dispatched: 5, acceptedOnTime: i + 1, satisfactionAnswered: 1, satisfied: 1, resolutionAnswered: 1, resolved: 1 } })]);
    }
    await anArchived({
      content: '王先生反映望京西园三区12号楼3单元502室楼道堆满杂物，联系电话13812345678，邮箱wang@example.com。',
      reply: '已联系王先生（13812345678），物业已于当日清理12号楼楼道。',
      requester: { name: '王建国', phone: '13812345678', address: '望京西园三区12号楼3单元502室' },
    }, housing.id);
    await anArchived({ content: '保密诉求的内容。', reply: '已处理。', requester: { phone: '13900000001', confidential: true } }, housing.id);
    await anArchived({ content: '举报某餐馆无证经营。', reply: '已查处。', requester: { phone: '13900000002' }, requestType: 'report' }, housing.id);
  });

  it('when anyone asks, then last month\'s ranking comes with two praised and two named of five (nobody both), and the closed ticket anonymised, cacheable', async () => {
    const res = await supertest(t.app).get('/api/public/results');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.headers['cache-control'] ?? '', /public, max-age=\d+/);
    assert.equal(res.body.month, '2026-03');
    const departments: { department: string; praised: boolean; named: boolean }[] = res.body.departments;
    assert.deepEqual(departments.filter((d) => d.praised).map((d) => d.department), ['戊局', '丁局']);
    assert.deepEqual(departments.filter((d) => d.named).map((d) => d.department), ['乙局', '甲局']);
    assert.ok(!departments.some((d) => d.praised && d.named));

    assert.equal(res.body.tickets.length, 1, 'neither the confidential ticket nor the report is published');
    const [ticket] = res.body.tickets;
    assert.equal(ticket.department, '甲局');
    assert.equal(ticket.closedOn, '2026-04-02');
    const published = `${ticket.summary} ${ticket.reply}`;
    for (const secret of ['王建国', '王先生', '13812345678', 'wang@example.com', '12号楼', '502室']) assert.ok(!published.includes(secret), `${secret} in ${published}`);
    assert.match(ticket.summary, /某先生/);
    assert.match(ticket.reply, /物业已于当日清理/);
  });

  it('when an administrator changes what is ranked and shown, then the page follows; bad settings are refused naming the field', async () => {
    const admin = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
    const bad = await admin.patch('/api/settings').send({ ranking: { weights: { response: 0, resolution: 0, satisfaction: 0 }, named: 1, minimumDispatched: 0 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_RANKING');
    assert.equal(bad.body.error.details.field, 'ranking.weights');

    const changed = await admin.patch('/api/settings').send({
      ranking: { weights: { response: 1, resolution: 0, satisfaction: 0 }, named: 1, minimumDispatched: 5 },
      publicResults: { enabled: true, showRanking: true, closedTickets: 1, showReplies: false },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const res = await supertest(t.app).get('/api/public/results');
    assert.equal(res.body.named, 1);
    assert.deepEqual(res.body.departments.filter((d: { praised: boolean }) => d.praised).map((d: { department: string }) => d.department), ['戊局']);
    assert.deepEqual(res.body.departments.filter((d: { named: boolean }) => d.named).map((d: { department: string }) => d.department), ['甲局']);
    assert.equal(res.body.tickets[0].reply, null);

    await admin.patch('/api/settings').send({ publicResults: { enabled: false, showRanking: true, closedTickets: 1, showReplies: false } });
    const off = await supertest(t.app).get('/api/public/results');
    assert.deepEqual([off.body.enabled, off.body.departments, off.body.tickets], [false, null, null]);
  });

  it('when one client asks more than 60 times a minute, then it is refused with 429 and Retry-After', async () => {
    let last = await supertest(t.app).get('/api/public/results');
    for (let i = 0; i < 60 && last.status === 200; i++) last = await supertest(t.app).get('/api/public/results');
    assert.equal(last.status, 429);
    assert.equal(last.body.error.code, 'RATE_LIMITED');
    assert.match(last.headers['retry-after'] ?? '', /^\d+$/);
  });

  it('when a text is anonymised, then landlines, ID numbers, named contacts and house numbers are masked and the rest is kept', () => {
    assert.equal(
      anonymise('联系人：李四，电话010-62345678，身份证110101199003071234，住5栋2单元。路灯坏了。'),
      '联系人：＊＊＊，电话＊＊＊，身份证＊＊＊，住＊栋＊单元。路灯坏了。',
    );
  });
});
