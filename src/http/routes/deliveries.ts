import type { FastifyInstance, FastifyReply, onRequestAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { ErrorCodes } from '../../errors.js';
import { PERSONA_ID } from '../../persona/ids.js';
import type { DecisionStore } from '../../store/decision-store.js';
import { type Delivery, type DeliveryStore, isValidCursor } from '../../store/delivery-store.js';

export interface DeliveryRoutesOptions {
  deliveries: DeliveryStore;
  decisions: DecisionStore;
  requireBearer: onRequestAsyncHookHandler;
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

  app.get('/deliveries', { onRequest: requireBearer }, async (request, reply) => {
    const parsed = listQuery.safeParse(request.query);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
      return badRequest(reply, `invalid query: ${problems}`);
    }
    const page = await deliveries.list(parsed.data);
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  });

  app.post<{ Params: { deliveryId: string } }>('/deliveries/:deliveryId/retry', { onRequest: requireBearer }, async (request, reply) => {
    const { deliveryId } = request.params;
    if (!DELIVERY_ID.test(deliveryId)) return badRequest(reply, 'malformed delivery id');
    const result = await deliveries.retryNow(deliveryId);
    if (result === 'not_found') return notFound(reply, 'no such delivery');
    if (result === 'already_delivered') return conflict(reply, 'delivery already acknowledged; use redeliver to send it again');
    options.onEnqueued();
    request.log.info({ deliveryId }, 'delivery re-queued by operator');
    return reply.status(202).send(toView((await deliveries.get(deliveryId)) as Delivery));
  });

  app.post<{ Params: { inquiryId: string } }>('/decisions/:inquiryId/redeliver', { onRequest: requireBearer }, async (request, reply) => {
    const { inquiryId } = request.params;
    if (!PERSONA_ID.test(inquiryId)) return badRequest(reply, 'malformed inquiry id');
    const decision = await decisions.latestDecision(inquiryId);
    if (!decision) return notFound(reply, 'no decision for this inquiry');
    const delivery = await deliveries.redeliver(decision);
    if (!delivery) return conflict(reply, 'downstream delivery is not configured (DOWNSTREAM_URL)');
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

const send = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.status(status).send({ error: { code, message } });
const badRequest = (reply: FastifyReply, message: string) => send(reply, 400, ErrorCodes.BAD_REQUEST, message);
const notFound = (reply: FastifyReply, message: string) => send(reply, 404, ErrorCodes.NOT_FOUND, message);
const conflict = (reply: FastifyReply, message: string) => send(reply, 409, ErrorCodes.CONFLICT, message);
