import path from 'node:path';
import express, { Router } from 'express';
import { softphoneBuildDir, softphoneDir } from './paths.js';

/**
 * The softphone page at /softphone/ and its bundle at /softphone/assets/. The page's CSP is
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
    res.setHeader('Cache-Control', 'no-cache');
    // The microphone for this page only.
    res.setHeader('Permissions-Policy', 'microphone=(self), camera=()');
    res.sendFile(path.join(softphoneDir, 'index.html'));
  });
  router.use('/softphone/assets', express.static(softphoneBuildDir, { index: false, fallthrough: true, maxAge: 0 }));
  return router;
}
