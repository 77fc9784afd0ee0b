import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JobQueue } from '../../store/job-queue.js';
import type { RequireBearer } from '../bearer-auth.js';
import { errorResponses } from '../schemas.js';

export interface JobRoutesOptions {
  queue: Pick<JobQueue, 'listFailed'>;
  requireBearer: RequireBearer;
}

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

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
      schema: {
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(failedJobSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const failed = await options.queue.listFailed(request.query.limit);
      const iso = (ms: number) => new Date(ms).toISOString();
      return { items: failed.map((job) => ({ ...job, createdAt: iso(job.createdAt), failedAt: iso(job.failedAt) })) };
    },
  );
}
