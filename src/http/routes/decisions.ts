import type { FastifyInstance } from 'fastify';
import { AppError, ErrorCodes } from '../../errors.js';
import { PERSONA_ID } from '../../persona/ids.js';
import type { DecisionStore, InquiryView } from '../../store/decision-store.js';
import type { DeliveryStore } from '../../store/delivery-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import { toDeliveryView } from '../delivery-view.js';

export interface DecisionRoutesOptions {
  decisions: Pick<DecisionStore, 'getInquiryView' | 'latestDecision'>;
  deliveries: Pick<DeliveryStore, 'redeliver'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

/** GET /decisions/:inquiryId for internal services; POST /decisions/:inquiryId/redeliver for operators (bearer auth). */
export async function decisionRoutes(app: FastifyInstance, options: DecisionRoutesOptions): Promise<void> {
  const { requireBearer } = options;

  app.get<{ Params: { inquiryId: string } }>('/decisions/:inquiryId', { onRequest: requireBearer }, async (request) => {
    const { inquiryId } = request.params;
    if (!PERSONA_ID.test(inquiryId)) throw new AppError(ErrorCodes.BAD_REQUEST, 'malformed inquiry id');
    const view = await options.decisions.getInquiryView(inquiryId);
    if (!view) throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
    return toDecisionView(view);
  });

  /** Sends the current decision downstream again, under a new webhook-id. */
  app.post<{ Params: { inquiryId: string } }>('/decisions/:inquiryId/redeliver', { onRequest: requireBearer }, async (request, reply) => {
    const { inquiryId } = request.params;
    if (!PERSONA_ID.test(inquiryId)) throw new AppError(ErrorCodes.BAD_REQUEST, 'malformed inquiry id');
    const decision = await options.decisions.latestDecision(inquiryId);
    if (!decision) throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
    const delivery = await options.deliveries.redeliver(decision);
    if (!delivery) throw new AppError(ErrorCodes.CONFLICT, 'downstream delivery is not configured (DOWNSTREAM_URL)');
    options.onEnqueued();
    request.log.info({ inquiryId, deliveryId: delivery.deliveryId }, 'decision redelivery queued');
    return reply.status(202).send(toDeliveryView(delivery));
  });
}

/** Every decision field is null while the inquiry is processing or after it failed. */
function toDecisionView({ inquiryId, status, error, decision: d }: InquiryView) {
  return {
    inquiryId,
    status,
    outcome: d?.outcome ?? null,
    reasons: d?.reasons ?? [],
    decidedAt: d?.decidedAt ?? null,
    policyVersion: d?.policyVersion ?? null,
    sequence: d?.sequence ?? null,
    decisionId: d?.decisionId ?? null,
    evidence: d?.evidence ?? null,
    personaCalls: d?.personaCalls ?? null,
    error,
  };
}
