import path from 'node:path';
import { Router } from 'express';
import { builtAssets, sendBuilt } from '../infra/bundles/serve.js';
import { softphoneBuildDir } from './paths.js';

/**
 * The softphone page at /softphone/ and its bundle at /softphone/assets/, as softphone/build.ts
 * wrote them (compressed; the page checked again on each visit, the bundle kept for a year: see
 * consoles/serve.ts). The page's CSP is
 * helmet's default plus `connect-src ws: wss:`: sip.js talks to Kamailio's WebSocket, which is
 * another origin (another port, or another host behind TLS) than the API.
 */
export function softphoneRouter(): Router {
  const router = Router();
  const csp = [
    "default-src 'self'",
    "base-uri 'self'",
    "connect-src 'self' ws: wss:",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self'",
  ].join(';');
  // Middleware rather than routes: the page is no API endpoint (the OpenAPI document lists those).
  router.use('/softphone', (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== '/') return next();
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, '/softphone/');
    res.setHeader('Content-Security-Policy', csp);
    // The microphone for this page only.
    res.setHeader('Permissions-Policy', 'microphone=(self), camera=()');
    sendBuilt(req, res, next, softphoneBuildDir, 'index.html', 'no-cache');
  });
  router.use('/softphone/assets', builtAssets(path.join(softphoneBuildDir, 'assets')));
  return router;
}
