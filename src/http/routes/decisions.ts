import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { evidenceSummarySchema, outcomeSchema, reasonSchema } from '../../decision/schemas.js';
import { AppError, ErrorCodes } from '../../errors.js';
import type { DecisionRecord } from '../../store/decision-record.js';
import { type DecisionStore, type InquiryView, isValidDecisionCursor } from '../../store/decision-store.js';
import type { DeliveryStore } from '../../store/delivery-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import { deliveryViewSchema, toDeliveryView } from '../delivery-view.js';
import { errorResponses, inquiryIdParams } from '../schemas.js';

export interface DecisionRoutesOptions {
  decisions: Pick<DecisionStore, 'getInquiryView' | 'latestDecision' | 'listByReferenceId'>;
  deliveries: Pick<DeliveryStore, 'delivers' | 'redeliver'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

/** Persona's view of the inquiry when it was decided: its status and identifiers (not PII). */
const personaFields = {
  personaStatus: z.string().nullable(),
  referenceId: z.string().nullable(),
  accountId: z.string().nullable(),
  templateId: z.string().nullable(),
};

const historyEntrySchema = z.object({
  eventId: z.string(),
  eventName: z.string().nullable(),
  eventCreatedAt: z.string(),
  personaStatus: z.string(),
  policyVersion: z.string(),
  recordedAt: z.string(),
});

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
  /** The Persona event that led to the decision. */
  eventId: z.string().nullable(),
  eventName: z.string().nullable(),
  ...personaFields,
  evidence: evidenceSummarySchema.nullable(),
  personaCalls: z.number().int().nullable(),
  /** Later events that re-evaluated the inquiry to the same outcome (nothing new was delivered), oldest first. */
  history: z.array(historyEntrySchema),
  /** Why processing failed (`failed` only), e.g. `PERSONA_NOT_FOUND: …`. */
  error: z.string().nullable(),
});

/** One decision in a list: what was decided and why, without the evidence (GET /decisions/:inquiryId has it). */
const decisionSummarySchema = z.object({
  decisionId: z.string(),
  inquiryId: z.string(),
  sequence: z.number().int(),
  outcome: outcomeSchema,
  reasons: z.array(reasonSchema),
  decidedAt: z.string(),
  policyVersion: z.string(),
  eventId: z.string(),
  eventName: z.string().nullable(),
  ...personaFields,
});

const listQuerySchema = z.object({
  referenceId: z.string().min(1).max(255),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(200).refine(isValidDecisionCursor, 'is not a cursor from a previous page').optional(),
});

const decisionListSchema = z.object({
  items: z.array(decisionSummarySchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
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

  /** Every decision of one user (the customer's `reference-id` on the inquiry), across inquiries, newest first. */
  app.get(
    '/decisions',
    {
      onRequest: requireBearer,
      schema: { querystring: listQuerySchema, response: { 200: decisionListSchema, ...errorResponses } },
    },
    async (request) => {
      const { referenceId, limit, cursor } = request.query;
      const page = await options.decisions.listByReferenceId(referenceId, { limit, cursor });
      return { items: page.items.map(toDecisionSummary), nextCursor: page.nextCursor };
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

function toDecisionView(view: InquiryView): z.input<typeof decisionViewSchema> {
  const { inquiryId, status, error, decision: d } = view;
  return {
    inquiryId,
    status,
    outcome: d?.outcome ?? null,
    reasons: d?.reasons ?? [],
    decidedAt: d?.decidedAt ?? null,
    policyVersion: d?.policyVersion ?? null,
    sequence: d?.sequence ?? null,
    decisionId: d?.decisionId ?? null,
    eventId: d?.eventId ?? null,
    eventName: d?.eventName ?? null,
    personaStatus: d?.evidence.inquiryStatus ?? null,
    referenceId: d?.evidence.referenceId ?? null,
    accountId: d?.evidence.accountId ?? null,
    templateId: d?.evidence.templateId ?? null,
    evidence: d?.evidence ?? null,
    personaCalls: d?.personaCalls ?? null,
    history: view.history,
    error,
  };
}

function toDecisionSummary(d: DecisionRecord): z.input<typeof decisionSummarySchema> {
  return {
    decisionId: d.decisionId,
    inquiryId: d.inquiryId,
    sequence: d.sequence,
    outcome: d.outcome,
    reasons: d.reasons,
    decidedAt: d.decidedAt,
    policyVersion: d.policyVersion,
    eventId: d.eventId,
    eventName: d.eventName,
    personaStatus: d.evidence.inquiryStatus,
    referenceId: d.evidence.referenceId,
    accountId: d.evidence.accountId,
    templateId: d.evidence.templateId,
  };
}
