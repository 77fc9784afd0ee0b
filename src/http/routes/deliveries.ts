import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import { PERSONA_ID } from '../../persona/ids.js';
import type { DecisionStore } from '../../store/decision-store.js';
import { type Delivery, type DeliveryStore, isValidCursor } from '../../store/delivery-store.js';
import type { RequireBearer } from '../bearer-auth.js';

export interface DeliveryRoutesOptions {
  deliveries: DeliveryStore;
  decisions: DecisionStore;
  requireBearer: RequireBearer;
  onEnqueued: () => void;
}

const listQuery = z.object({
  status: z.enum(['pending', 'failed', 'delivered']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).refine(isValidCursor, 'is not a cursor from a previous page').optional(),
});

const DELIVERY_ID = /^msg_[A-Za-z0-9]{1,64}$/;

/** Operations API for downstream delivery: inspect, retry a dead letter, redeliver a decision. */
export async function deliveryRoutes(app: FastifyInstance, options: DeliveryRoutesOptions): Promise<void> {
  const { deliveries, decisions, requireBearer } = options;

  app.get('/deliveries', { onRequest: requireBearer }, async (request) => {
    const parsed = listQuery.safeParse(request.query);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
      throw new AppError(ErrorCodes.BAD_REQUEST, `invalid query: ${problems}`);
    }
    const page = await deliveries.list(parsed.data);
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  });

  app.post<{ Params: { deliveryId: string } }>('/deliveries/:deliveryId/retry', { onRequest: requireBearer }, async (request, reply) => {
    const { deliveryId } = request.params;
    if (!DELIVERY_ID.test(deliveryId)) throw new AppError(ErrorCodes.BAD_REQUEST, 'malformed delivery id');
    const result = await deliveries.retryNow(deliveryId);
    if (result === 'not_found') throw new AppError(ErrorCodes.NOT_FOUND, 'no such delivery');
    if (result === 'already_delivered') throw new AppError(ErrorCodes.CONFLICT, 'delivery already acknowledged; use redeliver to send it again');
    options.onEnqueued();
    request.log.info({ deliveryId }, 'delivery re-queued by operator');
    return reply.status(202).send(toView((await deliveries.get(deliveryId)) as Delivery));
  });

  app.post<{ Params: { inquiryId: string } }>('/decisions/:inquiryId/redeliver', { onRequest: requireBearer }, async (request, reply) => {
    const { inquiryId } = request.params;
    if (!PERSONA_ID.test(inquiryId)) throw new AppError(ErrorCodes.BAD_REQUEST, 'malformed inquiry id');
    const decision = await decisions.latestDecision(inquiryId);
    if (!decision) throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
    const delivery = await deliveries.redeliver(decision);
    if (!delivery) throw new AppError(ErrorCodes.CONFLICT, 'downstream delivery is not configured (DOWNSTREAM_URL)');
    options.onEnqueued();
    request.log.info({ inquiryId, deliveryId: delivery.deliveryId }, 'decision redelivery queued');
    return reply.status(202).send(toView(delivery));
  });
}

function toView(d: Delivery) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    deliveryId: d.deliveryId,
    webhookId: d.deliveryId,
    decisionId: d.decisionId,
    inquiryId: d.inquiryId,
    sequence: d.sequence,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    createdAt: iso(d.createdAt),
    deliveredAt: iso(d.deliveredAt),
  };
}
