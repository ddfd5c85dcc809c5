import { Router } from 'express';
import { z } from 'zod';
import { authorize, type Actor } from '../../core/accounts/access.js';
import { catalogue, locales, noticeChannels, sampleData, templateIds, type Locale, type NoticeChannel, type TemplateId } from '../../templates/catalogue.js';
import { render } from '../../templates/render.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { ValidationError } from '../http/validation-error.js';

export const templateView = z
  .object({ id: z.enum(templateIds), channels: z.array(z.enum(noticeChannels)), locales: z.array(z.enum(locales)) })
  .meta({ id: 'NoticeTemplate' });

export const previewView = z
  .object({
    id: z.enum(templateIds),
    locale: z.enum(locales),
    channel: z.enum(noticeChannels),
    subject: z.string(),
    text: z.string(),
    html: z.string().nullable().meta({ description: 'The mail as sent; null for SMS' }),
  })
  .meta({ id: 'NoticePreview' });

/** The notice templates for administrators: which exist, and each rendered with its sample data. */
export function templatesRouter(endpoints: EndpointRegistry): Router {
  const router = Router();

  endpoints.mount(router, {
    method: 'get', path: '/api/templates', summary: 'Notice templates: id, channels and languages', tags: ['templates'],
    auth: 'user', errors: [403], response: z.object({ items: z.array(templateView) }),
    async handle({ actor }) {
      authorize(actor, 'templates.read');
      return { items: templateIds.map((id) => ({ id, channels: [...catalogue[id].channels], locales: [...locales] })) };
    },
  });

  const previewParams = z.strictObject({ id: z.enum(templateIds) });
  const previewQuery = z.strictObject({ locale: z.enum(locales).default('zh-CN'), channel: z.enum(noticeChannels).default('email') });

  function renderSample(actor: Actor, id: TemplateId, locale: Locale, channel: NoticeChannel) {
    authorize(actor, 'templates.read');
    if (!catalogue[id].channels.includes(channel)) {
      throw new ValidationError([{ field: 'channel', in: 'query', message: `${id} is sent by ${catalogue[id].channels.join(', ')} only` }]);
    }
    return render(id, locale, sampleData[id], channel);
  }

  endpoints.mount(router, {
    method: 'get', path: '/api/templates/:id/preview', summary: 'A template rendered with its sample data: subject, text and (mail) HTML', tags: ['templates'],
    auth: 'user', errors: [403], params: previewParams, query: previewQuery, response: previewView,
    async handle({ actor, params, query }) {
      const rendered = renderSample(actor, params.id, query.locale, query.channel);
      return { id: params.id, ...query, subject: rendered.subject, text: rendered.text, html: rendered.html ?? null };
    },
  });

  endpoints.mount(router, {
    method: 'get', path: '/api/templates/:id/preview.html', summary: 'The mail of a template as an HTML page (text/html), for framing in the administration console',
    tags: ['templates'], auth: 'user', errors: [403], params: previewParams, query: previewQuery.omit({ channel: true }),
    async handle({ actor, params, query, res }) {
      const rendered = renderSample(actor, params.id, query.locale, 'email');
      // The mail's own inline styles may apply, nothing else: no scripts, no requests, no forms.
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox");
      res.type('html').send(rendered.html);
    },
  });

  return router;
}
