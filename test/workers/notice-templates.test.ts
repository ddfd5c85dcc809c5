import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { catalogue, locales, sampleData, templateIds, type TemplateData, type TemplateId } from '../../templates/catalogue.js';
import { render } from '../../templates/render.js';

/** The catalogue's sample data: typed so a template without a sample does not compile. */
const examples = sampleData;

/** What identifies the example in its rendering. */
const identity = (id: TemplateId): string => {
  const example = examples[id] as { number?: string; month?: string; partner?: string; until?: string };
  return example.number ?? example.until ?? example.month ?? example.partner ?? '';
};

describe('notice templates', () => {
  for (const id of templateIds) {
    for (const locale of locales) {
      for (const channel of catalogue[id].channels) {
        it(`when ${id} is rendered in ${locale} for ${channel}, then it names the ticket and leaves nothing unfilled`, () => {
          const rendered = render(id, locale, examples[id], channel);
          for (const part of [rendered.subject, rendered.text, rendered.html ?? '']) {
            assert.doesNotMatch(part, /undefined|null|NaN|\[object Object\]/);
          }
          assert.ok(rendered.subject.length > 0);
          assert.ok(rendered.text.includes(identity(id)), rendered.text);
          assert.equal(rendered.html === undefined, channel === 'sms');
          if (rendered.html) assert.ok(rendered.html.includes(identity(id)));
          if (channel === 'sms') assert.ok(!rendered.text.includes('\n'), 'an SMS is one line');
        });
      }
    }
  }

  it('when every template file is listed, then each belongs to a catalogue entry and channel', () => {
    const expected = new Set(templateIds.flatMap((id) => catalogue[id].channels.flatMap((channel) => locales.map((locale) => `${channel}/${id}.${locale}.hbs`))));
    const onDisk = ['email', 'sms'].flatMap((channel) => readdirSync(new URL(`../../templates/${channel}/`, import.meta.url)).map((f) => `${channel}/${f}`));
    assert.deepEqual(onDisk.filter((f) => f !== 'email/layout.hbs').sort(), [...expected].sort());
  });

  it('when the requester of a dispatched ticket is confidential, then the mail names neither them nor their phone', () => {
    for (const locale of locales) {
      const open = render('ticket-dispatched', locale, examples['ticket-dispatched']);
      assert.ok(open.text.includes('王五') && open.text.includes('13900139000'));
      const confidential = render('ticket-dispatched', locale, { ...examples['ticket-dispatched'], requester: null });
      for (const part of [confidential.subject, confidential.text, confidential.html ?? '']) {
        assert.ok(!part.includes('王五') && !part.includes('13900139000'), part);
      }
      assert.match(confidential.text, locale === 'en' ? /confidential/ : /保密/);
    }
  });

  it('when data carries markup, then the HTML part escapes it and the text part keeps it as written', () => {
    const rendered = render('ticket-urged', 'zh-CN', { ...examples['ticket-urged'], subject: '<script>alert(1)</script> & 噪音' });
    assert.ok(rendered.html?.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; 噪音'));
    assert.ok(!rendered.html?.includes('<script>'));
    assert.ok(rendered.text.includes('<script>alert(1)</script> & 噪音'));
  });

  it('when deadlines are rendered, then they read in Beijing time', () => {
    assert.ok(render('ticket-urged', 'zh-CN', { ...examples['ticket-urged'], deadline: new Date('2026-03-09T02:00:00Z') }).text.includes('2026-03-09 10:00'));
  });

  it('when a field is missing or of the wrong type, then rendering fails instead of printing nothing', () => {
    const { subject: _subject, ...withoutSubject } = examples['ticket-urged'];
    assert.throws(() => render('ticket-urged', 'zh-CN', withoutSubject as TemplateData['ticket-urged']), /"subject" not defined/);
    assert.throws(() => render('ticket-urged', 'en', { ...examples['ticket-urged'], deadline: 'tomorrow' as unknown as Date }), /datetime/);
    assert.throws(() => render('monthly-ranking', 'en', { ...examples['monthly-ranking'], rows: [{ ...examples['monthly-ranking'].rows[0]!, responseRate: undefined as unknown as number }] }), /percent/);
  });

  it('when a template is asked for a channel it does not go out on, then rendering refuses', () => {
    assert.throws(() => render('ticket-dispatched', 'zh-CN', examples['ticket-dispatched'], 'sms'), /not sent by sms/);
  });
});
