import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import type { EventStore } from '../../store/event-store.js';
import { actorOf, type RequireBearer, requireOperate } from '../bearer-auth.js';
import {
  errorResponse,
  forbiddenResponse,
  internalErrorResponse,
  malformedInquiryIdResponse,
  noteBodyResponses,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids } from '../openapi/examples.js';
import { documentedReply, toExamplesMeta } from '../openapi/named-examples.js';
import { EXAMPLE_NOTE } from '../openapi/reply-examples.js';
import { OPTIONAL_BODY } from '../openapi/register-openapi.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import { actionBodySchema, documentedInquiryIdParams } from '../schemas.js';

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
    "outcome gets the next `sequence`; the same outcome joins the decision's `history`; an operator's review stands " +
    'unless the evidence changed). The optional `note` is kept in the audit trail (GET /audit).',
  security: BEARER_SECURITY,
  ...OPTIONAL_BODY,
  body: actionBodySchema.meta(toExamplesMeta({ queued: { summary: 'With a note', value: { note: EXAMPLE_NOTE } } })),
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
    403: forbiddenResponse,
    404: errorResponse(404, 'No event was ever received for this inquiry.', {
      unknown: { summary: 'An inquiry never seen', code: 'NOT_FOUND', message: 'no such inquiry' },
    }),
    ...noteBodyResponses,
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
      onRequest: [options.requireBearer, requireOperate],
      schema: reprocessSchema,
    },
    async (request, reply) => {
      const { inquiryId } = request.params;
      const by = { actor: actorOf(request).name, note: request.body?.note ?? null };
      if ((await options.events.reprocess(inquiryId, by)) === 'not_found')
        throw new AppError(ErrorCodes.NOT_FOUND, 'no such inquiry');
      options.onEnqueued();
      request.log.info({ inquiryId }, 'inquiry re-queued by operator');
      return reply.status(202).send({ inquiryId, status: 'processing' });
    },
  );
}
