import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import { OUTCOMES } from '../../decision/outcome.js';
import { decodeDecisionCursor, type DecisionList, type ListOrder } from '../../store/decision-list.js';
import type { DecisionStore } from '../../store/decision-store.js';
import type { DeliveryStore } from '../../store/delivery-store.js';
import { actorOf, type RequireBearer, requireOperate } from '../bearer-auth.js';
import {
  decisionListSchema,
  decisionSummarySchema,
  decisionViewSchema,
  toDecisionSummary,
  toDecisionView,
} from '../decision-view.js';
import { deliveryViewSchema, toDeliveryView } from '../delivery-view.js';
import {
  badQueryExample,
  errorResponse,
  forbiddenResponse,
  internalErrorResponse,
  malformedInquiryIdResponse,
  noteBodyResponses,
  pageQueryExamples,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids } from '../openapi/examples.js';
import { documentedField, documentedReply, toExamplesMeta } from '../openapi/named-examples.js';
import { OPTIONAL_BODY } from '../openapi/register-openapi.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import {
  DECIDED_VIEW,
  DECISION_LIST,
  EXAMPLE_NOTE,
  PENDING_DELIVERY,
  PROCESSING_VIEW,
  REVIEW_QUEUE,
} from '../openapi/reply-examples.js';
import { actionBodySchema, documentedInquiryIdParams, pageCursor, pageLimit } from '../schemas.js';

export interface DecisionRoutesOptions {
  decisions: Pick<DecisionStore, 'getInquiryView' | 'latestDecision'>;
  /** The list queries (GET /decisions, GET /decisions/:inquiryId/sequences). */
  decisionList: DecisionList;
  deliveries: Pick<DeliveryStore, 'delivers' | 'redeliver'>;
  requireBearer: RequireBearer;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
}

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 instant' }).transform((value, ctx) => {
  const ms = Date.parse(value);
  // a well-formed but impossible date (February 30th) is refused, not a crash
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 instant' });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

const listQuerySchema = z.object({
  referenceId: documentedField(
    z.string().min(1).max(255).optional(),
    "The user's `reference-id` on the inquiry: every decision (each sequence) of that user. Without it, each " +
      "inquiry's current decision is listed.",
    { page: ids.referenceId },
  ),
  status: documentedField(
    z.enum(['decided', 'processing', 'failed']).optional(),
    'Only decisions of inquiries in this state now (`processing`: a later event is being evaluated). Default: all.',
    { queue: 'decided', badStatus: 'lost' },
  ),
  outcome: documentedField(z.enum(OUTCOMES).optional(), 'Only decisions with this outcome.', {
    queue: 'manual_review',
  }),
  reviewed: documentedField(
    z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional(),
    "`true`: only operators' reviews (POST /decisions/:inquiryId/review); `false`: none of them.",
    { queue: 'false' },
  ),
  since: documentedField(instant.optional(), 'Only decisions taken at or after this instant (`decidedAt`).', {
    badSince: 'yesterday',
  }),
  until: documentedField(instant.optional(), 'Only decisions taken before this instant (`decidedAt`).', {}),
  order: documentedField(
    z.enum(['newest', 'oldest']).optional(),
    'By `decidedAt`: `newest` or `oldest` first. Default: `oldest` with `reviewed=false` (the review queue), ' +
      'otherwise `newest`.',
    {},
  ),
  limit: documentedField(pageLimit(50), 'Page size.', {
    page: 1,
    queue: 50,
    tooSmallLimit: 0,
  }),
  cursor: documentedField(
    pageCursor((cursor) => decodeDecisionCursor(cursor) !== null),
    '`nextCursor` of the previous page (it carries the `order` it was made for).',
    { badCursor: 'garbage' },
  ),
});

/**
 * The order of a list: the one asked for, else oldest first for `reviewed=false` (the review queue works through the
 * decisions that waited longest, issue 15) and newest first for any other list.
 */
