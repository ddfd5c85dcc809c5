import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import supertest from 'supertest';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

/** A photo as a phone takes it: turned by its EXIF orientation, with the GPS position where it was taken. */
async function photoWithPosition(): Promise<Buffer> {
  return sharp({ create: { width: 400, height: 200, channels: 3, background: '#3a6' } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 3000/100' } })
    .toBuffer();
}

const gpsInfoTag = (exif: Buffer) => exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88]));
const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
/** A Windows executable's first bytes (MZ header pointing at a PE signature), named as a photo. */
const executable = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.alloc(400)]);

/** A parser for supertest: the body as a Buffer whatever its type. */
const binary = (res: supertest.Response, done: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('API: photos and attachments', () => {
  const t = useTestApp({ at: '2026-03-02T02:00:00Z' });
  let operator: SignedInAgent;
  let dispatcher: SignedInAgent;
  let lead: SignedInAgent;
  let other: SignedInAgent;
  let supervisor: SignedInAgent;
  let leadDepartment: { id: string };

  before(async () => {
    leadDepartment = await aDepartment(t.services);
    const otherDepartment = await aDepartment(t.services);
    operator = await signIn(t.app, (await aUser(t.services, ['operator'])).username, testPassword);
    dispatcher = await signIn(t.app, (await aUser(t.services, ['dispatcher'])).username, testPassword);
    supervisor = await signIn(t.app, (await aUser(t.services, ['supervisor'])).username, testPassword);
    lead = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: leadDepartment.id })).username, testPassword);
    other = await signIn(t.app, (await aUser(t.services, ['department_staff'], { departmentId: otherDepartment.id })).username, testPassword);
  });

  async function dispatchedTicket(phone = '13800138000'): Promise<{ id: string; number: string }> {
    const created = await operator.post('/api/tickets').send({
      channel: 'phone', requestType: 'complaint', requester: { name: '张三', phone }, subject: '路面塌陷', content: '小区门口路面塌陷，有安全隐患。',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const dispatched = await dispatcher.post(`/api/tickets/${created.body.id}/dispatch`).send({ lead: leadDepartment.id });
    assert.equal(dispatched.status, 200, JSON.stringify(dispatched.body));
    return { id: created.body.id, number: created.body.number };
  }

  const upload = (agent: SignedInAgent, ticketId: string, name: string, bytes: Buffer) =>
    agent.post(`/api/tickets/${ticketId}/attachments?name=${encodeURIComponent(name)}`).set('content-type', 'application/octet-stream').send(bytes);

  it('when a photo with a GPS position goes up, then what is stored and served has no metadata, its orientation applied, and a thumbnail', async () => {
    const { id } = await dispatchedTicket();
    const original = await photoWithPosition();
    assert.ok(gpsInfoTag((await sharp(original).metadata()).exif!), 'the test photo carries a GPS position');

    const res = await upload(operator, id, '现场照片.JPG', original);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.contentType, 'image/jpeg');
    assert.equal(res.body.name, '现场照片.jpg');
    assert.deepEqual([res.body.width, res.body.height], [200, 400], 'turned upright by its orientation');
    assert.equal(res.body.hasThumbnail, true);

    const file = await lead.get(`/api/tickets/${id}/attachments/${res.body.id}`).buffer(true).parse(binary);
    assert.equal(file.status, 200);
    assert.equal(file.headers['content-type'], 'image/jpeg');
    assert.equal(file.headers['x-content-type-options'], 'nosniff');
    assert.equal(file.headers['content-disposition'], `inline; filename="____.jpg"; filename*=UTF-8''${encodeURIComponent('现场照片.jpg')}`);
    assert.equal(file.headers['cache-control'], 'private, no-store');
    const served = file.body as Buffer;
    assert.equal(createHash('sha256').update(served).digest('hex'), res.body.sha256);
    const metadata = await sharp(served).metadata();
    assert.equal(metadata.exif, undefined, 'no EXIF block at all');
    assert.equal(metadata.xmp, undefined);
    assert.equal(metadata.orientation, undefined);
    assert.ok(!served.includes(Buffer.from('Exif\0\0')));
    assert.deepEqual([metadata.width, metadata.height], [200, 400]);

    const thumbnail = await lead.get(`/api/tickets/${id}/attachments/${res.body.id}/thumbnail`).buffer(true).parse(binary);
    assert.equal(thumbnail.status, 200);
    assert.equal(thumbnail.headers['content-type'], 'image/jpeg');
    const small = await sharp(thumbnail.body as Buffer).metadata();
    assert.deepEqual([small.width, small.height], [160, 320]);
    assert.equal(small.exif, undefined);
  });

  it('when a renamed executable, an empty file or a file over the limit goes up, then each is refused with a code naming the field', async () => {
    const { id } = await dispatchedTicket();
    const renamed = await upload(operator, id, 'photo.jpg', executable).set('content-type', 'image/jpeg');
    assert.equal(renamed.status, 415, JSON.stringify(renamed.body));
    assert.equal(renamed.body.error.code, 'ATTACHMENT_TYPE_REFUSED');
    assert.equal(renamed.body.error.details.field, 'file');
    assert.equal(renamed.body.error.details.detected, 'application/x-msdownload');

    const text = await upload(operator, id, 'notes.pdf', Buffer.from('just some words, no PDF'));
    assert.equal(text.status, 415);
    assert.equal(text.body.error.details.detected, null);

    const empty = await upload(operator, id, 'x.jpg', Buffer.alloc(0));
    assert.equal(empty.status, 400, JSON.stringify(empty.body));
    assert.equal(empty.body.error.code, 'ATTACHMENT_EMPTY');

    const huge = await upload(operator, id, 'big.jpg', Buffer.alloc(10 * 1_048_576 + 1, 0xff));
    assert.equal(huge.status, 413, JSON.stringify(huge.body));
    assert.equal(huge.body.error.code, 'ATTACHMENT_TOO_LARGE');
    assert.equal(huge.body.error.details.field, 'file');

    const noName = await operator.post(`/api/tickets/${id}/attachments`).set('content-type', 'application/octet-stream').send(pdf);
    assert.equal(noName.status, 400);
    assert.deepEqual(noName.body.error.details.fields, [{ field: 'name', in: 'query', message: 'is required' }]);

    assert.deepEqual((await operator.get(`/api/tickets/${id}/attachments`)).body.items, [], 'nothing refused was kept');
  });

  it('when a PDF goes up, then it is kept as it is, saved rather than shown, and has no thumbnail', async () => {
    const { id } = await dispatchedTicket();
    const res = await upload(lead, id, 'report.docx', pdf);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.kind, 'document');
    assert.equal(res.body.name, 'report.pdf');
    assert.match(res.body.uploadedBy, /^departmentstaff-/);
    const file = await operator.get(`/api/tickets/${id}/attachments/${res.body.id}`).buffer(true).parse(binary);
    assert.equal(file.headers['content-type'], 'application/pdf');
    assert.match(String(file.headers['content-disposition']), /^attachment; filename="report.pdf"/);
    assert.deepEqual(file.body, pdf);
    const thumbnail = await operator.get(`/api/tickets/${id}/attachments/${res.body.id}/thumbnail`);
    assert.equal(thumbnail.status, 404);
  });

  it('when another department asks for a ticket\'s files, then it is refused like the ticket, and every download is in the audit trail', async () => {
    const { id } = await dispatchedTicket();
    const added = await upload(operator, id, 'photo.png', await sharp({ create: { width: 50, height: 50, channels: 4, background: '#00f8' } }).png().toBuffer());
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.contentType, 'image/png');

    assert.equal((await other.get(`/api/tickets/${id}/attachments`)).status, 404);
    assert.equal((await other.get(`/api/tickets/${id}/attachments/${added.body.id}`)).status, 404);
    assert.equal((await other.get(`/api/tickets/${id}/attachments/${added.body.id}/thumbnail`)).status, 404);
    assert.equal((await upload(other, id, 'mine.pdf', pdf)).status, 404);
    const list = await lead.get(`/api/tickets/${id}/attachments`);
    assert.deepEqual(list.body.items.map((a: { id: string }) => a.id), [added.body.id]);
    // The attachment's id under another ticket is not a way round the ticket's rules.
    const elsewhere = await dispatchedTicket();
    assert.equal((await lead.get(`/api/tickets/${elsewhere.id}/attachments/${added.body.id}`)).status, 404);

    assert.equal((await lead.get(`/api/tickets/${id}/attachments/${added.body.id}`)).status, 200);
    assert.equal((await lead.get(`/api/tickets/${id}/attachments/${added.body.id}/thumbnail`)).status, 200);
    const audit = await supervisor.get(`/api/audit?entityType=attachment&entityId=${added.body.id}`);
    assert.equal(audit.status, 200);
    const entries = audit.body.items.map((e: { action: string; actor: { username: string }; changes: { variant?: string; ticketId: string } }) =>
      [e.action, e.actor.username, e.changes.variant ?? null, e.changes.ticketId]);
    const leadName = entries.find((e: string[]) => e[0] === 'attachment.download')?.[1];
    assert.ok(leadName?.startsWith('departmentstaff-'));
    assert.deepEqual(entries.sort(), [
      ['attachment.download', leadName, 'file', id],
      ['attachment.download', leadName, 'thumbnail', id],
      ['attachment.upload', entries.find((e: string[]) => e[0] === 'attachment.upload')[1], null, id],
    ].sort());
  });

  it('when the requester adds photos with the number and phone, then only right after submitting or when asked for information, and they see only their own', async () => {
    const submitted = await supertest(t.app).post('/api/public/tickets').send({
      requestType: 'report', requester: { phone: '13912345678' }, subject: '井盖缺失', content: '路口井盖缺失，很危险。',
    });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const { number } = submitted.body;
    const publicUpload = (phone: string, name: string, bytes: Buffer) =>
      supertest(t.app).post(`/api/public/tickets/${number}/attachments?phone=${phone}&name=${encodeURIComponent(name)}`).set('content-type', 'application/octet-stream').send(bytes);

    assert.equal((await publicUpload('13900000000', 'a.jpg', await photoWithPosition())).status, 404, 'the phone must match');
    const first = await publicUpload('13912345678', 'a.jpg', await photoWithPosition());
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.source, 'requester');
    assert.equal(first.body.uploadedBy, null);

    const ticketId = first.body.ticketId as string;
    await dispatcher.post(`/api/tickets/${ticketId}/dispatch`).send({ lead: leadDepartment.id });
    const staffFile = await upload(lead, ticketId, 'internal.pdf', pdf);
    assert.equal(staffFile.status, 201);

    t.clock.advance(2 * 3_600_000);
    const late = await publicUpload('13912345678', 'b.jpg', await photoWithPosition());
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.equal(late.body.error.code, 'ATTACHMENTS_CLOSED');
    assert.equal((await lead.post(`/api/tickets/${ticketId}/accept`).send({})).status, 200);
    assert.equal((await lead.post(`/api/tickets/${ticketId}/request-info`).send({ items: ['井盖位置的近照'] })).status, 200);
    const asked = await publicUpload('13912345678', 'b.jpg', await photoWithPosition());
    assert.equal(asked.status, 201, JSON.stringify(asked.body));

    const mine = await supertest(t.app).get(`/api/public/tickets/${number}/attachments?phone=13912345678`);
    assert.deepEqual(mine.body.items.map((a: { id: string }) => a.id), [first.body.id, asked.body.id]);
    assert.equal((await supertest(t.app).get(`/api/public/tickets/${number}/attachments/${staffFile.body.id}?phone=13912345678`)).status, 404);
    const own = await supertest(t.app).get(`/api/public/tickets/${number}/attachments/${asked.body.id}/thumbnail?phone=13912345678`);
    assert.equal(own.status, 200);
    assert.equal(own.headers['content-type'], 'image/jpeg');
    assert.equal((await supertest(t.app).get(`/api/public/tickets/${number}/attachments?phone=13900000000`)).status, 404);

    const staffView = await lead.get(`/api/tickets/${ticketId}/attachments`);
    assert.equal(staffView.body.items.length, 3, 'staff see the requester\'s files and their own');
    const audit = await supervisor.get(`/api/audit?entityType=attachment&entityId=${asked.body.id}&action=attachment.download`);
    assert.deepEqual(audit.body.items.map((e: { actor: { username: string; via: string } }) => [e.actor.username, e.actor.via]), [['public', 'public']]);
  });

  it('when an e-mail brought a file, then it is handed out as bytes to save, whatever type its sender declared, and the requester sees it as theirs', async () => {
    const submitted = await supertest(t.app).post('/api/public/tickets').send({
      requestType: 'inquiry', requester: { phone: '13912340000' }, subject: '办事指南', content: '请问如何办理居住证？',
    });
    const ticket = await t.services.tickets.ofRequester(submitted.body.number, '13912340000');
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const kept = await t.services.attachments.keep({ id: 'email:test:0', name: 'page.html', contentType: 'text/html', content: html, source: 'email' }, t.clock.now());
    await t.services.attachments.linkToTicket([kept._id], String(ticket._id));
    const file = await operator.get(`/api/tickets/${ticket._id}/attachments/${kept._id}`).buffer(true).parse(binary);
    assert.equal(file.status, 200);
    assert.equal(file.headers['content-type'], 'application/octet-stream');
    assert.match(String(file.headers['content-disposition']), /^attachment; filename="page.html"/);
    assert.deepEqual(file.body, html);
    const mine = await supertest(t.app).get(`/api/public/tickets/${submitted.body.number}/attachments?phone=13912340000`);
    assert.deepEqual(mine.body.items.map((a: { id: string; kind: string | null }) => [a.id, a.kind]), [['email:test:0', null]]);
  });

  it('the OpenAPI document describes the uploads as binary bodies and the downloads as files', async () => {
    const doc = (await supertest(t.app).get('/api/openapi.json')).body;
    const post = doc.paths['/api/tickets/{id}/attachments'].post;
    assert.equal(post.requestBody.content['application/octet-stream'].schema.format, 'binary');
    assert.ok(post.responses['415'] && post.responses['413']);
    const get = doc.paths['/api/public/tickets/{number}/attachments/{attachmentId}'].get;
    assert.ok(get.responses['200'].content['image/jpeg']);
  });
});
