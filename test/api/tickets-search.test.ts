import assert from 'node:assert/strict';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

describe('API: keyword search, duplicate candidates and merge', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let operator: SignedInAgent;
  let dispatcher: SignedInAgent;
  let staff: SignedInAgent;
  let street: { id: string };

  before(async () => {
    street = await aDepartment(t.services, { kind: 'street' });
    operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: street.id })).username, testPassword);
  });

  const intake = async (phone: string, subject: string, content: string) => {
    const res = await operator.post('/api/tickets').send({ channel: 'phone', requestType: 'complaint', requester: { phone }, subject, content, location: { departmentId: street.id } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };

  it('when a Chinese word from the content is searched, then the ticket is found, and department users only find their own', async () => {
    const id = await intake('13811110000', '噪音扰民', '小区附近的酒吧每天深夜播放音乐，噪音严重影响居民休息。');
    await intake('13811110001', '道路破损', '学院路人行道地砖破损，老人容易摔倒。');
    const found = await dispatcher.get(`/api/tickets/search?q=${encodeURIComponent('酒吧噪音')}`);
    assert.equal(found.status, 200);
    assert.equal(found.body.items[0]?.id, id);
    // The search terms stay inside: neither the list row nor the ticket shows them.
    assert.ok(!('terms' in found.body.items[0]));
    assert.ok(!('terms' in (await dispatcher.get(`/api/tickets/${id}`)).body));
    assert.ok(!found.body.items.some((i: { subject: string }) => i.subject === '道路破损'));
    const hidden = await staff.get(`/api/tickets/search?q=${encodeURIComponent('酒吧')}`);
    assert.deepEqual(hidden.body.items, [], 'not dispatched to the street yet');
    await dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: street.id });
    const visible = await staff.get(`/api/tickets/search?q=${encodeURIComponent('酒吧')}`);
    assert.equal(visible.body.items[0]?.id, id);
  });

  it('when the same caller reports the same thing again, then it is a duplicate candidate and can be merged into the first', async () => {
    const first = await intake('13822220000', '路灯不亮', '望京西路的路灯已经坏了一个星期，晚上很黑。');
    const probe = await operator.post('/api/tickets/duplicates').send({ phone: '13822220000', text: '望京西路路灯坏了' });
    assert.equal(probe.status, 200);
    assert.equal(probe.body.items[0]?.id, first);
    assert.deepEqual(probe.body.items[0]?.reasons.sort(), ['same_phone', 'similar_text']);
    const second = await intake('13933330000', '路灯坏了', '望京西路路灯不亮，请尽快修理。');
    const candidates = await dispatcher.get(`/api/tickets/${second}/duplicates`);
    assert.ok(candidates.body.items.some((c: { id: string; reasons: string[] }) => c.id === first && c.reasons.includes('similar_text')));
    const merged = await operator.post(`/api/tickets/${second}/merge`).send({ parentId: first });
    assert.equal(merged.status, 200);
    assert.equal(merged.body.state, 'merged');
    assert.equal(merged.body.parentId, first);
    const intoClosed = await operator.post(`/api/tickets/${first}/merge`).send({ parentId: second });
    assert.equal(intoClosed.status, 400);
    assert.equal(intoClosed.body.error.details.field, 'parentId');
    const after = await dispatcher.get(`/api/tickets/${second}/duplicates`);
    assert.ok(after.body.items.every((c: { id: string }) => c.id !== second));
  });
});