function listOrder(query: { order?: ListOrder | undefined; reviewed?: boolean | undefined }): ListOrder {
  return query.order ?? (query.reviewed === false ? 'oldest' : 'newest');
}

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
  summary: "Decisions: a user's, or the current ones (the review queue)",
  description:
    "With `referenceId`: every decision of one user (the inquiry's `reference-id`), across inquiries. Without: " +
    "each inquiry's current decision. Filtered by the inquiry's `status`, the `outcome`, `reviewed` and " +
    '`since`/`until`, a page at a time; newest first, except with `reviewed=false`: oldest first (an explicit ' +
    '`order` wins). The review queue is `status=decided&outcome=manual_review&reviewed=false`, oldest first.',
  security: BEARER_SECURITY,
  querystring: listQuerySchema,
  response: {
    200: documentedReply(decisionListSchema, 'A page of decisions, without their evidence.', {
      page: { summary: "A user's decisions, the first page", value: DECISION_LIST },
      queue: { summary: 'The review queue', value: REVIEW_QUEUE },
    }),
    400: errorResponse(400, 'A query parameter is malformed; the message names each.', {
      badStatus: badQueryExample(
        'status=lost',
        'status Invalid option: expected one of "decided"|"processing"|"failed"',
      ),
      badSince: badQueryExample('since=yesterday', 'since must be an ISO-8601 instant'),
      ...pageQueryExamples,
    }),
    401: unauthorizedResponse,
    default: internalErrorResponse,
  },
};

const sequencesSchema = {
  operationId: 'listDecisionSequences',
  tags: [TAGS.decisions],
  summary: 'Every decision of an inquiry',
  description: 'Each `sequence` of the inquiry, oldest first, with its reasons (the evidence is on the current one).',
  security: BEARER_SECURITY,
  params: documentedInquiryIdParams({
    sequences: ids.inquiryId,
    unknown: ids.unknownInquiryId,
    malformed: 'inq bad',
  }),
  response: {
    200: documentedReply(
      z.object({ items: z.array(decisionSummarySchema) }),
      'Every sequence, ascending; empty while the first decision is being taken.',
      { sequences: { summary: 'One decision', value: { items: DECISION_LIST.items } } },
    ),
    400: malformedInquiryIdResponse,
    401: unauthorizedResponse,
    404: errorResponse(404, 'No event was ever received for this inquiry.', {
      unknown: { summary: 'An inquiry never seen', code: 'NOT_FOUND', message: 'no such inquiry' },
    }),
    default: internalErrorResponse,
  },
};

const noteBody = actionBodySchema.meta(
  toExamplesMeta({ redelivered: { summary: 'With a note', value: { note: EXAMPLE_NOTE } } }),
);

const redeliverSchema = {
  operationId: 'redeliverDecision',
  tags: [TAGS.operations],
  summary: 'Deliver the current decision again',
  description:
    'Queues the current decision for delivery under a new `webhook-id`. The optional `note` is kept in the audit ' +
    "trail (GET /audit) with the token's name.",
  security: BEARER_SECURITY,
  ...OPTIONAL_BODY,
  body: noteBody,
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
    403: forbiddenResponse,
    404: noDecision('unknown'),
    409: errorResponse(409, 'Nothing is delivered: `DOWNSTREAM_URL` is not set.', {
      notConfigured: {
        summary: 'No downstream',
        given: 'downstream-not-configured',
        code: 'CONFLICT',
        message: 'downstream delivery is not configured (DOWNSTREAM_URL)',
      },
    }),
    ...noteBodyResponses,
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
      const { cursor } = request.query;
      const order = listOrder(request.query);
      if (cursor !== undefined && decodeDecisionCursor(cursor)?.order !== order) {
        throw new AppError(ErrorCodes.BAD_REQUEST, 'cursor was made for another order');
      }
      const page = await options.decisionList.list({ ...request.query, order });
      return { items: page.items.map(toDecisionSummary), nextCursor: page.nextCursor };
    },
  );

  app.get('/decisions/:inquiryId/sequences', { onRequest: requireBearer, schema: sequencesSchema }, async (request) => {
    const items = await options.decisionList.sequences(request.params.inquiryId);
    if (!items) throw new AppError(ErrorCodes.NOT_FOUND, 'no such inquiry');
    return { items: items.map(toDecisionSummary) };
  });

  /** Sends the current decision downstream again, under a new webhook-id. */
  app.post(
    '/decisions/:inquiryId/redeliver',
    {
      onRequest: [requireBearer, requireOperate],
      schema: redeliverSchema,
    },
    async (request, reply) => {
      const { inquiryId } = request.params;
      // nothing is delivered without a downstream: say so before looking anything up
      if (!options.deliveries.delivers) throw notConfigured();
      const decision = await options.decisions.latestDecision(inquiryId);
      if (!decision) throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
      const by = { actor: actorOf(request).name, note: request.body?.note ?? null };
      const delivery = await options.deliveries.redeliver(decision, by);
      if (!delivery) throw notConfigured();
      options.onEnqueued();
      request.log.info({ inquiryId, deliveryId: delivery.deliveryId }, 'decision redelivery queued');
      return reply.status(202).send(toDeliveryView(delivery));
    },
  );
}

const notConfigured = () => new AppError(ErrorCodes.CONFLICT, 'downstream delivery is not configured (DOWNSTREAM_URL)');
