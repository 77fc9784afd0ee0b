import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import { type DeliveryStore, isValidCursor } from '../../store/delivery-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import { toDeliveryView } from '../delivery-view.js';

export interface DeliveryRoutesOptions {
  deliveries: Pick<DeliveryStore, 'list' | 'retryNow' | 'get'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

const listQuery = z.object({
  status: z.enum(['pending', 'failed', 'delivered']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).refine(isValidCursor, 'is not a cursor from a previous page').optional(),
});

const DELIVERY_ID = /^msg_[A-Za-z0-9]{1,64}$/;

/** Operations API for downstream delivery (bearer auth): list deliveries, retry a dead letter. */
export async function deliveryRoutes(app: FastifyInstance, options: DeliveryRoutesOptions): Promise<void> {
  const { deliveries, requireBearer } = options;

  app.get('/deliveries', { onRequest: requireBearer }, async (request) => {
    const parsed = listQuery.safeParse(request.query);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
      throw new AppError(ErrorCodes.BAD_REQUEST, `invalid query: ${problems}`);
    }
    const page = await deliveries.list(parsed.data);
    return { items: page.items.map(toDeliveryView), nextCursor: page.nextCursor };
  });

  app.post<{ Params: { deliveryId: string } }>('/deliveries/:deliveryId/retry', { onRequest: requireBearer }, async (request, reply) => {
    const { deliveryId } = request.params;
    if (!DELIVERY_ID.test(deliveryId)) throw new AppError(ErrorCodes.BAD_REQUEST, 'malformed delivery id');
    const result = await deliveries.retryNow(deliveryId);
    if (result === 'not_found') throw new AppError(ErrorCodes.NOT_FOUND, 'no such delivery');
    if (result === 'already_delivered') throw new AppError(ErrorCodes.CONFLICT, 'delivery already acknowledged; use redeliver to send it again');
    options.onEnqueued();
    request.log.info({ deliveryId }, 'delivery re-queued by operator');
    const delivery = await deliveries.get(deliveryId);
    if (!delivery) throw new AppError(ErrorCodes.NOT_FOUND, 'no such delivery');
    return reply.status(202).send(toDeliveryView(delivery));
  });
}
