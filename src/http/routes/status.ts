import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { budgetNumbers, type DatabaseSnapshot, dueJobNumbers } from '../../metrics/database-snapshot.js';
import type { RequireBearer } from '../bearer-auth.js';
import { internalErrorResponse, unauthorizedResponse } from '../openapi/error-responses.js';
import { documentedReply } from '../openapi/named-examples.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';

export interface StatusRoutesOptions {
  /** The read behind the metrics' database gauges (the same numbers; not cached here). */
  readSnapshot: () => Promise<DatabaseSnapshot>;
  requireBearer: RequireBearer;
}

const statusReply = z.object({
  jobsDue: z
    .array(z.object({ kind: z.string(), due: z.number().int(), oldestDueAgeSeconds: z.number() }))
    .describe('Jobs due now that no worker holds, by kind (the backlog): `persona_decider_jobs_due`.'),
  deliveries: z.object({
    pending: z.number().int().describe('Waiting to be sent or retried.'),
    deadLettered: z.number().int().describe('Given up on (POST /deliveries/:deliveryId/retry).'),
  }),
  inquiriesFailed: z.number().int().describe('Inquiries whose processing failed (POST /inquiries/:id/reprocess).'),
  failedJobs: z.number().int().describe('Jobs out of the queue for good (GET /jobs/failed).'),
  personaBudget: z
    .object({ remaining: z.number().nullable(), limit: z.number().nullable() })
    .nullable()
    .describe("Persona's rate-limit window as last reported; null until Persona has reported one."),
  databaseUp: z.literal(true).describe('Always true: when the database does not answer, the route answers 500.'),
  reviewQueue: z
    .number()
    .int()
    .describe(
      'Current decisions that are manual_review and not reviewed (GET /decisions?…&reviewed=false): ' +
        '`persona_decider_review_queue`.',
    ),
});

const statusSchema = {
  operationId: 'getStatus',
  tags: [TAGS.operations],
  summary: 'Backlog, dead letters, Persona budget, review queue',
  description:
    'The numbers of the database gauges of GET /metrics (the review queue included), read now from the database ' +
    '(the same on every replica). For the operator console.',
  security: BEARER_SECURITY,
  response: {
    200: documentedReply(statusReply, 'The numbers now.', {
      quiet: {
        summary: 'A quiet service',
        value: {
          jobsDue: [{ kind: 'deliver_decision', due: 1, oldestDueAgeSeconds: 0 }],
          deliveries: { pending: 1, deadLettered: 0 },
          inquiriesFailed: 0,
          failedJobs: 1,
          personaBudget: null,
          databaseUp: true,
          reviewQueue: 1,
        },
      },
    }),
    401: unauthorizedResponse,
    default: internalErrorResponse,
  },
};

/** GET /status (bearer auth, either kind of token). */
export async function statusRoutes(fastify: FastifyInstance, options: StatusRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/status', { onRequest: options.requireBearer, schema: statusSchema }, async () => {
    const snapshot = await options.readSnapshot();
    return {
      jobsDue: dueJobNumbers(snapshot),
      deliveries: { pending: snapshot.deliveries.pending, deadLettered: snapshot.deliveries.failed },
      inquiriesFailed: snapshot.failedInquiries,
      failedJobs: snapshot.failedJobs,
      personaBudget: budgetNumbers(snapshot),
      databaseUp: true as const,
      reviewQueue: snapshot.reviewQueue,
    };
  });
}
