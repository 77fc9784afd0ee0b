import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { documentedReply } from '../openapi/named-examples.js';
import { TAGS } from '../openapi/tags.js';

// loose: the document is served whole; `info` unchecked because openapi-types' InfoObject has no index signature
const documentSchema = z.looseObject({
  openapi: z.string(),
  info: z.unknown(),
  paths: z.record(z.string(), z.unknown()).optional(), // optional in 3.1 (a document of webhooks only)
});

const openApiJsonSchema = {
  operationId: 'getOpenApiDocument',
  tags: [TAGS.contract],
  summary: 'This document',
  description: 'The OpenAPI 3.1 contract of this service, as docs/openapi.json has it. `/docs` renders it.',
  response: {
    200: documentedReply(documentSchema, 'The OpenAPI document.', {
      document: {
        summary: 'Abbreviated',
        value: { openapi: '3.1.0', info: { title: 'persona-decider', version: '0.1.0' }, paths: { '/healthz': {} } },
      },
    }),
  },
};

/**
 * The swagger-ui page's policy: the plugin's own (`staticCSP: true`) without `upgrade-insecure-requests`, which
 * would break the page for operators on plain http inside the network, and without the remote hosts it allows
 * (https: styles and fonts, the online validator): everything the page loads is served from here.
 */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'self'; img-src 'self' data:; " +
  "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'; form-action 'self'";

/**
 * GET /openapi.json: the contract, open like /healthz (it describes the API, it holds no data).
 *
 * GET /docs: a reference page for people. @fastify/swagger-ui, because it ships swagger-ui's built assets inside
 * the package (about 3 MB, served from node_modules by @fastify/static: no CDN, works offline; its validator badge,
 * the one remote call, is off) and renders OpenAPI 3.1 with the `webhooks` section and a try-it-out that takes the
 * bearer token. Scalar's Fastify plugin needs Node 22; a page of our own would be a renderer to maintain.
 */
export async function docsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/openapi.json', { schema: openApiJsonSchema }, async () => {
    const document = app.swagger();
    if (!('openapi' in document)) throw new Error('@fastify/swagger built a Swagger 2 document');
    return { ...document }; // a plain object type: the reply schema is loose (an index signature)
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, displayOperationId: true, defaultModelsExpandDepth: 0 },
  });
}
