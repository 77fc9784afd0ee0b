import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import { type DeliveryStore, isValidCursor } from '../../store/delivery-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import { deliveryStatusSchema, deliveryViewSchema, toDeliveryView } from '../delivery-view.js';
import { errorResponses } from '../schemas.js';

export interface DeliveryRoutesOptions {
  deliveries: Pick<DeliveryStore, 'list' | 'retryNow' | 'get'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

const listQuery = z.object({
  status: deliveryStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).refine(isValidCursor, 'is not a cursor from a previous page').optional(),
});

const listResponse = z.object({ items: z.array(deliveryViewSchema), nextCursor: z.string().nullable() });

const deliveryIdParams = z.object({ deliveryId: z.string().regex(/^msg_[A-Za-z0-9]{1,64}$/, 'malformed delivery id') });

/** Operations API for downstream delivery (bearer auth): list deliveries, retry a dead letter. */
export async function deliveryRoutes(fastify: FastifyInstance, options: DeliveryRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { deliveries, requireBearer } = options;

  app.get(
    '/deliveries',
    {
      onRequest: requireBearer,
      schema: { querystring: listQuery, response: { 200: listResponse, ...errorResponses } },
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
      schema: { params: deliveryIdParams, response: { 202: deliveryViewSchema, ...errorResponses } },
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
