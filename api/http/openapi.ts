import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';

export function createOpenApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey', in: 'cookie', name: 'h12345_session',
    description: 'Browser session from POST /api/auth/login; writes also need the x-csrf-token header',
  });
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'API token for integrations' });
  const plain = (description: string, type: string) => ({ 200: { description, content: { [type]: { schema: { type: 'string' as const } } } } });
  registry.registerPath({ method: 'get', path: '/metrics', summary: 'Prometheus metrics', tags: ['operations'], responses: plain('Metrics in the Prometheus text format', 'text/plain') });
  registry.registerPath({ method: 'get', path: '/api/openapi.json', summary: 'This document', tags: ['operations'], responses: plain('OpenAPI 3.0 document', 'application/json') });
  registry.registerPath({ method: 'get', path: '/api/docs', summary: 'Readable API documentation', tags: ['operations'], responses: plain('HTML page', 'text/html') });
  return registry;
}

export function generateOpenApiDocument(registry: OpenAPIRegistry) {
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: '12345 热线 API / hotline12345 API',
      version: '0.1.0',
      description: '12345 政务服务便民热线：受理、派单、时限、回访与考核。Errors are `{ error: { code, message, details } }` with stable codes.',
    },
    servers: [{ url: '/' }],
  });
}

const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const docsPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>12345 热线 API 文档</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/initializer.js"></script></body></html>`;

/** The document and a readable docs page, served from our own origin (no CDN). */
export function openApiRouter(registry: OpenAPIRegistry): Router {
  const router = Router();
  let document: ReturnType<typeof generateOpenApiDocument> | undefined;
  router.get('/api/openapi.json', (_req, res) => {
    document ??= generateOpenApiDocument(registry);
    res.json(document);
  });
  router.get(['/api/docs', '/api/docs/'], (_req, res) => {
    res.type('html').send(docsPage);
  });
  router.get('/api/docs/initializer.js', (_req, res) => {
    res.type('js').send("window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui' });");
  });
  router.use('/api/docs', express.static(swaggerUiDir, { index: false }));
  return router;
}
