import path from 'node:path';
import { Router } from 'express';
import { builtAssets, sendBuilt } from '../infra/bundles/serve.js';
import { consoles, consolesBuildDir, type ConsoleName } from './paths.js';

/** Same origin only: the consoles talk to the API and to nothing else. */
const csp = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
].join(';');

/**
 * The console pages (see consoles/shared/pages.ts) as consoles/build.ts wrote them, and their
 * bundles at /console/assets/, compressed. A page is checked again on each visit (it names the
 * bundles of the latest build), a bundle is kept for a year (its name changes with its content).
 * Middleware rather than routes: pages are no API endpoints (the OpenAPI document lists those).
 * `/` leads citizens to the portal and `/console/` lists the staff consoles.
 */
export function consolesRouter(): Router {
  const router = Router();
  const pages = new Map<string, string>([
    ...(Object.entries(consoles) as [ConsoleName, string][]).map(([name, at]): [string, string] => [at, `${name}.html`]),
    ['/console/', 'index.html'],
  ]);
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/') return res.redirect(302, consoles.portal);
    const file = pages.get(req.path) ?? pages.get(`${req.path}/`);
    if (!file) return next();
    if (!req.path.endsWith('/')) return res.redirect(301, `${req.path}/`);
    res.setHeader('Content-Security-Policy', csp);
    sendBuilt(req, res, next, consolesBuildDir, file, 'no-cache');
  });
  router.use('/console/assets', builtAssets(path.join(consolesBuildDir, 'assets')));
  return router;
}
