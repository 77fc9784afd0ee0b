import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JobQueue } from '../../store/job-queue.js';
import type { RequireBearer } from '../bearer-auth.js';
import {
  errorResponse,
  internalErrorResponse,
  pageQueryExamples,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids, EXAMPLE_TIME } from '../openapi/examples.js';
import { documentedField, documentedReply } from '../openapi/named-examples.js';
import { pageLimit } from '../schemas.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';

export interface JobRoutesOptions {
  queue: Pick<JobQueue, 'listFailed'>;
  requireBearer: RequireBearer;
}

const listQuery = z.object({
  limit: documentedField(pageLimit(50), 'At most this many, newest first.', {
    failed: 10,
    tooSmallLimit: 0,
  }),
});

const failedJobSchema = z.object({
  id: z.number(),
  kind: z.string(),
  key: z.string(),
  queue: z.string().nullable(),
  attempts: z.number(),
  lastError: z.string(),
  createdAt: z.iso.datetime(),
  failedAt: z.iso.datetime(),
});
const failedJobListSchema = z.object({ items: z.array(failedJobSchema) });
type FailedJobList = z.output<typeof failedJobListSchema>;

const FAILED_JOBS: FailedJobList = {
  items: [
    {
      id: 412,
      kind: 'process_inquiry',
      key: `process:${ids.eventId}`,
      queue: `inquiry:${ids.inquiryId}`,
      attempts: 1,
      lastError: 'invalid process_inquiry payload: eventCreatedAt: Invalid input: expected string, received undefined',
      createdAt: EXAMPLE_TIME,
      failedAt: EXAMPLE_TIME,
    },
  ],
};

const listFailedSchema = {
  operationId: 'listFailedJobs',
  tags: [TAGS.operations],
  summary: 'Jobs that can never run',
  description:
    'Jobs whose stored payload this version cannot read (e.g. left by another version), newest first. Their `key` ' +
    'names the event (`process:evt_…`) or delivery (`deliver:msg_…`) to reprocess or retry.',
  security: BEARER_SECURITY,
  querystring: listQuery,
  response: {
    200: documentedReply(failedJobListSchema, 'The failed jobs, each with the error naming its bad fields.', {
      failed: { summary: 'One unreadable payload', value: FAILED_JOBS },
    }),
    400: errorResponse(400, 'A malformed `limit`.', { tooSmallLimit: pageQueryExamples.tooSmallLimit }),
    401: unauthorizedResponse,
    default: internalErrorResponse,
  },
};

/**
 * GET /jobs/failed: jobs that left the queue because they can never run (a stored payload that does not parse, e.g.
 * written by another version), newest first, each with the error naming its bad fields. Their keys name the event
 * or delivery (`process:<eventId>`, `deliver:<deliveryId>`); POST /inquiries/:id/reprocess or
 * POST /deliveries/:id/retry queues that work again.
 */
export async function jobRoutes(fastify: FastifyInstance, options: JobRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/jobs/failed',
    {
      onRequest: options.requireBearer,
      schema: listFailedSchema,
    },
    async (request) => {
      const failed = await options.queue.listFailed(request.query.limit);
      const iso = (ms: number) => new Date(ms).toISOString();
      return { items: failed.map((job) => ({ ...job, createdAt: iso(job.createdAt), failedAt: iso(job.failedAt) })) };
    },
  );
}
