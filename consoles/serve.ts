import path from 'node:path';
import express, { Router } from 'express';
import { consoles, consolesBuildDir, consolesDir, type ConsoleName } from './paths.js';

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
 * The console pages (see consoles/shared/pages.ts) and their bundles at /console/assets/. Middleware
 * rather than routes: pages are no API endpoints (the OpenAPI document lists those). `/` leads citizens to the portal and
 * `/console/` lists the staff consoles.
 */
export function consolesRouter(): Router {
  const router = Router();
  const pages = new Map<string, string>([
    ...(Object.entries(consoles) as [ConsoleName, string][]).map(([name, at]): [string, string] => [at, path.join(consolesDir, name, 'index.html')]),
    ['/console/', path.join(consolesDir, 'index.html')],
  ]);
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/') return res.redirect(302, consoles.portal);
    const file = pages.get(req.path) ?? pages.get(`${req.path}/`);
    if (!file) return next();
    if (!req.path.endsWith('/')) return res.redirect(301, `${req.path}/`);
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(file);
  });
  router.use('/console/assets', express.static(consolesBuildDir, { index: false, fallthrough: true, maxAge: 0 }));
  return router;
}
