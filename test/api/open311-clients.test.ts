import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import supertest from 'supertest';
import { systemActor } from '../../core/accounts/access.js';
import { projectRoot } from '../../infra/documentdb/launcher.js';
import { aCategory, aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

/** Installed by scripts/setup.sh (pinned): georeport beside schemathesis, open311 with a Python 2.7. */
const python3 = path.join(projectRoot, '.cache/python/bin/python');
const python2 = path.join(projectRoot, '.cache/python2/python');
const python2Lib = path.join(projectRoot, '.cache/python2/lib');

/**
 * open311 1.1 (Code for America's client): posts a request and reads it back, in the format asked.
 * Arguments arrive as UTF-8 bytes, which is what its Python 2 `urlencode` takes.
 */
const open311Script = `
import json, sys
from open311 import Open311
endpoint, api_key, jurisdiction, fmt, action = sys.argv[1:6]
client = Open311(endpoint=endpoint, api_key=api_key, jurisdiction=jurisdiction, format=fmt)
if action == 'post':
    code, description, address, media_url, phone = sys.argv[6:11]
    result = client.post_service_request(**{
        'service_code': code, 'description': description, 'address_string': address, 'lat': '39.9042', 'long': '116.4074',
        'media_url': media_url, 'first_name': 'Wei', 'last_name': 'Li', 'phone': phone, 'attribute[request_type]': 'complaint'})
else:
    result = client.get_service_request(sys.argv[6])
print(json.dumps(result))
`;

/** georeport 0.3.1: the reading side (services, definitions, requests), in the format asked. */
const georeportScript = `
import json, sys
from georeport import GeoReport
endpoint, jurisdiction, fmt, code = sys.argv[1:5]
client = GeoReport(endpoint, jurisdiction=jurisdiction, output_format=fmt)
print(json.dumps({
    'services': client.get_service_list(),
    'definition': client.get_service_definition(code),
    'requests': client.get_service_requests(service_code=code, status='open,closed'),
    'request': client.get_service_request(sys.argv[5]),
}))
`;

function python(interpreter: string, script: string, args: string[], env: Record<string, string> = {}): Promise<unknown> {
  const child = spawn(interpreter, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${interpreter} exited ${code}: ${err}`))));
  });
}

const open311Client = (args: string[]) => python(python2, open311Script, args, { PYTHONPATH: python2Lib });
const georeportClient = (args: string[]) => python(python3, georeportScript, args);

/** What the georeport script prints: the client's return values as they are. */
interface GeoReportRead<L> {
  services: L;
  definition: Record<string, unknown>;
  requests: L;
  request: Record<string, unknown>;
}
/** xmltodict reads one repeated element as the element itself, several as a list. */
type XmlList = Record<string, unknown> | Record<string, unknown>[];
const list = (value: XmlList) => (Array.isArray(value) ? value : [value]);

interface XmlRequest {
  service_requests: { request: Record<string, string | null> };
}

describe('Open311: real client libraries from PyPI (open311 1.1, georeport 0.3.1)', function () {
  this.timeout(60_000);
  // Monday 2026-03-02 10:00 China time.
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let server: Server;
  let endpoint: string;
  let apiKey: string;
  let department: { id: string };
  let service: { code: string };
  let dispatcher: SignedInAgent;
  let staff: SignedInAgent;

  before(async () => {
    for (const needed of [python3, python2, path.join(python2Lib, 'open311')]) {
      if (!existsSync(needed)) throw new Error(`${needed} is missing: run bash scripts/setup.sh (open311 1.1 needs a Python 2.7)`);
    }
    server = createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/open311/v2`;
    department = await aDepartment(t.services, { name: '市城市管理委员会' });
    const top = await aCategory(t.services, { name: '城市管理' });
    service = await aCategory(t.services, { name: '井盖破损', parentId: top.id, defaultDepartmentId: department.id });
    await aCategory(t.services, { name: '违章停车', parentId: top.id });
    const partnerUser = await aUser(t.services, ['operator']);
    apiKey = (await t.services.users.issueToken({ actor: systemActor, now: t.clock.now() }, partnerUser.id, { name: 'street app', partner: '街道随手拍' })).token;
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    staff = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: department.id })).username, testPassword);
  });
  after(() => server?.close());

  it('when open311 posts a request with a photo, reads it back, and the department replies, then the client sees it closed with the reply', async () => {
    const { jurisdictionId } = t.services.open311.settings;
    const photo = 'https://photos.example.org/reports/manhole-cover.jpg';
    const created = (await open311Client([endpoint, apiKey, jurisdictionId, 'xml', 'post', service.code, '井盖破损，有行人绊倒的危险', '朝阳区建国路 88 号', photo, '138 0013 8000'])) as XmlRequest;
    const id = created.service_requests.request.service_request_id!;
    assert.match(id, /^\d{14}$/);

    const asXml = ((await open311Client([endpoint, apiKey, jurisdictionId, 'xml', 'get', id])) as XmlRequest).service_requests.request;
    assert.equal(asXml.status, 'open');
    assert.equal(asXml.media_url, photo);
    assert.equal(asXml.description, '井盖破损，有行人绊倒的危险');
    assert.equal(asXml.address, '朝阳区建国路 88 号');
    assert.equal(asXml.service_code, service.code);
    const [asJson] = (await open311Client([endpoint, apiKey, jurisdictionId, 'json', 'get', id])) as Record<string, unknown>[];
    assert.equal(asJson!.status, 'open');
    assert.equal(asJson!.media_url, photo);
    assert.equal(asJson!.lat, 39.9042);

    // The department's work, through the API as the people do it.
    const ticketId = (await dispatcher.get('/api/tickets').query({ channel: 'open311' })).body.items.find((s: { number: string }) => s.number === id).id;
    assert.equal((await dispatcher.post(`/api/tickets/${ticketId}/dispatch`).send({ lead: department.id })).status, 200);
    assert.equal((await staff.post(`/api/tickets/${ticketId}/accept`).send({})).status, 200);
    assert.equal((await staff.post(`/api/tickets/${ticketId}/reply`).send({ text: '已更换井盖并设置警示标志。' })).status, 200);
    assert.equal((await dispatcher.post(`/api/tickets/${ticketId}/approve-reply`).send({})).status, 200);

    const closed = ((await open311Client([endpoint, apiKey, jurisdictionId, 'xml', 'get', id])) as XmlRequest).service_requests.request;
    assert.equal(closed.status, 'closed');
    assert.equal(closed.status_notes, '已更换井盖并设置警示标志。');
    assert.equal(closed.agency_responsible, '市城市管理委员会');
    assert.equal(closed.media_url, photo);
  });

  it('when georeport reads the services, a definition and the requests in JSON and XML, then both formats say the same', async () => {
    const posted = await supertest(t.app).post('/open311/v2/requests.json').type('form')
      .send(new URLSearchParams({ api_key: apiKey, service_code: service.code, address_string: '朝阳区光华路 1 号', description: '井盖松动' }).toString());
    const id = posted.body[0].service_request_id as string;
    const { jurisdictionId } = t.services.open311.settings;
    const json = (await georeportClient([endpoint, jurisdictionId, 'json', service.code, id])) as GeoReportRead<Record<string, unknown>[]>;
    const xml = (await georeportClient([endpoint, jurisdictionId, 'xml', service.code, id])) as GeoReportRead<XmlList>;
    assert.deepEqual(json.services.map((s) => s.group), ['城市管理', '城市管理']);
    assert.deepEqual(list(xml.services).map((s) => s.service_code), json.services.map((s) => s.service_code));
    assert.equal(list(xml.services)[0]!.metadata, 'true', 'XML says true where JSON has the boolean');
    assert.equal(json.definition.service_code, service.code);
    const jsonAttributes = json.definition.attributes as { code: string }[];
    const xmlAttributes = list((xml.definition.attributes as { attribute: XmlList }).attribute);
    assert.deepEqual(xmlAttributes.map((a) => a.code), jsonAttributes.map((a) => a.code));
    const listed = json.requests.map((r) => r.service_request_id);
    assert.ok(listed.includes(id));
    assert.deepEqual(list(xml.requests).map((r) => r.service_request_id), listed);
    for (const request of [json.request, xml.request]) {
      assert.deepEqual(request, { ...request, service_request_id: id, status: 'open', description: '井盖松动', address: '朝阳区光华路 1 号' });
    }
  });
});
