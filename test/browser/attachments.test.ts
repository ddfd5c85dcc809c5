import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { aDepartment, aUser, testPassword } from '../builders/builders.js';
import { useBrowserApp } from '../helpers/browser.js';
import { signIn } from '../helpers/test-app.js';

const phoneScreen = { width: 390, height: 844 };

describe('Attachments in the consoles: a photo from the portal on a phone, seen by the lead department, refused to another', function () {
  this.timeout(120_000);
  const b = useBrowserApp();
  let folder: string;
  let photo: string;
  let renamed: string;

  before(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'hotline12345-photos-'));
    photo = path.join(folder, '路面塌陷.jpg');
    // A phone camera's photo: 7.7 megapixels of detail (noise compresses badly, as real scenes do), with the place it was taken.
    const bytes = await sharp({ create: { width: 3200, height: 2400, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 1 })
      .withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 3000/100' } })
      .toBuffer();
    assert.ok(bytes.length >= 5 * 1_048_576 && bytes.length < 10 * 1_048_576, `a 5 MB photo, not ${bytes.length} bytes`);
    writeFileSync(photo, bytes);
    renamed = path.join(folder, 'invoice.jpg');
    writeFileSync(renamed, Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.alloc(4000)]));
  });

  after(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('when a citizen sends a 5 MB photo with the request at 390 px, then the lead department sees it without its GPS position, another department is refused, and the renamed executable is not kept', async () => {
    const lead = await aDepartment(b.t.services, { name: '市政市容管理委员会' });
    const other = await aDepartment(b.t.services, { name: '市交通委员会' });
    const leadStaff = await aUser(b.t.services, ['department_staff'], { departmentId: lead.id });
    const otherStaff = await aUser(b.t.services, ['department_staff'], { departmentId: other.id });
    const dispatcher = await signIn(b.t.app, (await aUser(b.t.services, ['dispatcher'])).username, testPassword);

    const portal = await b.newPage('portal', { viewport: phoneScreen });
    await portal.goto(`${b.baseUrl()}/portal/`);
    await portal.waitForSelector('body[data-ready=true]');
    await portal.selectOption('#f-requestType', 'report');
    await portal.fill('#f-location-address', '朝阳区望京街道阜通东大街路口');
    await portal.fill('#f-subject', '路口路面塌陷');
    await portal.fill('#f-content', '阜通东大街路口路面塌陷一个大坑，车辆经过很危险，照片附上。');
    await portal.fill('#f-requester-phone', '13912345678');
    await portal.setInputFiles('#f-files', [photo, renamed]);
    assert.ok(await portal.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the form with its file control fits the phone');
    await b.screenshot(portal, 'attachments-portal-form');
    await portal.click('#submit-form button[type=submit]');
    await portal.waitForSelector('#ticket-number', { timeout: 60_000 });
    assert.match((await portal.textContent('#files-sent')) ?? '', /已上传 1 个文件/);
    assert.match((await portal.textContent('#submitted .file-refused')) ?? '', /invoice\.jpg：不支持此类文件/);
    await b.screenshot(portal, 'attachments-portal-sent');

    const number = (await portal.textContent('#ticket-number'))!.trim();
    const ticket = await b.t.services.tickets.ofRequester(number, '13912345678');
    const id = String(ticket._id);
    assert.equal((await dispatcher.post(`/api/tickets/${id}/dispatch`).send({ lead: lead.id })).status, 200);

    const leadPage = await b.signedInPage('/console/workspace/', leadStaff.username);
    await leadPage.goto(`${b.baseUrl()}/console/workspace/#/tickets/${id}`);
    await leadPage.waitForSelector(`#ticket[data-id="${id}"]`);
    const thumbnail = leadPage.locator('#files li[data-kind=image] img');
    await thumbnail.waitFor();
    await leadPage.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#files li[data-kind=image] img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    assert.equal(await thumbnail.getAttribute('alt'), '路面塌陷.jpg');
    assert.equal(await leadPage.locator('#files li').count(), 1, 'only the photo was kept');
    const full = await leadPage.evaluate(async () => {
      const href = document.querySelector<HTMLAnchorElement>('#files li[data-kind=image] a')!.href;
      const res = await fetch(href);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, type: res.headers.get('content-type'), nosniff: res.headers.get('x-content-type-options'), href, bytes: Array.from(bytes) };
    });
    assert.equal(full.status, 200);
    assert.equal(full.type, 'image/jpeg');
    assert.equal(full.nosniff, 'nosniff');
    const served = await sharp(Buffer.from(full.bytes)).metadata();
    assert.deepEqual([served.width, served.height, served.exif], [3200, 2400, undefined], 'the whole photo, without its EXIF and GPS position');
    await b.screenshot(leadPage, 'attachments-workspace');

    const otherPage = await b.signedInPage('/console/workspace/', otherStaff.username);
    const refused = await otherPage.evaluate(async ({ ticketId, href }) => {
      const statuses = await Promise.all([href, `${href}/thumbnail`, `/api/tickets/${ticketId}/attachments`].map(async (url) => (await fetch(url)).status));
      return statuses;
    }, { ticketId: id, href: new URL(full.href).pathname });
    assert.deepEqual(refused, [404, 404, 404]);

    const downloads = await b.t.services.audit.list({ entityType: 'attachment', action: 'attachment.download', limit: 10 });
    assert.deepEqual(downloads.map((e) => [e.actor.username, (e.changes as { variant: string }).variant]).sort(), [[leadStaff.username, 'file'], [leadStaff.username, 'thumbnail']]);

    // The department asks for more (补充材料): the requester adds a photo on the follow page, and sees only their own files.
    const leadAgent = await signIn(b.t.app, leadStaff.username, testPassword);
    assert.equal((await leadAgent.post(`/api/tickets/${id}/accept`).send({})).status, 200);
    const staffFile = await leadAgent.post(`/api/tickets/${id}/attachments?name=notes.pdf`).set('content-type', 'application/octet-stream')
      .send(Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'));
    assert.equal(staffFile.status, 201, JSON.stringify(staffFile.body));
    assert.equal((await leadAgent.post(`/api/tickets/${id}/request-info`).send({ items: ['坑的近照，带参照物'] })).status, 200);
    const follow = await b.newPage('follow', { viewport: phoneScreen });
    await follow.goto(`${b.baseUrl()}/portal/#/follow/${number}`);
    await follow.waitForSelector('body[data-ready=true]');
    await follow.fill('#f-phone', '13912345678');
    await follow.click('#follow-form button[type=submit]');
    await follow.waitForSelector('#files li[data-kind=image] img');
    assert.equal(await follow.locator('#files li').count(), 1, "the requester's own photo, not the department's notes");
    const closeUp = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#a52' } }).webp().toBuffer();
    await follow.setInputFiles('#files-add', { name: '近照.webp', mimeType: 'image/webp', buffer: closeUp });
    await follow.waitForFunction(() => document.querySelectorAll('#files li').length === 2);
    assert.match((await follow.textContent('#files-status')) ?? '', /已上传 1 个文件/);
    assert.ok(await follow.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the follow page with its photos fits the phone');
    await b.screenshot(follow, 'attachments-follow');
    const seenByLead = (await leadAgent.get(`/api/tickets/${id}/attachments`)).body.items as { name: string; source: string }[];
    assert.deepEqual(seenByLead.map((a) => [a.name, a.source]), [['路面塌陷.jpg', 'requester'], ['notes.pdf', 'staff'], ['近照.webp', 'requester']]);
  });
});
