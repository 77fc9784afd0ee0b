import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { REVIEW_OUTCOMES } from '../../decision/review.js';
import { AppError, ErrorCodes } from '../../errors.js';
import type { DecisionStore } from '../../store/decision-store.js';
import { actorOf, type RequireBearer, requireOperate } from '../bearer-auth.js';
import { decisionViewSchema, toDecisionView } from '../decision-view.js';
import {
  errorResponse,
  forbiddenResponse,
  internalErrorResponse,
  noteBodyResponses,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids } from '../openapi/examples.js';
import { documentedReply, toExamplesMeta } from '../openapi/named-examples.js';
import { EXAMPLE_NOTE, REVIEWED_VIEW } from '../openapi/reply-examples.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import { documentedInquiryIdParams, operatorNote } from '../schemas.js';

export interface ReviewRoutesOptions {
  decisions: Pick<DecisionStore, 'review' | 'getInquiryView'>;
  /** The live policy's version, recorded on a reviewed decision. */
  policyVersion: string;
  requireBearer: RequireBearer;
  /** Called after a job was committed (the review's delivery, its write-back), to wake the worker at once. */
  onEnqueued: () => void;
}

const reviewBody = z
  .object({
    outcome: z.enum(REVIEW_OUTCOMES).describe("The reviewer's outcome."),
    note: operatorNote.describe(
      'Why (1-1000 characters once trimmed: spaces alone are refused): kept with the decision and in the audit ' +
        'trail, never logged.',
    ),
    sequence: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('The sequence the reviewer looked at: 409 when the decision changed since.'),
  })
  .meta(
    toExamplesMeta({
      reviewed: { summary: 'Approve', value: { outcome: 'approved', note: EXAMPLE_NOTE, sequence: 1 } },
      changed: { summary: 'An older sequence', value: { outcome: 'approved', note: EXAMPLE_NOTE, sequence: 99 } },
      notDecided: { summary: 'Approve', value: { outcome: 'approved', note: EXAMPLE_NOTE } },
      unknown: { summary: 'Approve', value: { outcome: 'approved', note: EXAMPLE_NOTE } },
      malformed: { summary: 'Approve', value: { outcome: 'approved', note: EXAMPLE_NOTE } },
      badBody: { summary: 'No note', value: { outcome: 'approved' } },
      blankNote: { summary: 'A note of spaces', value: { outcome: 'approved', note: '   ' } },
    }),
  );

const reviewSchema = {
  operationId: 'reviewDecision',
  tags: [TAGS.operations],
  summary: "Record an operator's review",
  description:
    "A new decision (next `sequence`) with the reviewer's outcome on the current decision's evidence and one " +
    "reason, `operator_review` (the token's name as `actor`, the `note`); delivered downstream and written back to " +
    'Persona (PERSONA_WRITE_BACK; `retry` has no Persona action) like any decision, and kept in the audit trail. A ' +
    're-evaluation of the same evidence keeps it; Persona approving or declining since (a status the reviewed ' +
    'evidence did not have), new evidence or a later review replace it (docs/decision-policy.md#operator-review).',
  security: BEARER_SECURITY,
  params: documentedInquiryIdParams({
    reviewed: ids.reviewInquiryId,
    changed: ids.reviewInquiryId,
    badBody: ids.reviewInquiryId,
    blankNote: ids.reviewInquiryId,
    notDecided: ids.processingInquiryId,
    unknown: ids.unknownInquiryId,
    malformed: 'inq bad',
  }),
  body: reviewBody,
  response: {
    201: documentedReply(decisionViewSchema, 'Recorded: the new current decision.', {
      reviewed: { summary: 'Approved by a reviewer', value: REVIEWED_VIEW },
    }),
    400: errorResponse(400, 'A malformed inquiry id or body; the message names each field.', {
      malformed: { summary: 'Not an inquiry id', code: 'BAD_REQUEST', message: 'malformed inquiry id' },
      badBody: { summary: 'No note', code: 'BAD_REQUEST', message: 'note Invalid input: expected string' },
      blankNote: {
        summary: 'A note of spaces',
        code: 'BAD_REQUEST',
        message: 'invalid body: note must not be empty (spaces alone are not a note)',
      },
    }),
    401: unauthorizedResponse,
    403: forbiddenResponse,
    404: errorResponse(404, 'No event was ever received for this inquiry.', {
      unknown: { summary: 'An inquiry never seen', code: 'NOT_FOUND', message: 'no decision for this inquiry' },
    }),
    409: errorResponse(409, 'The inquiry is not decided now (processing or failed), or its decision changed since.', {
      notDecided: {
        summary: 'Still processing',
        code: 'CONFLICT',
        message: 'the inquiry is processing: only a decided inquiry can be reviewed',
      },
      changed: {
        summary: 'A newer sequence',
        code: 'CONFLICT',
        message: 'the decision changed since (now sequence 2)',
      },
    }),
    ...noteBodyResponses,
    default: internalErrorResponse,
  },
};

/** POST /decisions/:inquiryId/review: an operator decides (bearer auth, an operating token). */
export async function reviewRoutes(fastify: FastifyInstance, options: ReviewRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/decisions/:inquiryId/review',
    { onRequest: [options.requireBearer, requireOperate], schema: reviewSchema },
    async (request, reply) => {
      const { inquiryId } = request.params;
      const { outcome, note, sequence } = request.body;
      const actor = actorOf(request).name;
      const result = await options.decisions.review({
        inquiryId,
        outcome,
        note,
        actor,
        sequence,
        policyVersion: options.policyVersion,
      });
      if (result.status === 'not_found') throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
      if (result.status === 'not_decided') {
        throw new AppError(
          ErrorCodes.CONFLICT,
          `the inquiry is ${result.inquiryStatus}: only a decided inquiry can be reviewed`,
        );
      }
      if (result.status === 'changed') {
        throw new AppError(ErrorCodes.CONFLICT, `the decision changed since (now sequence ${result.sequence})`);
      }
      options.onEnqueued();
      const { decisionId, sequence: reviewed } = result.decision;
      // the note is the operator's free text: never logged
      request.log.info({ inquiryId, decisionId, sequence: reviewed, outcome }, 'decision reviewed by operator');
      const view = await options.decisions.getInquiryView(inquiryId);
      if (!view) throw new AppError(ErrorCodes.NOT_FOUND, 'no decision for this inquiry');
      return reply.status(201).send(toDecisionView(view));
    },
  );
}
