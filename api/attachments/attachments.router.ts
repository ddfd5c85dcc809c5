import { pipeline } from 'node:stream/promises';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { publicActor } from '../../core/accounts/access.js';
import type { Attachments, Download } from '../../core/attachments/attachments.js';
import { attachmentSources } from '../../core/attachments/attachment.js';
import { servedTypes, tooLarge } from '../../core/attachments/file-content.js';

/** Checked files as their type, e-mail attachments as bytes to save. */
const answeredTypes = [...servedTypes, 'application/octet-stream'];
import type { Clock } from '../../core/platform/clock.js';
import { DomainError } from '../../core/platform/errors.js';
import type { EndpointRegistry } from '../http/endpoint.js';
import { line, objectId, phone } from '../http/common-schemas.js';
import { rateLimit } from '../http/rate-limit.js';

export const attachmentView = z
  .object({
    id: z.string(), ticketId: z.string().nullable(), name: z.string(),
    kind: z.enum(['image', 'document']).nullable().meta({ description: 'null: kept as an e-mail brought it, its type not checked (downloaded as application/octet-stream)' }),
    contentType: z.string().meta({ description: 'Told from the content for uploads, never from the name or the declared type' }),
    size: z.number().int(), sha256: z.string(), width: z.number().int().nullable(), height: z.number().int().nullable(),
    hasThumbnail: z.boolean(), source: z.enum(attachmentSources), uploadedBy: z.string().nullable().meta({ description: 'The staff member; null for the requester' }),
    createdAt: z.date(),
  })
  .meta({ id: 'Attachment' });

const uploadQuery = z.strictObject({ name: line(200).meta({ description: 'The file name; its extension is replaced by the one of the content' }) });
const ticketParams = z.strictObject({ id: objectId });
const attachmentId = z.string().regex(/^[A-Za-z0-9:_-]{1,120}$/, 'must be an attachment id');
const fileParams = z.strictObject({ id: objectId, attachmentId });
const ticketNumber = z.string().regex(/^\d{14}$/, 'must be the 14-digit ticket number');
const publicParams = z.strictObject({ number: ticketNumber });
const publicFileParams = z.strictObject({ number: ticketNumber, attachmentId });
const variants = [{ suffix: '', variant: 'file', what: 'The file' }, { suffix: '/thumbnail', variant: 'thumbnail', what: "An image's thumbnail (JPEG, at most 320 px)" }] as const;
const uploadErrors = [404, 409, 413, 415];

/** The bytes of one file, up to the configured size; a larger body is refused before it is read to the end. */
function fileBody(maxBytes: number): RequestHandler {
  const raw = express.raw({ type: () => true, limit: maxBytes });
  return (req, res, next) => {
    raw(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') return next(tooLarge(maxBytes));
      // The JSON parser took a body sent as application/json: an accepted file is never JSON.
      if (!err && req.body !== undefined && !Buffer.isBuffer(req.body)) {
        return next(new DomainError('ATTACHMENT_TYPE_REFUSED', "Send the file's bytes as they are (application/octet-stream or the file's own type), not JSON.", { field: 'file' }));
      }
      next(err);
    });
  };
}

const bytesOf = (req: Request): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

/** RFC 6266: an ASCII fallback and the UTF-8 name, so Chinese names survive. */
function disposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function send(res: Response, download: Download): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', download.contentType);
  res.setHeader('Content-Length', String(download.size));
  // Images open in the browser; documents are saved, never rendered on our origin.
  res.setHeader('Content-Disposition', disposition(download.inline ? 'inline' : 'attachment', download.name));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  // Every download is audited: no cache may answer in our place.
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('ETag', `"${download.sha256}"`);
  try {
    await pipeline(download.open(), res);
  } catch (err) {
    // Once the first bytes are out there is no error answer to give: a client that left just ends the transfer.
    if (!res.headersSent) throw err;
    res.destroy();
  }
}

