import type { Request, Response } from 'express';
import { ValidationError } from './validation-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * express.json's `verify`: the body parser would replace bytes that are not UTF-8 with U+FFFD and
 * we would store the damage; refuse the body instead.
 */
export function assertUtf8Body(_req: Request, _res: Response, body: Buffer): void {
  try {
    utf8.decode(body);
  } catch {
    throw new ValidationError([{ field: 'body', in: 'body', message: 'is not valid UTF-8' }]);
  }
}

// Without the u flag the pattern sees UTF-16 code units: a high surrogate not followed by a low one, or a low one alone.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls except tab, line feed and carriage return; DEL and the C1 controls.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const control = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// Embeddings, overrides and isolates can make "txt.exe" read as "exe.txt" in a console or a notice.
const bidiOverride = /[\u202A-\u202E\u2066-\u2069]/;
// Passwords are compared as typed: normalising them would change what an existing hash was made of.
const keptAsSent = /password/i;

type Where = 'params' | 'query' | 'body';

/**
 * Every string a client sends, checked and normalised before any schema sees it: well-formed
 * Unicode (a lone surrogate cannot be stored or shown faithfully), no control characters besides
 * line breaks and tabs, no bidi overrides, and NFC so that the same words compare and search alike.
 * Which fields must be a single line is the schemas' business (`line` in common-schemas).
 */
export function cleanText(value: unknown, where: Where): unknown {
  const issues: { field: string; in: Where; message: string }[] = [];
  const walk = (v: unknown, path: string[], key: string): unknown => {
    if (typeof v === 'string') {
      const field = path.length ? path.join('.') : where;
      if (loneSurrogate.test(v)) issues.push({ field, in: where, message: 'is not valid Unicode (lone surrogate)' });
      else if (control.test(v)) issues.push({ field, in: where, message: 'must not contain control characters' });
      else if (bidiOverride.test(v)) issues.push({ field, in: where, message: 'must not contain bidirectional override characters' });
      return keptAsSent.test(key) ? v : v.normalize('NFC');
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, String(i)], key));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...path, k], k)]));
    }
    return v;
  };
  const cleaned = walk(value, [], '');
  if (issues.length) throw new ValidationError(issues);
  return cleaned;
}
