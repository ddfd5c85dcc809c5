import assert from 'node:assert/strict';
import { useTestApp, useTicketDesk } from '../helpers/test-app.js';

const noStackTrace = /at .*\.[jt]s|node_modules|URIError/;

describe('API: bad input is refused cleanly at the edge', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const desk = useTicketDesk(t);

  const ticket = (overrides: Record<string, unknown> = {}) => ({
    channel: 'phone', requestType: 'complaint', requester: { name: '王五', phone: '13900000001' },
    subject: '路灯不亮', content: '小区门口路灯已经坏了一周。', ...overrides,
  });

  function assertRefused(res: { status: number; body: { error: { code: string; details: { fields: { field: string }[] } } } }, field: string, what: string) {
    assert.equal(res.status, 400, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED', what);
    assert.ok(res.body.error.details.fields.some((f) => f.field === field), `${what}: ${JSON.stringify(res.body.error.details.fields)}`);
  }

  it('when a path parameter is not valid percent-encoding, then 400 VALIDATION_FAILED naming the path, no stack trace', async () => {
    for (const url of ['/api/public/tickets/%ED%A0%80?phone=13800138000', '/api/public/tickets/%E0%A4%A?phone=13800138000', '/api/tickets/%FF']) {
      const res = await desk.operator.get(url);
      assert.equal(res.status, 400, `${url}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      assert.equal(res.body.error.details.fields[0].field, 'path');
      assert.doesNotMatch(JSON.stringify(res.body), noStackTrace);
    }
  });

  it('when a date is outside 2000–2100 or not an ISO 8601 date-time with a zone, then 400 naming the field', async () => {
    for (const receivedAt of ['+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '1999-12-31T23:59:59Z', '2101-01-01T00:00:00Z', true, 0, '2026-03-02', 'now']) {
      assertRefused(await desk.operator.post('/api/tickets').send(ticket({ channel: 'import', receivedAt })), 'receivedAt', `receivedAt ${String(receivedAt)}`);
    }
    for (const from of ['true', '-271821-04-20T00:00:00Z', '275760-09-13T00:00:00Z', '1970-01-01T00:00:00Z']) {
      assertRefused(await desk.dispatcher.get(`/api/tickets?from=${encodeURIComponent(from)}`), 'from', `from ${from}`);
    }
    assertRefused(await desk.dispatcher.get('/api/analytics/dashboard?from=1900-01-01&to=1900-01-02'), 'from', 'dashboard day 1900');
    const imported = await desk.operator.post('/api/tickets').send(ticket({ channel: 'import', receivedAt: '2026-02-27T10:00:00+08:00' }));
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
  });

  it('when an extension is asked up to year 275760, then 400 and the deadline cannot be moved there', async () => {
    const created = await desk.operator.post('/api/tickets').send(ticket());
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id: string = created.body.id;
    assert.equal((await desk.dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: desk.department.id })).status, 200);
    assert.equal((await desk.staff.post(`/api/tickets/${id}/accept`).send({})).status, 200);
    for (const until of ['+275760-09-13T00:00:00Z', '2101-01-01T00:00:00Z', true]) {
      assertRefused(await desk.staff.post(`/api/tickets/${id}/request-extension`).send({ until, reason: '需要时间' }), 'until', `until ${String(until)}`);
    }
    const fine = await desk.staff.post(`/api/tickets/${id}/request-extension`).send({ until: '2026-04-30T09:00:00+08:00', reason: '需要时间' });
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
  });

  it('when a body is not valid UTF-8, then 400 VALIDATION_FAILED instead of storing replacement characters', async () => {
    const json = Buffer.from(JSON.stringify(ticket({ subject: 'SUBJECT' })));
    const at = json.indexOf('SUBJECT');
    const broken = Buffer.concat([json.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), json.subarray(at + 'SUBJECT'.length)]);
    // Sent as bytes: superagent would otherwise serialise the Buffer as JSON.
    const res = await desk.operator.post('/api/tickets').set('content-type', 'application/json').serialize((b: unknown) => b as string).send(broken);
    assertRefused(res, 'body', 'invalid UTF-8');
    assert.doesNotMatch(JSON.stringify(res.body), noStackTrace);
  });

  it('when text holds a lone surrogate, NUL, a control or a bidi override, then 400 naming the field; long text keeps its lines', async () => {
    const raw = (body: string) => desk.operator.post('/api/tickets').set('content-type', 'application/json').send(body);
    const base = JSON.stringify(ticket({ subject: 'SUBJECT' }));
    assertRefused(await raw(base.replace('SUBJECT', '\\ud800路灯')), 'subject', 'lone high surrogate');
    assertRefused(await raw(base.replace('SUBJECT', '路灯\\udc00')), 'subject', 'lone low surrogate');
    for (const [field, overrides] of [
      ['requester.name', { requester: { name: '王\u0000五', phone: '13900000001' } }],
      ['requester.name', { requester: { name: '王五\u202e', phone: '13900000001' } }],
      ['subject', { subject: '路灯\u202egnp.exe' }],
      ['subject', { subject: '路灯\u2066不亮' }],
      ['subject', { subject: '路灯\n不亮' }],
      ['subject', { subject: '路灯\u0007不亮' }],
      ['content', { content: '路灯\u0000不亮' }],
      ['content', { content: '路灯\u009b不亮' }],
      ['location.address', { location: { address: '望京\u202d街' } }],
    ] as const) {
      assertRefused(await desk.operator.post('/api/tickets').send(ticket(overrides)), field, `${field} ${JSON.stringify(overrides)}`);
    }
    const fine = await desk.operator.post('/api/tickets').send(ticket({ subject: 'Cafe\u0301 门口 😀', content: '第一行\n第二行\r\n\t第三行' }));
    assert.equal(fine.status, 201, JSON.stringify(fine.body));
    assert.equal(fine.body.subject, 'Café 门口 😀', 'stored in NFC');
    assert.equal(fine.body.content, '第一行\n第二行\r\n\t第三行');
  });

  it('when an attachment URL is not http(s), then 400 naming it', async () => {
    const attachment = (url: string) => ({ attachments: [{ name: '照片.jpg', contentType: 'image/jpeg', size: 1000, url }] });
    for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'vbscript:msgbox']) {
      assertRefused(await desk.operator.post('/api/tickets').send(ticket(attachment(url))), 'attachments.0.url', url);
    }
    const fine = await desk.operator.post('/api/tickets').send(ticket(attachment('https://files.example.cn/a/照片.jpg')));
    assert.equal(fine.status, 201, JSON.stringify(fine.body));
  });
});