/** Staff: the files of the tickets they may see (the ticket's own access rules). */
export function attachmentsRouter(endpoints: EndpointRegistry, deps: { attachments: Attachments }): Router {
  const router = Router();
  const { attachments } = deps;

  endpoints.mount(router, {
    method: 'post', path: '/api/tickets/:id/attachments', summary: '附件：add a photo or document to a ticket (the body is the file itself)', tags: ['attachments'],
    auth: 'user', status: 201, errors: uploadErrors, params: ticketParams, query: uploadQuery, fileBody: true, response: attachmentView,
    handle: ({ ctx, params, query, req }) => attachments.add(ctx, params.id, { name: query.name, bytes: bytesOf(req) }),
  }, fileBody(attachments.maxBytes));

  endpoints.mount(router, {
    method: 'get', path: '/api/tickets/:id/attachments', summary: "A ticket's photos and documents", tags: ['attachments'],
    auth: 'user', errors: [404], params: ticketParams, response: z.object({ items: z.array(attachmentView) }),
    async handle({ actor, params }) {
      return { items: await attachments.list(actor, params.id) };
    },
  });

  for (const { suffix, variant, what } of variants) {
    endpoints.mount(router, {
      method: 'get', path: `/api/tickets/:id/attachments/:attachmentId${suffix}`, summary: `${what}; every download is audited`, tags: ['attachments'],
      auth: 'user', errors: [404], params: fileParams, fileResponse: answeredTypes,
      async handle({ ctx, params, res }) {
        await send(res, await attachments.download(ctx, params.id, params.attachmentId, variant));
      },
    });
  }

  return router;
}

/** The requester, with the follow page's credentials (ticket number and phone): their own files. */
export function publicAttachmentsRouter(endpoints: EndpointRegistry, deps: { attachments: Attachments; clock: Clock }): Router {
  const router = Router();
  const { attachments, clock } = deps;
  const uploadLimit = rateLimit({ windowMs: 3_600_000, max: 60, clock, name: 'file uploads' });
  const readLimit = rateLimit({ windowMs: 60_000, max: 120, clock, name: 'file reads' });
  const asRequester = (req: Request) => ({ actor: publicActor, now: clock.now(), requestId: req.requestId });

  endpoints.mount(router, {
    method: 'post', path: '/api/public/tickets/:number/attachments',
    summary: '补充照片：the requester adds a photo or document right after submitting, or when the department asks for information', tags: ['public'],
    auth: 'public', status: 201, errors: [...uploadErrors, 429], params: publicParams, query: uploadQuery.extend({ phone }), fileBody: true, response: attachmentView,
    handle: ({ params, query, req }) => attachments.addByRequester(asRequester(req), params.number, query.phone, { name: query.name, bytes: bytesOf(req) }),
  }, uploadLimit, fileBody(attachments.maxBytes));

  endpoints.mount(router, {
    method: 'get', path: '/api/public/tickets/:number/attachments', summary: 'The files the requester added to their ticket', tags: ['public'],
    auth: 'public', errors: [404, 429], params: publicParams, query: z.strictObject({ phone }), response: z.object({ items: z.array(attachmentView) }),
    async handle({ params, query, res }) {
      res.setHeader('Cache-Control', 'no-store');
      return { items: await attachments.listForRequester(params.number, query.phone) };
    },
  }, readLimit);

  for (const { suffix, variant, what } of variants) {
    endpoints.mount(router, {
      method: 'get', path: `/api/public/tickets/:number/attachments/:attachmentId${suffix}`, summary: `${what} the requester added; every download is audited`, tags: ['public'],
      auth: 'public', errors: [404, 429], params: publicFileParams, query: z.strictObject({ phone }), fileResponse: answeredTypes,
      async handle({ params, query, req, res }) {
        await send(res, await attachments.downloadForRequester(asRequester(req), params.number, query.phone, params.attachmentId, variant));
      },
    }, readLimit);
  }

  return router;
}
