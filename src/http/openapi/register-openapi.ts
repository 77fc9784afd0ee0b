import { readFileSync } from 'node:fs';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { DECISION_CREATED_SCHEMA, decisionCreatedSchema, decisionCreatedWebhook } from './decision-created-webhook.js';
import { TAGS } from './tags.js';

const DESCRIPTION = `Self-hosted decision service for Persona identity verification: it takes Persona's signed webhooks, \
waits until an inquiry's evidence has settled, decides (approved, declined, manual_review, retry) under a versioned \
policy and delivers each decision to \`DOWNSTREAM_URL\` as a Standard Webhook (see \`webhooks\`).

Only \`POST /webhooks/persona\` is meant to be reachable from the internet (docs/deployment.md). The decision and \
operations routes take \`Authorization: Bearer <one of API_TOKENS>\`; health, this document and \`/docs\` are open.

**Errors** are always \`{ "error": { "code", "message" } }\`, \`code\` from a stable catalogue; 5xx messages are \
generic. While the service drains on shutdown any route may answer 503 with Fastify's own body.

**Examples** are named: a response example's request is every parameter's and the body's example of the same \
name, else their first one. \`x-given\` on a response example names the condition it needs: \`no-token\` (sent \
without \`Authorization\`), \`read-token\` (a token of \`API_READ_TOKENS\`), \`database-unreachable\`, \
\`downstream-not-configured\` (\`DOWNSTREAM_URL\` unset), \`body-over-limit\`, \`unsupported-content-type\` \
(\`application/xml\`). The test suite sends every example to the service and checks each answer against its schema \
(test/integration/openapi-examples.test.ts).`;

/**
 * Registers @fastify/swagger, which documents every route registered after it from its zod schemas (through
 * fastify-type-provider-zod's transform, JSON Schema 2020-12 for OpenAPI 3.1). Call before the routes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'persona-decider',
        version: readPackageVersion(),
        description: DESCRIPTION,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      tags: [
        { name: TAGS.intake, description: "Persona's webhooks: verified, stored, answered within Persona's 5 s." },
        { name: TAGS.decisions, description: 'Decisions for internal services (bearer token).' },
        { name: TAGS.operations, description: 'Recovery for operators: redeliver, retry, reprocess (bearer token).' },
        { name: TAGS.health, description: 'Liveness and readiness probes.' },
        { name: TAGS.metrics, description: 'Prometheus scrape target (open, or `METRICS_TOKEN`).' },
        { name: TAGS.contract, description: 'This document.' },
        { name: TAGS.downstream, description: 'What the service sends to DOWNSTREAM_URL.' },
      ],
      components: {
        schemas: { [DECISION_CREATED_SCHEMA]: decisionCreatedSchema() },
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'One of the comma-separated `API_TOKENS`.',
          },
          metricsAuth: {
            type: 'http',
            scheme: 'bearer',
            description: '`METRICS_TOKEN`, when it is set (else GET /metrics is open).',
          },
        },
      },
      webhooks: { 'decision.created': decisionCreatedWebhook() },
    },
    transform: jsonSchemaTransform,
    transformObject: (document) =>
      'openapiObject' in document
        ? withRequestIds(withOptionalBodies(withContentExamples(document.openapiObject)))
        : document.swaggerObject,
  });
}

const REQUEST_ID_SCHEMA = { type: 'string', pattern: '^[A-Za-z0-9._:+/=-]{1,128}$' };

/** The parts of an operation this transform touches (the document is @fastify/swagger's plain JSON). */
interface Operation {
  parameters?: unknown[];
  responses?: Record<string, { headers?: Record<string, unknown>; $ref?: string }>;
}

/**
 * Every operation takes an optional `x-request-id` (a proxy's id, kept when it is safe) and every answer carries
 * one (src/http/request-id.ts); it is on every log line of the request.
 */
function withRequestIds<T extends { paths?: unknown }>(document: T): T {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation | undefined> | undefined>;
  for (const item of Object.values(paths)) {
    for (const method of ['get', 'post', 'put', 'delete', 'patch']) {
      const operation = item?.[method];
      if (!operation) continue;
      operation.parameters = [
        ...(operation.parameters ?? []),
        {
          name: 'x-request-id',
          in: 'header',
          required: false,
          description: "A proxy's request id, echoed and logged when it is 1-128 safe characters; else a new one.",
          schema: REQUEST_ID_SCHEMA,
        },
      ];
      for (const response of Object.values(operation.responses ?? {})) {
        if (response.$ref !== undefined) continue;
        response.headers = {
          ...response.headers,
          'x-request-id': {
            description: 'The request id, as on the log lines of this request.',
            schema: REQUEST_ID_SCHEMA,
          },
        };
      }
    }
  }
  return document;
}

/** The route schemas' key for a body that may be left out (`{ "note": … }` of the operator actions). */
export const OPTIONAL_BODY = { 'x-optional-body': true } as const;

/** @fastify/swagger marks every body required; an operation with OPTIONAL_BODY takes none as well. */
function withOptionalBodies<T extends { paths?: unknown }>(document: T): T {
  type Optional = { 'x-optional-body'?: boolean; requestBody?: { required?: boolean } };
  const paths = (document.paths ?? {}) as Record<string, Record<string, Optional | undefined> | undefined>;
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item ?? {})) {
      if (!operation?.['x-optional-body']) continue;
      delete operation['x-optional-body'];
      if (operation.requestBody) operation.requestBody.required = false;
    }
  }
  return document;
}

/**
 * A reply in OpenAPI's content form (src/http/openapi/named-examples.ts `documentedTextReply`) keeps its named
 * examples on the schema, where @fastify/swagger leaves them: move them onto the media type, where they belong.
 */
function withContentExamples<T extends { paths?: unknown }>(document: T): T {
  type Media = { schema?: Record<string, unknown>; examples?: unknown };
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation | undefined> | undefined>;
  for (const item of Object.values(paths)) {
    for (const operation of Object.values(item ?? {})) {
      for (const response of Object.values(operation?.responses ?? {})) {
        const content = (response as { content?: Record<string, Media> }).content ?? {};
        for (const media of Object.values(content)) {
          if (media.schema?.['x-examples'] === undefined) continue;
          media.examples = media.schema['x-examples'];
          delete media.schema['x-examples'];
        }
      }
    }
  }
  return document;
}

/** package.json is three folders up from this file, in src/ and in dist/ alike (the image copies it beside dist/). */
function readPackageVersion(): string {
  const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}
