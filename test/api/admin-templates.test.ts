import assert from 'node:assert/strict';
import { catalogue, locales, sampleData, templateIds } from '../../templates/catalogue.js';
import { aUser, testPassword } from '../builders/builders.js';
import { signIn, useTestApp, type SignedInAgent } from '../helpers/test-app.js';

describe('API: notice templates listed and previewed with their sample data', () => {
  const t = useTestApp();
  let admin: SignedInAgent;

  before(async () => {
    admin = await signIn(t.app, (await aUser(t.services, ['administrator'])).username, testPassword);
  });

  it('when the templates are listed, then every catalogue entry appears with its channels and both languages', async () => {
    const res = await admin.get('/api/templates');
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.items,
      templateIds.map((id) => ({ id, channels: [...catalogue[id].channels], locales: ['zh-CN', 'en'] })),
    );
  });

  for (const id of templateIds) {
    it(`when ${id} is previewed on each channel in each language, then its sample renders with nothing unfilled`, async () => {
      const sample = sampleData[id] as { number?: string; month?: string; partner?: string };
      const identity = sample.number ?? sample.month ?? sample.partner ?? '';
      for (const channel of catalogue[id].channels) {
        for (const locale of locales) {
          const res = await admin.get(`/api/templates/${id}/preview?locale=${locale}&channel=${channel}`);
          assert.equal(res.status, 200, `${id} ${channel} ${locale}: ${JSON.stringify(res.body)}`);
          assert.deepEqual([res.body.id, res.body.locale, res.body.channel], [id, locale, channel]);
          for (const part of [res.body.subject, res.body.text, res.body.html ?? '']) assert.doesNotMatch(part, /undefined|NaN|\[object Object\]/);
          assert.ok(res.body.text.includes(identity), res.body.text);
          if (channel === 'sms') assert.equal(res.body.html, null);
          else assert.match(res.body.html, new RegExp(`<html lang="${locale}">`));
        }
      }
    });
  }

  it('when the language is English, then the subject is the English one', async () => {
    const zh = await admin.get('/api/templates/ticket-urged/preview?locale=zh-CN');
    const en = await admin.get('/api/templates/ticket-urged/preview?locale=en');
    assert.equal(zh.body.subject, '【催办】工单 20260302000003');
    assert.equal(en.body.subject, '[Urged] Ticket 20260302000003');
  });

  it('when the id, language or channel is unknown, or the template is not sent by that channel, then 400 VALIDATION_FAILED names the field', async () => {
    const cases: [string, string][] = [
      ['/api/templates/no-such-template/preview', 'id'],
      ['/api/templates/ticket-urged/preview?locale=fr', 'locale'],
      ['/api/templates/ticket-urged/preview?channel=fax', 'channel'],
      ['/api/templates/ticket-urged/preview?channel=sms', 'channel'],
    ];
    for (const [url, field] of cases) {
      const res = await admin.get(url);
      assert.equal(res.status, 400, url);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED', url);
      assert.equal(res.body.error.details.fields[0].field, field, url);
    }
  });

  it('when the mail is asked for as a page, then it is the same HTML, under a CSP that allows its inline styles and nothing else', async () => {
    const json = await admin.get('/api/templates/ticket-dispatched/preview?locale=en');
    const page = await admin.get('/api/templates/ticket-dispatched/preview.html?locale=en');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'] ?? '', /^text\/html/);
    assert.equal(page.text, json.body.html);
    const csp = page.headers['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'unsafe-inline'/);
    assert.match(csp, /sandbox/);
    assert.doesNotMatch(csp, /script-src/);
  });

  it('when someone other than an administrator asks, then 403 FORBIDDEN', async () => {
    for (const role of ['supervisor', 'operator', 'dispatcher'] as const) {
      const other = await signIn(t.app, (await aUser(t.services, [role])).username, testPassword);
      for (const url of ['/api/templates', '/api/templates/ticket-received/preview', '/api/templates/ticket-received/preview.html']) {
        const res = await other.get(url);
        assert.equal(res.status, 403, `${role} ${url}`);
        assert.equal(res.body.error.code, 'FORBIDDEN');
      }
    }
  });
});
