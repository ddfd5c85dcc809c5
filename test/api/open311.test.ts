import assert from 'node:assert/strict';
import supertest from 'supertest';
import { systemActor } from '../../core/accounts/access.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

/** A service request as the specification's clients post it: a form, api_key included. */
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('Open311 GeoReport v2: every endpoint, both formats, the errors', () => {
  // Monday 2026-03-02 10:00 China time.
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  const asSystem = () => ({ actor: systemActor, now: t.clock.now() });
  let department: { id: string; name: string };
  let roads: { id: string; code: string; name: string };
  let pothole: { id: string; code: string; name: string };
  let lights: { id: string; code: string };
  let retired: { id: string; code: string };
  let apiKey: string;
  let plainToken: string;
  let dispatcher: SignedInAgent;
  let staff: SignedInAgent;
  let operator: SignedInAgent;

  const post = (fields: Record<string, string>, format = 'json') =>
    supertest(t.app).post(`/open311/v2/requests.${format}`).type('form').send(form({ api_key: apiKey, ...fields }));
  const aReport = (fields: Record<string, string> = {}) =>
    post({ service_code: pothole.code, lat: '39.9042', long: '116.4074', description: '路面坑洞\n已有车辆受损', ...fields });

  before(async () => {
    department = await aDepartment(t.services, { name: '市交通委员会' });
    roads = await aCategory(t.services, { name: '道路交通' });
    pothole = await aCategory(t.services, { name: '路面坑洞', parentId: roads.id, defaultDepartmentId: department.id });
    const lighting = await aCategory(t.services, { name: '市政照明' });
    lights = await aCategory(t.services, { name: '路灯不亮', parentId: lighting.id, nameEn: 'Street light out' });
    retired = await aCategory(t.services, { name: '已停用', parentId: lighting.id, active: false });
    const partnerUser = await aUser(t.services, ['operator']);
    apiKey = (await t.services.users.issueToken(asSystem(), partnerUser.id, { name: 'city app', partner: '城市随手拍' })).token;
    plainToken = (await t.services.users.issueToken(asSystem(), partnerUser.id, { name: 'plain' })).token;
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: department.id })).username, testPassword);
    operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
  });

  it('when the discovery document is read, then it names the GeoReport v2 endpoint and both formats, in JSON and XML', async () => {
    const json = await supertest(t.app).get('/open311/discovery.json');
    assert.equal(json.status, 200);
    assert.match(String(json.headers['content-type']), /^application\/json; charset=utf-8/);
    assert.equal(json.body.endpoints[0].specification, 'http://wiki.open311.org/GeoReport_v2');
    assert.match(json.body.endpoints[0].url, /\/open311\/v2$/);
    assert.deepEqual(json.body.endpoints[0].formats, ['text/xml', 'application/json']);
    const xml = await supertest(t.app).get('/open311/discovery.xml');
    assert.match(String(xml.headers['content-type']), /^text\/xml; charset=utf-8/);
    assert.match(xml.text, /^<\?xml version="1.0" encoding="utf-8"\?>\n<discovery><changeset>/);
    assert.match(xml.text, /<formats><format>text\/xml<\/format><format>application\/json<\/format><\/formats>/);
  });

  it('when the service list is read, then each category in use without sub-categories is a service grouped by its first level', async () => {
    const res = await supertest(t.app).get('/open311/v2/services.json');
    assert.equal(res.status, 200);
    const codes = res.body.map((s: { service_code: string }) => s.service_code);
    assert.ok(codes.includes(pothole.code) && codes.includes(lights.code));
    assert.ok(!codes.includes(roads.code), 'a category with sub-categories is a group, not a service');
    assert.ok(!codes.includes(retired.code), 'a retired category takes no requests');
    const service = res.body.find((s: { service_code: string }) => s.service_code === lights.code);
    assert.deepEqual(service, {
      service_code: lights.code, service_name: '路灯不亮', description: '市政照明 › 路灯不亮', metadata: true, type: 'realtime',
      keywords: '市政照明, 路灯不亮, Street light out', group: '市政照明',
    });
    const xml = await supertest(t.app).get('/open311/v2/services.xml').query({ jurisdiction_id: '' });
    assert.equal(xml.status, 200, 'an empty optional argument is an absent one');
    assert.match(xml.text, new RegExp(`<service><service_code>${pothole.code.replaceAll('.', '\\.')}</service_code><service_name>路面坑洞</service_name>.*<metadata>true</metadata><type>realtime</type>.*<group>道路交通</group></service>`));
  });

  it('when another jurisdiction or a format other than xml and json is asked for, then 404 with the error list', async () => {
    const json = await supertest(t.app).get('/open311/v2/services.json').query({ jurisdiction_id: 'elsewhere.gov' });
    assert.equal(json.status, 404);
    assert.equal(json.body[0].code, 404);
    assert.match(json.body[0].description, /elsewhere\.gov/);
    const ours = await supertest(t.app).get('/open311/v2/services.json').query({ jurisdiction_id: t.services.open311.settings.jurisdictionId });
    assert.equal(ours.status, 200);
    const csv = await supertest(t.app).get('/open311/v2/services.csv');
    assert.equal(csv.status, 404);
    assert.match(String(csv.headers['content-type']), /^text\/xml/);
    assert.match(csv.text, /<errors><error><code>404<\/code><description>No format csv/);
    const nowhere = await supertest(t.app).get('/open311/v2/nothing.json');
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.body[0].code, 404);
  });

  it('when a service definition is read, then it lists the attributes every request takes, in JSON and XML', async () => {
    const res = await supertest(t.app).get(`/open311/v2/services/${pothole.code}.json`);
    assert.equal(res.status, 200);
    assert.equal(res.body.service_code, pothole.code);
    assert.deepEqual(res.body.attributes.map((a: { code: string; order: number; datatype: string }) => [a.code, a.order, a.datatype]), [
      ['request_type', 1, 'singlevaluelist'], ['confidential', 2, 'singlevaluelist'],
    ]);
    assert.ok(res.body.attributes[0].values.some((v: { key: string }) => v.key === 'complaint'));
    const xml = await supertest(t.app).get(`/open311/v2/services/${pothole.code}.xml`);
    assert.match(xml.text, /<service_definition><service_code>[\d.]+<\/service_code><attributes><attribute><variable>true<\/variable><code>request_type<\/code>/);
    assert.match(xml.text, /<values><value><key>inquiry<\/key><name>咨询 \/ Inquiry<\/name><\/value>/);
    for (const code of ['99.99', retired.code]) {
      const missing = await supertest(t.app).get(`/open311/v2/services/${code}.json`);
      assert.equal(missing.status, 404, code);
      assert.match(missing.body[0].description, /service_code/);
    }
  });

  it('when a request is posted without an api_key, with an unknown one or with a plain API token, then 403', async () => {
    const missing = await supertest(t.app).post('/open311/v2/requests.xml').type('form').send(form({ service_code: pothole.code, address_string: '东长安街' }));
    assert.equal(missing.status, 403);
    assert.match(missing.text, /<errors><error><code>403<\/code><description>api_key is required/);
    for (const key of ['h12345_unknown', plainToken]) {
      const res = await post({ api_key: key, service_code: pothole.code, address_string: '东长安街' });
      assert.equal(res.status, 403);
      assert.equal(res.body[0].code, 403);
    }
  });

  it('when a partner posts a request with a photo, then it is a ticket of the open311 channel through intake', async () => {
    const res = await aReport({
      media_url: 'https://photos.example.org/2026/pothole.jpg', first_name: '三', last_name: '张', phone: '(138) 0013-8000', email: 'zhang@example.org',
      device_id: 'device-1', account_id: 'acct-7', 'attribute[request_type]': 'help',
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.length, 1);
    const { service_request_id: id, account_id } = res.body[0];
    assert.match(id, /^20260302\d{6}$/);
    assert.equal(account_id, 'acct-7');
    const tickets = await dispatcher.get('/api/tickets').query({ channel: 'open311' });
    const summary = tickets.body.items.find((s: { number: string }) => s.number === id);
    const ticket = (await dispatcher.get(`/api/tickets/${summary.id}`)).body;
    assert.equal(ticket.channel, 'open311');
    assert.equal(ticket.requestType, 'help');
    assert.equal(ticket.categoryId, pothole.id);
    assert.equal(ticket.subject, '路面坑洞');
    assert.equal(ticket.content, '路面坑洞\n已有车辆受损');
    assert.deepEqual(ticket.requester, { name: '张三', phone: '13800138000', email: 'zhang@example.org', address: null, confidential: false });
    assert.deepEqual(ticket.location.coordinates, { lat: 39.9042, lng: 116.4074 });
    assert.deepEqual(ticket.attachments, [{ name: 'pothole.jpg', contentType: 'image/jpeg', size: 0, url: 'https://photos.example.org/2026/pothole.jpg' }]);
    assert.deepEqual(ticket.external, { partner: '城市随手拍', token: null, accountId: 'acct-7', deviceId: 'device-1', addressId: null });
    const history = (await dispatcher.get(`/api/tickets/${summary.id}/history`)).body.items;
    assert.equal(history[0].action, 'intake');
    assert.equal(history[0].actor.via, 'token');
  });

  it('when the api_key comes in the query string and the answer is asked in XML, then the created request is XML', async () => {
    const res = await supertest(t.app).post('/open311/v2/requests.xml').query({ api_key: apiKey, jurisdiction_id: '' }).type('form')
      .send(form({ service_code: lights.code, address_string: '西长安街 1 号', 'attribute[confidential]': 'true' }));
    assert.equal(res.status, 201, res.text);
    assert.match(res.text, /^<\?xml version="1.0" encoding="utf-8"\?>\n<service_requests><request><service_request_id>\d{14}<\/service_request_id><service_notice\/><account_id\/><\/request><\/service_requests>$/);
  });

  it('when a confidential request reaches the department, then neither the requester nor the partner\'s account and device ids show', async () => {
    const id = (await aReport({ phone: '13700000000', account_id: 'acct-9', device_id: 'device-9', 'attribute[confidential]': 'true' })).body[0].service_request_id;
    const ticketId = (await dispatcher.get('/api/tickets').query({ channel: 'open311' })).body.items.find((s: { number: string }) => s.number === id).id;
    await dispatcher.post(`/api/tickets/${ticketId}/dispatch`).send({ lead: department.id });
    const seen = (await staff.get(`/api/tickets/${ticketId}`)).body;
    assert.equal(seen.requesterMasked, true);
    assert.deepEqual(seen.external, { partner: '城市随手拍', token: null, accountId: null, deviceId: null, addressId: null });
    assert.equal((await dispatcher.get(`/api/tickets/${ticketId}`)).body.external.accountId, 'acct-9', 'the centre sees them');
  });

  it('when a post lacks what the specification requires or breaks a definition, then 400 naming each field, or 404 for an unknown service', async () => {
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ description: '没有分类' }, 400, /service_code: is required/],
      [{ service_code: pothole.code }, 400, /address_string: a location is required/],
      [{ service_code: pothole.code, lat: '39.9' }, 400, /long: lat and long are sent together/],
      [{ service_code: pothole.code, lat: '91', long: '116' }, 400, /^lat: /],
      [{ service_code: pothole.code, address_string: '东单', media_url: 'javascript:alert(1)' }, 400, /media_url: must be an http or https URL/],
      [{ service_code: pothole.code, address_string: '东单', 'attribute[request_type]': 'rant' }, 400, /attribute\[request_type\]: must be one of inquiry, help/],
      [{ service_code: pothole.code, address_string: '东单', 'attribute[colour]': 'red' }, 400, /attribute\[colour\]: is not an attribute/],
      [{ service_code: '99.99', address_string: '东单' }, 404, /service_code 99\.99/],
      [{ service_code: retired.code, address_string: '东单' }, 404, /service_code/],
      [{ service_code: pothole.code, address_string: '东单', jurisdiction_id: 'elsewhere.gov' }, 404, /elsewhere\.gov/],
    ];
    for (const [fields, status, description] of cases) {
      const res = await post(fields);
      assert.equal(res.status, status, `${JSON.stringify(fields)}: ${res.text}`);
      assert.equal(res.body[0].code, status);
      assert.ok(res.body.some((e: { description: string }) => description.test(e.description)), `${JSON.stringify(fields)}: ${res.text}`);
    }
    const two = await post({ service_code: pothole.code, lat: '91', long: '200' });
    assert.deepEqual(two.body.map((e: { description: string }) => e.description.split(':')[0]).sort(), ['lat', 'long']);
  });

  it('when a post is retried with the same Idempotency-Key, then the first request comes back, and its token finds it', async () => {
    const first = await aReport({ description: '井盖缺失' }).set('Idempotency-Key', 'app-report-0001');
    assert.equal(first.status, 201);
    const again = await aReport({ description: '井盖缺失' }).set('Idempotency-Key', 'app-report-0001');
    assert.equal(again.status, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body[0].service_request_id, first.body[0].service_request_id);
    const token = await supertest(t.app).get('/open311/v2/tokens/app-report-0001.json');
    assert.equal(token.status, 200);
    assert.deepEqual(token.body, [{ service_request_id: first.body[0].service_request_id, token: 'app-report-0001' }]);
    const xml = await supertest(t.app).get('/open311/v2/tokens/app-report-0001.xml');
    assert.match(xml.text, /<service_requests><request><service_request_id>\d{14}<\/service_request_id><token>app-report-0001<\/token><\/request><\/service_requests>/);
    const unknown = await supertest(t.app).get('/open311/v2/tokens/never-sent.json');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body[0].description, /token never-sent/);
  });

  it('when a request moves through dispatch, accept and the accepted reply, then its status, notes, lead department and dates follow', async () => {
    const id = (await aReport({ description: '人行道砖块松动' })).body[0].service_request_id;
    const read = async () => {
      const res = await supertest(t.app).get(`/open311/v2/requests/${id}.json`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.length, 1);
      return res.body[0];
    };
    const received = await read();
    assert.deepEqual({ ...received, requested_datetime: undefined, updated_datetime: undefined }, {
      service_request_id: id, status: 'open', status_notes: '已受理，待派单 / Received, to be dispatched', service_name: '路面坑洞', service_code: pothole.code,
      description: '人行道砖块松动', agency_responsible: null, service_notice: null, requested_datetime: undefined, updated_datetime: undefined,
      expected_datetime: null, address: null, address_id: null, zipcode: null, lat: 39.9042, long: 116.4074, media_url: null,
    });
    assert.equal(received.requested_datetime, '2026-03-02T02:00:00.000Z');

    const ticketId = (await dispatcher.get('/api/tickets').query({ channel: 'open311' })).body.items.find((s: { number: string }) => s.number === id).id;
    assert.equal((await dispatcher.post(`/api/tickets/${ticketId}/dispatch`).send({ lead: department.id })).status, 200);
    const dispatched = await read();
    assert.equal(dispatched.status, 'open');
    assert.equal(dispatched.agency_responsible, '市交通委员会');
    // A complaint: the reply is due in 5 working days, Monday 10:00 → next Monday 10:00.
    assert.equal(dispatched.expected_datetime, '2026-03-09T02:00:00.000Z');

    t.clock.advance(3_600_000);
    await staff.post(`/api/tickets/${ticketId}/accept`).send({});
    await staff.post(`/api/tickets/${ticketId}/reply`).send({ text: '已修复松动砖块。' });
    const underReview = await read();
    assert.equal(underReview.status, 'open', 'the centre has not yet accepted the reply');
    assert.equal(underReview.status_notes, '答复审核中 / The reply is being reviewed');
    await dispatcher.post(`/api/tickets/${ticketId}/approve-reply`).send({});
    const closed = await read();
    assert.equal(closed.status, 'closed');
    assert.equal(closed.status_notes, '已修复松动砖块。');
    assert.equal(closed.updated_datetime, '2026-03-02T03:00:00.000Z');
    const xml = await supertest(t.app).get(`/open311/v2/requests/${id}.xml`);
    assert.match(xml.text, /<status>closed<\/status><status_notes>已修复松动砖块。<\/status_notes>/);
    assert.match(xml.text, /<agency_responsible>市交通委员会<\/agency_responsible>/);
    assert.match(xml.text, /<zipcode\/><lat>39.9042<\/lat><long>116.4074<\/long><media_url\/><\/request>/);
  });

  it('when requests are listed, then the filters of the specification apply, only Open311 tickets appear, and bad filters are 400', async () => {
    await operator.post('/api/tickets').send({
      channel: 'phone', requestType: 'complaint', categoryId: pothole.id, requester: { phone: '13900000000' }, subject: '电话诉求', content: '电话里说的，不公开',
    });
    const lightId = (await post({ service_code: lights.code, address_string: '前门大街' })).body[0].service_request_id;
    const all = await supertest(t.app).get('/open311/v2/requests.json');
    assert.equal(all.status, 200);
    assert.ok(all.body.length >= 5);
    assert.ok(all.body.every((r: { description: string }) => r.description !== '电话里说的，不公开'), 'tickets of other channels stay private');
    assert.equal(all.body[0].service_request_id, lightId, 'newest first');

    const byCode = await supertest(t.app).get('/open311/v2/requests.json').query({ service_code: lights.code });
    assert.ok(byCode.body.length >= 1 && byCode.body.every((r: { service_code: string }) => r.service_code === lights.code));
    const closed = await supertest(t.app).get('/open311/v2/requests.json').query({ status: 'closed' });
    assert.ok(closed.body.length >= 1 && closed.body.every((r: { status: string }) => r.status === 'closed'));
    const both = await supertest(t.app).get('/open311/v2/requests.json').query({ status: 'open,closed' });
    assert.equal(both.body.length, all.body.length);
    const ids = [all.body[0].service_request_id, all.body[1].service_request_id];
    const byId = await supertest(t.app).get('/open311/v2/requests.json').query({ service_request_id: ids.join(','), status: 'closed', service_code: '99' });
    assert.deepEqual(byId.body.map((r: { service_request_id: string }) => r.service_request_id).sort(), [...ids].sort(), 'service_request_id overrides the other arguments');
    const before = await supertest(t.app).get('/open311/v2/requests.json').query({ end_date: '2026-03-01T00:00:00Z' });
    assert.deepEqual(before.body, []);
    const window = await supertest(t.app).get('/open311/v2/requests.xml').query({ start_date: '2026-03-01T00:00:00+08:00', end_date: '2026-03-03T00:00:00+08:00' });
    assert.equal((window.text.match(/<request>/g) ?? []).length, all.body.length);

    for (const [query, field] of [
      [{ start_date: '2026-01-01T00:00:00Z', end_date: '2026-04-02T00:00:00Z' }, 'end_date'],
      [{ start_date: '2026-03-02', end_date: '2026-03-03T00:00:00Z' }, 'start_date'],
      [{ status: 'pending' }, 'status'],
      [{ service_request_id: '12' }, 'service_request_id'],
    ] as const) {
      const res = await supertest(t.app).get('/open311/v2/requests.json').query(query);
      assert.equal(res.status, 400, JSON.stringify(query));
      assert.ok(res.body[0].description.startsWith(field), res.text);
    }
    const missing = await supertest(t.app).get('/open311/v2/requests/20990101000001.json');
    assert.equal(missing.status, 404);
    const phoneTicket = (await dispatcher.get('/api/tickets').query({ channel: 'phone' })).body.items[0].number;
    assert.equal((await supertest(t.app).get(`/open311/v2/requests/${phoneTicket}.json`)).status, 404, 'a phone ticket is no Open311 request');
  });

  it('when a partner key is used as a Bearer token on the rest of the API, then it is refused', async () => {
    const res = await supertest(t.app).get('/api/tickets').set('Authorization', `Bearer ${apiKey}`);
    assert.equal(res.status, 401);
    const plain = await supertest(t.app).get('/api/categories').set('Authorization', `Bearer ${plainToken}`);
    assert.equal(plain.status, 200);
  });
});
