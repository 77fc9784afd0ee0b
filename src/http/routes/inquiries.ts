import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import type { EventStore } from '../../store/event-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import {
  errorResponse,
  internalErrorResponse,
  malformedInquiryIdResponse,
  noBodyResponses,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids } from '../openapi/examples.js';
import { documentedReply } from '../openapi/named-examples.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import { documentedInquiryIdParams } from '../schemas.js';

export interface InquiryRoutesOptions {
  events: Pick<EventStore, 'reprocess'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

const reprocessAcceptedSchema = z.object({ inquiryId: z.string(), status: z.literal('processing') });

const reprocessSchema = {
  operationId: 'reprocessInquiry',
  tags: [TAGS.operations],
  summary: 'Process an inquiry again',
  description:
    'Re-queues the inquiry from its latest event: after a `failed`, or to re-evaluate under a new policy (a changed ' +
    "outcome gets the next `sequence`; the same outcome joins the decision's `history`).",
  security: BEARER_SECURITY,
  params: documentedInquiryIdParams({
    queued: ids.inquiryId,
    unknown: ids.unknownInquiryId,
    malformed: 'inq bad',
  }),
  response: {
    202: documentedReply(reprocessAcceptedSchema, 'Queued.', {
      queued: { summary: 'Queued', value: { inquiryId: ids.inquiryId, status: 'processing' } },
    }),
    400: malformedInquiryIdResponse,
    401: unauthorizedResponse,
    404: errorResponse(404, 'No event was ever received for this inquiry.', {
      unknown: { summary: 'An inquiry never seen', code: 'NOT_FOUND', message: 'no such inquiry' },
    }),
    ...noBodyResponses,
    default: internalErrorResponse,
  },
};

/** POST /inquiries/:inquiryId/reprocess for operators (bearer auth). */
export async function inquiryRoutes(fastify: FastifyInstance, options: InquiryRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  /** Re-queues an inquiry from its latest event: recovery after a failure, or re-evaluation under a new policy. */
  app.post(
    '/inquiries/:inquiryId/reprocess',
    {
      onRequest: options.requireBearer,
      schema: reprocessSchema,
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
