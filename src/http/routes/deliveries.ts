import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import { type DeliveryStore, isValidCursor } from '../../store/delivery-store.js';
import { actorOf, type RequireBearer, requireOperate } from '../bearer-auth.js';
import { deliveryStatusSchema, deliveryViewSchema, toDeliveryView } from '../delivery-view.js';
import {
  badQueryExample,
  errorResponse,
  forbiddenResponse,
  internalErrorResponse,
  noteBodyResponses,
  pageQueryExamples,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids, EXAMPLE_TIME } from '../openapi/examples.js';
import { documentedField, documentedReply, toExamplesMeta } from '../openapi/named-examples.js';
import { actionBodySchema, inquiryIdParams, pageLimit, pageCursor } from '../schemas.js';
import { OPTIONAL_BODY } from '../openapi/register-openapi.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import { EXAMPLE_NOTE, PENDING_DELIVERY } from '../openapi/reply-examples.js';

export interface DeliveryRoutesOptions {
  deliveries: Pick<DeliveryStore, 'list' | 'retryNow' | 'get' | 'listAttempts'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

const listQuery = z.object({
  status: documentedField(deliveryStatusSchema.optional(), 'Only deliveries in this state (`failed`: dead letters).', {
    pending: 'pending',
    badStatus: 'lost',
  }),
  inquiryId: documentedField(inquiryIdParams.shape.inquiryId.optional(), "Only this inquiry's deliveries.", {
    malformedInquiry: 'inq bad',
  }),
  limit: documentedField(pageLimit(50), 'Page size.', {
    pending: 20,
    tooSmallLimit: 0,
  }),
  cursor: documentedField(pageCursor(isValidCursor), '`nextCursor` of the previous page.', { badCursor: 'garbage' }),
});

const listResponse = z.object({ items: z.array(deliveryViewSchema), nextCursor: z.string().nullable() });

const deliveryIdParams = z.object({
  deliveryId: documentedField(
    z.string().regex(/^msg_[A-Za-z0-9]{1,64}$/, 'malformed delivery id'),
    'The delivery id, which is also its `webhook-id` (`msg_…`).',
    {
      retried: ids.deliveryId,
      delivered: ids.deliveredDeliveryId,
      unknown: ids.unknownDeliveryId,
      malformed: 'not-a-delivery',
    },
  ),
});

const listDeliveriesSchema = {
  operationId: 'listDeliveries',
  tags: [TAGS.operations],
  summary: 'Downstream deliveries',
  description: 'Newest first, with their attempts and last error; `status=failed` lists the dead letters.',
  security: BEARER_SECURITY,
  querystring: listQuery,
  response: {
    200: documentedReply(listResponse, 'A page of deliveries.', {
      pending: { summary: 'Waiting deliveries', value: { items: [PENDING_DELIVERY], nextCursor: null } },
    }),
    400: errorResponse(400, 'A query parameter is malformed; the message names each.', {
      badStatus: badQueryExample(
        'status=lost',
        'status Invalid option: expected one of "pending"|"failed"|"delivered"',
      ),
      malformedInquiry: badQueryExample('inquiryId=inq bad', 'inquiryId malformed inquiry id'),
      ...pageQueryExamples,
    }),
    401: unauthorizedResponse,
    default: internalErrorResponse,
  },
};

const retrySchema = {
  operationId: 'retryDelivery',
  tags: [TAGS.operations],
  summary: 'Retry a delivery now',
  description:
    'Re-queues a dead-lettered (or waiting) delivery at once, with a fresh retry schedule and the same `webhook-id`. ' +
    "The optional `note` is kept in the audit trail (GET /audit) with the token's name.",
  security: BEARER_SECURITY,
  params: deliveryIdParams,
  ...OPTIONAL_BODY,
  body: actionBodySchema.meta(toExamplesMeta({ retried: { summary: 'With a note', value: { note: EXAMPLE_NOTE } } })),
  response: {
    202: documentedReply(deliveryViewSchema, 'Queued.', { retried: { summary: 'Queued', value: PENDING_DELIVERY } }),
    400: errorResponse(400, 'A malformed delivery id.', {
      malformed: { summary: 'Not a delivery id', code: 'BAD_REQUEST', message: 'malformed delivery id' },
    }),
    401: unauthorizedResponse,
    403: forbiddenResponse,
    404: errorResponse(404, 'No such delivery.', {
      unknown: { summary: 'An unknown id', code: 'NOT_FOUND', message: 'no such delivery' },
    }),
    409: errorResponse(409, 'The consumer already acknowledged it: redeliver the decision to send it again.', {
      delivered: {
        summary: 'Already delivered',
        code: 'CONFLICT',
        message: 'delivery already acknowledged; use redeliver to send it again',
      },
    }),
    ...noteBodyResponses,
    default: internalErrorResponse,
  },
};

const attemptsSchema = {
  operationId: 'listDeliveryAttempts',
  tags: [TAGS.operations],
  summary: "A delivery's attempts",
  description:
    "Every attempt, oldest first: the consumer's HTTP status (null when none came back), a short error (never the " +
    "consumer's body) and how long it took. `attempt` counts within a retry schedule (a retry starts a new one).",
  security: BEARER_SECURITY,
  params: z.object({
    deliveryId: documentedField(deliveryIdParams.shape.deliveryId, 'The delivery id (`msg_…`).', {
      attempts: ids.deliveredDeliveryId,
      unknown: ids.unknownDeliveryId,
      malformed: 'not-a-delivery',
    }),
  }),
  response: {
    200: documentedReply(
      z.object({
        items: z.array(
          z.object({
            attempt: z.number().int(),
            at: z.string(),
            status: z.number().int().nullable(),
            error: z.string().nullable(),
            durationMs: z.number().int(),
          }),
        ),
      }),
      'Every attempt, oldest first.',
      {
        attempts: {
          summary: 'Delivered at the first attempt',
          value: { items: [{ attempt: 1, at: EXAMPLE_TIME, status: 204, error: null, durationMs: 0 }] },
        },
      },
    ),
    400: errorResponse(400, 'A malformed delivery id.', {
      malformed: { summary: 'Not a delivery id', code: 'BAD_REQUEST', message: 'malformed delivery id' },
    }),
    401: unauthorizedResponse,
    404: errorResponse(404, 'No such delivery.', {
      unknown: { summary: 'An unknown id', code: 'NOT_FOUND', message: 'no such delivery' },
    }),
    default: internalErrorResponse,
  },
};

/** Operations API for downstream delivery (bearer auth): list deliveries, retry a dead letter. */
export async function deliveryRoutes(fastify: FastifyInstance, options: DeliveryRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { deliveries, requireBearer } = options;

  app.get(
    '/deliveries',
    {
      onRequest: requireBearer,
      schema: listDeliveriesSchema,
    },
    async (request) => {
      const page = await deliveries.list(request.query);
      return { items: page.items.map(toDeliveryView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/deliveries/:deliveryId/retry',
    {
      onRequest: [requireBearer, requireOperate],
      schema: retrySchema,
    },
    async (request, reply) => {
      const { deliveryId } = request.params;
      const result = await deliveries.retryNow(deliveryId, {
        actor: actorOf(request).name,
        note: request.body?.note ?? null,
      });
      if (result === 'not_found') throw new AppError(ErrorCodes.NOT_FOUND, 'no such delivery');
      if (result === 'already_delivered')
        throw new AppError(ErrorCodes.CONFLICT, 'delivery already acknowledged; use redeliver to send it again');
      options.onEnqueued();
      request.log.info({ deliveryId }, 'delivery re-queued by operator');
      const delivery = await deliveries.get(deliveryId);
      if (!delivery) throw new AppError(ErrorCodes.NOT_FOUND, 'no such delivery');
      return reply.status(202).send(toDeliveryView(delivery));
    },
  );

  app.get('/deliveries/:deliveryId/attempts', { onRequest: requireBearer, schema: attemptsSchema }, async (request) => {
    const items = await deliveries.listAttempts(request.params.deliveryId);
    if (!items) throw new AppError(ErrorCodes.NOT_FOUND, 'no such delivery');
    return { items };
  });
}
