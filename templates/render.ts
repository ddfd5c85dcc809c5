import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { catalogue, type Locale, type NoticeChannel, type TemplateData, type TemplateId } from './catalogue.js';

export interface RenderedNotice {
  subject: string;
  text: string;
  html?: string;
}

const handlebars = Handlebars.create();

// Deadlines are read in Beijing time whatever the time zone of the machine that renders them.
const beijingTime = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

// Strict mode only checks plain `{{field}}` lookups, not helper arguments: the helpers check theirs.
function expect<T>(value: unknown, test: (v: unknown) => v is T, helper: string): T {
  if (!test(value)) throw new Error(`template helper ${helper} got ${String(value)}`);
  return value;
}
const isDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

handlebars.registerHelper('datetime', (at: unknown) => beijingTime.format(expect(at, isDate, 'datetime')));
handlebars.registerHelper('percent', (fraction: unknown) => `${(expect(fraction, isNumber, 'percent') * 100).toFixed(1)}%`);
handlebars.registerHelper('decimal', (value: unknown) => expect(value, isNumber, 'decimal').toFixed(1));

const compileOptions = { strict: true, knownHelpers: { datetime: true, percent: true, decimal: true }, knownHelpersOnly: true };

interface Compiled {
  /** Values HTML-escaped, for the HTML part. */
  escaped: Handlebars.TemplateDelegate;
  /** Values as they are, for plain text (SMS, the text part, subjects). */
  plain: Handlebars.TemplateDelegate;
}

const compiledSources = new Map<string, Compiled>();

function compile(source: string): Compiled {
  let compiled = compiledSources.get(source);
  if (!compiled) {
    compiled = { escaped: handlebars.compile(source, compileOptions), plain: handlebars.compile(source, { ...compileOptions, noEscape: true }) };
    compiledSources.set(source, compiled);
  }
  return compiled;
}

const fileSources = new Map<string, string>();

function file(relative: string): string {
  let source = fileSources.get(relative);
  if (source === undefined) {
    source = readFileSync(new URL(relative, import.meta.url), 'utf8');
    fileSources.set(relative, source);
  }
  return source;
}

/**
 * Renders one notice. Mail gets a plain-text part and an HTML part from the same template (values
 * escaped in the HTML one); SMS gets text only. A field missing from the data fails the render.
 */
export function render<I extends TemplateId>(id: I, locale: Locale, data: TemplateData[I], channel: NoticeChannel = 'email'): RenderedNotice {
  const entry = catalogue[id];
  if (!entry.channels.includes(channel)) throw new Error(`template ${id} is not sent by ${channel}`);
  const subject = compile(entry.subject[locale]).plain(data).trim();
  const body = compile(file(`./${channel}/${id}.${locale}.hbs`));
  const text = body.plain(data).trim();
  if (channel === 'sms') return { subject, text };
  const html = compile(file('./email/layout.hbs')).escaped({ lang: locale, subject, body: body.escaped(data).trim() });
  return { subject, text, html };
}
