import type { z } from 'zod';
import type { previewView, templateView } from '../../api/templates/templates.router.js';
import { api } from '../shared/api.js';
import { $, h } from '../shared/dom.js';
import { lang } from '../shared/i18n.js';
import { showError } from '../shared/shell.js';
import { m, type MessageKey } from './messages.js';
import { field, heading, select } from './ui.js';

/** What GET /api/templates and its previews answer. */
type Template = z.output<typeof templateView>;
type Preview = z.output<typeof previewView>;

const templateName = (id: string) => m.t(`template_${id.replaceAll('-', '_')}` as MessageKey);
const localeName = (locale: string) => m.t(locale === 'en' ? 'locale_en' : 'locale_zh');

/**
 * The notices as they go out, rendered by the API from each template's sample data. The mail shows in
 * a sandboxed frame loaded from the API (no scripts, an opaque origin) rather than through `srcdoc`: a
 * srcdoc page inherits this page's CSP, which would block the mail's inline styles.
 */
function previewCard(preview: Preview): HTMLElement {
  return h('section', { class: 'card', id: 'template-preview', 'aria-labelledby': 'preview-title', 'data-locale': preview.locale, 'data-channel': preview.channel },
    h('h3', { id: 'preview-title' }, m.t('previewOf', { id: `${templateName(preview.id)} · ${m.t(`channel_${preview.channel}` as MessageKey)} · ${localeName(preview.locale)}` })),
    h('dl', { class: 'facts' }, h('dt', {}, m.t('subject')), h('dd', { id: 'preview-subject' }, preview.subject)),
    preview.html === null ? null : h('h4', {}, m.t('htmlPart')),
    preview.html === null ? null : h('iframe', { id: 'preview-html', sandbox: '', src: `/api/templates/${encodeURIComponent(preview.id)}/preview.html?locale=${preview.locale}`, title: `${m.t('htmlPart')}: ${preview.subject}`, class: 'mail' }),
    h('h4', {}, m.t('textPart')),
    h('pre', { id: 'preview-text', class: 'notice-text' }, preview.text),
  );
}

export async function drawTemplates(root: HTMLElement): Promise<void> {
  const { items } = await api<{ items: Template[] }>('GET', '/api/templates');
  const output = h('div', { id: 'preview-output' });

  const form = h('form', { class: 'card', id: 'template-picker' },
    h('div', { class: 'row' },
      field(m.t('template'), select('id', items.map((t) => [t.id, `${templateName(t.id)} (${t.id})`] as const))),
      field(m.t('channel'), select('channel', [['email', m.t('channel_email')], ['sms', m.t('channel_sms')]])),
      field(m.t('locale'), select('locale', [['zh-CN', localeName('zh-CN')], ['en', localeName('en')]], lang())),
      h('button', { type: 'submit', class: 'primary' }, m.t('preview')),
    ),
  );
  const value = (name: string) => $<HTMLSelectElement>(`[name=${name}]`, form).value;
  // Only the channels the chosen template is sent by.
  const limitChannels = () => {
    const channels: readonly string[] = items.find((t) => t.id === value('id'))?.channels ?? [];
    for (const option of $<HTMLSelectElement>('[name=channel]', form).options) option.disabled = !channels.includes(option.value);
    if (!channels.includes(value('channel'))) $<HTMLSelectElement>('[name=channel]', form).value = channels[0] ?? 'email';
  };
  $<HTMLSelectElement>('[name=id]', form).addEventListener('change', limitChannels);
  limitChannels();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ locale: value('locale'), channel: value('channel') });
    api<Preview>('GET', `/api/templates/${encodeURIComponent(value('id'))}/preview?${query}`)
      .then((preview) => {
        showError(null);
        output.replaceChildren(previewCard(preview));
      })
      .catch(showError);
  });

  root.replaceChildren(heading('templates'),
    h('table', { id: 'templates', class: 'compact' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, m.t('template')), h('th', { scope: 'col' }, 'id'), h('th', { scope: 'col' }, m.t('channels')))),
      h('tbody', {}, ...items.map((t) => h('tr', {}, h('td', {}, templateName(t.id)), h('td', {}, h('code', {}, t.id)), h('td', {}, t.channels.map((c) => m.t(`channel_${c}` as MessageKey)).join('、'))))),
    ),
    form, output);
}
