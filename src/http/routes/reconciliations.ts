import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RECONCILIATION_STATUSES, type ReconciliationStore } from '../../store/reconciliation-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import {
  errorResponse,
  internalErrorResponse,
  pageQueryExamples,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_TIME } from '../openapi/examples.js';
import { documentedField, documentedReply } from '../openapi/named-examples.js';
import { pageLimit } from '../schemas.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';

export interface ReconciliationRoutesOptions {
  runs: Pick<ReconciliationStore, 'list'>;
  requireBearer: RequireBearer;
}

const listQuery = z.object({
  limit: documentedField(pageLimit(20), 'At most this many runs, newest first.', {
    runs: 5,
    tooSmallLimit: 0,
  }),
});

const runSchema = z.object({
  runId: z.string(),
  status: z.enum(RECONCILIATION_STATUSES),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Events created before this were not read. */
  stopAt: z.string(),
  pages: z.number().int(),
  found: z.number().int(),
  /** Events no webhook had brought: each was processed as a webhook would have been. */
  newEvents: z.number().int(),
  newestEventAt: z.string().nullable(),
  error: z.string().nullable(),
});
const runListSchema = z.object({ items: z.array(runSchema) });

const RUNS: z.output<typeof runListSchema> = {
  items: [
    {
      runId: 'rec_4f2a9c0e8b7d4d1f9a3e6c5b2d1f0e9a',
      status: 'completed',
      startedAt: EXAMPLE_TIME,
      finishedAt: EXAMPLE_TIME,
      stopAt: '2026-11-29T09:35:00.000Z',
      pages: 1,
      found: 42,
      newEvents: 2,
      newestEventAt: '2026-11-29T09:59:58.000Z',
      error: null,
    },
  ],
};

const listSchema = {
  operationId: 'listReconciliations',
  tags: [TAGS.operations],
  summary: 'Runs of the reconciliation sweep',
  description:
    "Each run of the sweep that lists Persona's events (`GET /events`) to find webhooks that never arrived " +
    '(RECONCILE_INTERVAL_SECONDS), newest first: how many pages it read, the events it found and how many of them ' +
    'were new (each one a missed webhook, processed as the webhook would have been). A run reads a few pages a ' +
    'minute (`running` meanwhile); `failed` names the error.',
  security: BEARER_SECURITY,
  querystring: listQuery,
  response: {
    200: documentedReply(runListSchema, 'The runs, newest first.', {
      runs: { summary: 'A run that found two missed webhooks', value: RUNS },
    }),
    400: errorResponse(400, 'A malformed `limit`.', { tooSmallLimit: pageQueryExamples.tooSmallLimit }),
    401: unauthorizedResponse,
    default: internalErrorResponse,
  },
};

/** GET /reconciliations: the sweep's runs (src/jobs/reconcile.ts), for operators. */
export async function reconciliationRoutes(
  fastify: FastifyInstance,
  options: ReconciliationRoutesOptions,
): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/reconciliations', { onRequest: options.requireBearer, schema: listSchema }, async (request) => ({
    items: await options.runs.list(request.query.limit),
  }));
}
