import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import type { EventStore } from '../../store/event-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import { errorResponses, inquiryIdParams } from '../schemas.js';

export interface InquiryRoutesOptions {
  events: Pick<EventStore, 'reprocess'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

const reprocessAcceptedSchema = z.object({ inquiryId: z.string(), status: z.literal('processing') });

/** POST /inquiries/:inquiryId/reprocess for operators (bearer auth). */
export async function inquiryRoutes(fastify: FastifyInstance, options: InquiryRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  /** Re-queues an inquiry from its latest event: recovery after a failure, or re-evaluation under a new policy. */
  app.post(
    '/inquiries/:inquiryId/reprocess',
    {
      onRequest: options.requireBearer,
      schema: { params: inquiryIdParams, response: { 202: reprocessAcceptedSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const { inquiryId } = request.params;
      if ((await options.events.reprocess(inquiryId)) === 'not_found')
        throw new AppError(ErrorCodes.NOT_FOUND, 'no such inquiry');
      options.onEnqueued();
      request.log.info({ inquiryId }, 'inquiry re-queued by operator');
      return reply.status(202).send({ inquiryId, status: 'processing' });
    },
  );
}
