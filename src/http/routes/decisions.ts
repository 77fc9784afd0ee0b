import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { evidenceSummarySchema, outcomeSchema, reasonSchema } from '../../decision/schemas.js';
import { AppError, ErrorCodes } from '../../errors.js';
import type { DecisionStore, InquiryView } from '../../store/decision-store.js';
import type { DeliveryStore } from '../../store/delivery-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import { deliveryViewSchema, toDeliveryView } from '../delivery-view.js';
import { errorResponses, inquiryIdParams } from '../schemas.js';

export interface DecisionRoutesOptions {
  decisions: Pick<DecisionStore, 'getInquiryView' | 'latestDecision'>;
  deliveries: Pick<DeliveryStore, 'delivers' | 'redeliver'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

/** An inquiry's current decision; every decision field is null while it is processing or after it failed. */
const decisionViewSchema = z.object({
  inquiryId: z.string(),
  status: z.enum(['processing', 'decided', 'failed']),
  outcome: outcomeSchema.nullable(),
  reasons: z.array(reasonSchema),
  decidedAt: z.string().nullable(),
  policyVersion: z.string().nullable(),
  sequence: z.number().int().nullable(),
  decisionId: z.string().nullable(),
  evidence: evidenceSummarySchema.nullable(),
  personaCalls: z.number().int().nullable(),
  /** Why processing failed (`failed` only), e.g. `PERSONA_NOT_FOUND: …`. */
  error: z.string().nullable(),
});

/** GET /decisions/:inquiryId for internal services; POST /decisions/:inquiryId/redeliver for operators (bearer auth). */
export async function decisionRoutes(fastify: FastifyInstance, options: DecisionRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { requireBearer } = options;

  app.get(
    '/decisions/:inquiryId',
    {
      onRequest: requireBearer,
      schema: { params: inquiryIdParams, response: { 200: decisionViewSchema, ...errorResponses } },
    },
    async (request) => {
      const view = await options.decisions.getInquiryView(request.params.inquiryId);
      if (!view) throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
      return toDecisionView(view);
    },
  );

  /** Sends the current decision downstream again, under a new webhook-id. */
  app.post(
    '/decisions/:inquiryId/redeliver',
    {
      onRequest: requireBearer,
      schema: { params: inquiryIdParams, response: { 202: deliveryViewSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const { inquiryId } = request.params;
      // nothing is delivered without a downstream: say so before looking anything up
      if (!options.deliveries.delivers) throw notConfigured();
      const decision = await options.decisions.latestDecision(inquiryId);
      if (!decision) throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
      const delivery = await options.deliveries.redeliver(decision);
      if (!delivery) throw notConfigured();
      options.onEnqueued();
      request.log.info({ inquiryId, deliveryId: delivery.deliveryId }, 'decision redelivery queued');
      return reply.status(202).send(toDeliveryView(delivery));
    },
  );
}

const notConfigured = () => new AppError(ErrorCodes.CONFLICT, 'downstream delivery is not configured (DOWNSTREAM_URL)');

function toDecisionView({ inquiryId, status, error, decision: d }: InquiryView): z.input<typeof decisionViewSchema> {
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
