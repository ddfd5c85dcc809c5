import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from '../../core/platform/logger.js';
import { knownError, statusFor } from '../http/error-handler.js';

/**
 * GeoReport v2 in its two formats. XML is the reference: schemaless, no namespace, a container
 * element around each list; JSON is its Spark-convention mapping (the root element dropped, every
 * container an array even with one item). http://wiki.open311.org/JSON_and_XML_Conversion
 */
export const formats = ['json', 'xml'] as const;
export type Format = (typeof formats)[number];

/** The element each list's items are written as in XML. */
const itemElement: Record<string, string> = {
  services: 'service', attributes: 'attribute', values: 'value', service_requests: 'request', errors: 'error', endpoints: 'endpoint', formats: 'format',
};

// Characters XML 1.0 cannot carry at all; stored text should hold none, but one would make the whole document unreadable.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const notXml = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeXml = (text: string) => text.replace(notXml, '\uFFFD').replace(/[&<>"]/g, (c) => escapes[c]!);

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function element(name: string, value: unknown): string {
  if (value === null || value === undefined) return `<${name}/>`;
  if (Array.isArray(value)) {
    const item = itemElement[name];
    if (!item) throw new Error(`no XML item element for the list ${name}`);
    return `<${name}>${value.map((v) => element(item, v)).join('')}</${name}>`;
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    return `<${name}>${Object.entries(value).map(([k, v]) => element(k, v)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(scalar(value))}</${name}>`;
}

export function toXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value)}`;
}

/** Answers in the format the path asked for; `root` is the XML document element. */
export function sendGeoReport(res: Response, format: Format, root: string, value: unknown, status = 200): void {
  res.status(status);
  if (format === 'json') {
    res.json(value);
    return;
  }
  res.setHeader('Content-Type', 'text/xml; charset=utf-8');
  res.send(toXml(root, value));
}

/** The format of a request's path (`….json` or `….xml`); XML, the required format, when it names neither. */
export function formatOf(req: Request): Format {
  return /\.json$/i.test(req.path) ? 'json' : 'xml';
}

/**
 * The specification's statuses: 404 for what does not exist, 403 for a missing or invalid
 * api_key, 400 for any other request that cannot be fulfilled; outages and bugs stay 503 and 500.
 */
function open311Status(status: number): number {
  if (status === 404 || status === 429 || status >= 500) return status;
  if (status === 401 || status === 403) return 403;
  return 400;
}

/** Errors on the Open311 paths as the specification's error list, in the format the path asked for. */
export function open311Errors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = knownError(err);
    const format = formatOf(req);
    if (!known) {
      logger.error({ err, requestId: req.requestId }, 'unhandled error');
      sendGeoReport(res, format, 'errors', [{ code: 500, description: `Internal error; quote the request id ${req.requestId} when reporting it.` }], 500);
      return;
    }
    const status = open311Status(statusFor(known));
    const retry = known.details?.retryAfterSeconds;
    if ((status === 429 || status === 503) && typeof retry === 'number') res.setHeader('Retry-After', String(retry));
    const fields = known.details?.fields as { field: string; message: string }[] | undefined;
    const field = known.details?.field;
    const named = typeof field === 'string' && !known.message.startsWith(field) ? `${field}: ${known.message}` : known.message;
    const descriptions = fields?.length ? fields.map((f) => `${f.field}: ${f.message}`) : [named];
    sendGeoReport(res, format, 'errors', descriptions.map((description) => ({ code: status, description })), status);
  };
}
