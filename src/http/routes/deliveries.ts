import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import { type DeliveryStore, isValidCursor } from '../../store/delivery-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import { deliveryStatusSchema, deliveryViewSchema, toDeliveryView } from '../delivery-view.js';
import {
  badQueryExample,
  errorResponse,
  internalErrorResponse,
  noBodyResponses,
  pageQueryExamples,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids } from '../openapi/examples.js';
import { documentedField, documentedReply } from '../openapi/named-examples.js';
import { pageLimit, pageCursor } from '../schemas.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import { PENDING_DELIVERY } from '../openapi/reply-examples.js';

export interface DeliveryRoutesOptions {
  deliveries: Pick<DeliveryStore, 'list' | 'retryNow' | 'get'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

const listQuery = z.object({
  status: documentedField(deliveryStatusSchema.optional(), 'Only deliveries in this state (`failed`: dead letters).', {
    pending: 'pending',
    badStatus: 'lost',
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
    'Re-queues a dead-lettered (or waiting) delivery at once, with a fresh retry schedule and the same `webhook-id`.',
  security: BEARER_SECURITY,
  params: deliveryIdParams,
  response: {
    202: documentedReply(deliveryViewSchema, 'Queued.', { retried: { summary: 'Queued', value: PENDING_DELIVERY } }),
    400: errorResponse(400, 'A malformed delivery id.', {
      malformed: { summary: 'Not a delivery id', code: 'BAD_REQUEST', message: 'malformed delivery id' },
    }),
    401: unauthorizedResponse,
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
    ...noBodyResponses,
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
      onRequest: requireBearer,
      schema: retrySchema,
    },
    async (request, reply) => {
      const { deliveryId } = request.params;
      const result = await deliveries.retryNow(deliveryId);
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
}
