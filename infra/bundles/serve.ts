import { statSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Hashed names (infra/bundles/build.ts) change with their content: a browser may keep them for a year without asking again. */
const immutable = 'public, max-age=31536000, immutable';
/** Only names the build writes: no encoded characters, no `..`. */
const builtName = /^(?:[\w-]+\/)*[\w-]+(?:\.[\w-]+)+$/;
const encodings = { br: '.br', gzip: '.gz' } as const;

/**
 * A file of a build of infra/bundles/build.ts: the compressed version the browser accepts (brotli
 * before gzip) when the build wrote one, with `Vary: Accept-Encoding` for the caches between, or
 * the file itself. `next()` when the build has no such file.
 */
export function sendBuilt(req: Request, res: Response, next: NextFunction, root: string, name: string, cacheControl: string): void {
  if (!builtName.test(name)) return next();
  const exists = (file: string) => statSync(path.join(root, file), { throwIfNoEntry: false })?.isFile() ?? false;
  if (!exists(name)) return next();
  // Brotli whenever it is accepted at all: browsers list gzip first, at the same weight.
  const encoding = (Object.keys(encodings) as (keyof typeof encodings)[]).find((candidate) => req.acceptsEncodings(candidate) === candidate && exists(`${name}${encodings[candidate]}`)) ?? null;
  res.vary('Accept-Encoding');
  res.setHeader('Cache-Control', cacheControl);
  // The type of the file, not of its compressed version (send keeps a Content-Type already set).
  res.type(path.extname(name));
  if (encoding) res.setHeader('Content-Encoding', encoding);
  const file = encoding ? `${name}${encodings[encoding]}` : name;
  res.sendFile(file, { root, cacheControl: false, dotfiles: 'deny' }, (err?: Error & { status?: number }) => {
    if (!err || res.headersSent) return;
    res.removeHeader('Content-Encoding');
    next(err.status === 404 ? undefined : err);
  });
}

/** The bundles of a build (its `assets/` folder), each kept by browsers for a year. */
export function builtAssets(dir: string): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    sendBuilt(req, res, next, dir, req.path.slice(1), immutable);
  };
}
