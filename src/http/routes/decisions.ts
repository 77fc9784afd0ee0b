import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import { type DecisionStore, isValidDecisionCursor } from '../../store/decision-store.js';
import type { DeliveryStore } from '../../store/delivery-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import { decisionListSchema, decisionViewSchema, toDecisionSummary, toDecisionView } from '../decision-view.js';
import { deliveryViewSchema, toDeliveryView } from '../delivery-view.js';
import {
  errorResponse,
  internalErrorResponse,
  malformedInquiryIdResponse,
  noBodyResponses,
  pageQueryExamples,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids } from '../openapi/examples.js';
import { documentedField, documentedReply } from '../openapi/named-examples.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import { DECIDED_VIEW, DECISION_LIST, PENDING_DELIVERY, PROCESSING_VIEW } from '../openapi/reply-examples.js';
import { documentedInquiryIdParams, pageCursor, pageLimit } from '../schemas.js';

export interface DecisionRoutesOptions {
  decisions: Pick<DecisionStore, 'getInquiryView' | 'latestDecision' | 'listByReferenceId'>;
  deliveries: Pick<DeliveryStore, 'delivers' | 'redeliver'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

const listQuerySchema = z.object({
  referenceId: documentedField(z.string().min(1).max(255), "The user's `reference-id` on the inquiry.", {
    page: ids.referenceId,
  }),
  limit: documentedField(pageLimit(50), 'Page size.', {
    page: 1,
    tooSmallLimit: 0,
  }),
  cursor: documentedField(pageCursor(isValidDecisionCursor), '`nextCursor` of the previous page.', {
    badCursor: 'garbage',
  }),
});

const noDecision = (name: string) =>
  errorResponse(404, 'No decision for this inquiry: none was ever received.', {
    [name]: { summary: 'An inquiry never seen', code: 'NOT_FOUND', message: 'no decision for this inquiry' },
  });

const getDecisionSchema = {
  operationId: 'getDecision',
  tags: [TAGS.decisions],
  summary: "An inquiry's current decision",
  description:
    'The decision with its reasons and the evidence it was taken on; `processing` until the first decision, ' +
    '`failed` (with `error`) when processing gave up. `history` lists later events that confirmed the outcome.',
  security: BEARER_SECURITY,
  params: documentedInquiryIdParams({
    decided: ids.inquiryId,
    processing: ids.processingInquiryId,
    unknown: ids.unknownInquiryId,
    malformed: 'inq bad',
  }),
  response: {
    200: documentedReply(decisionViewSchema, 'The decision; its fields are null until there is one.', {
      decided: { summary: 'Approved', value: DECIDED_VIEW },
      processing: { summary: 'Waiting for Persona', value: PROCESSING_VIEW },
    }),
    400: malformedInquiryIdResponse,
    401: unauthorizedResponse,
    404: noDecision('unknown'),
    default: internalErrorResponse,
  },
};

const listDecisionsSchema = {
  operationId: 'listDecisions',
  tags: [TAGS.decisions],
  summary: "A user's decisions",
  description:
    "Every decision of one user (the inquiry's `reference-id`), across inquiries, newest first, a page at a time.",
  security: BEARER_SECURITY,
  querystring: listQuerySchema,
  response: {
    200: documentedReply(decisionListSchema, 'A page of decisions, without their evidence.', {
      page: { summary: 'The first page', value: DECISION_LIST },
    }),
    400: errorResponse(400, 'A query parameter is missing or malformed; the message names each.', pageQueryExamples),
    401: unauthorizedResponse,
    default: internalErrorResponse,
  },
};

const redeliverSchema = {
  operationId: 'redeliverDecision',
  tags: [TAGS.operations],
  summary: 'Deliver the current decision again',
  description: 'Queues the current decision for delivery under a new `webhook-id`.',
  security: BEARER_SECURITY,
  params: documentedInquiryIdParams({
    redelivered: ids.inquiryId,
    unknown: ids.unknownInquiryId,
    malformed: 'inq bad',
  }),
  response: {
    202: documentedReply(deliveryViewSchema, 'Queued: the new delivery.', {
      redelivered: { summary: 'Queued', value: PENDING_DELIVERY },
    }),
    400: malformedInquiryIdResponse,
    401: unauthorizedResponse,
    404: noDecision('unknown'),
    409: errorResponse(409, 'Nothing is delivered: `DOWNSTREAM_URL` is not set.', {
      notConfigured: {
        summary: 'No downstream',
        given: 'downstream-not-configured',
        code: 'CONFLICT',
        message: 'downstream delivery is not configured (DOWNSTREAM_URL)',
      },
    }),
    ...noBodyResponses,
    default: internalErrorResponse,
  },
};

/** GET /decisions/:inquiryId for internal services; POST /decisions/:inquiryId/redeliver for operators (bearer auth). */
export async function decisionRoutes(fastify: FastifyInstance, options: DecisionRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { requireBearer } = options;

  app.get(
    '/decisions/:inquiryId',
    {
      onRequest: requireBearer,
      schema: getDecisionSchema,
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
      schema: listDecisionsSchema,
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
      schema: redeliverSchema,
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
