import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, type AuditStore, isValidAuditCursor } from '../../store/audit-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import {
  errorResponse,
  internalErrorResponse,
  pageQueryExamples,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { EXAMPLE_IDS as ids, EXAMPLE_TIME } from '../openapi/examples.js';
import { documentedField, documentedReply } from '../openapi/named-examples.js';
import { EXAMPLE_ACTOR, EXAMPLE_NOTE, REVIEWED_VIEW } from '../openapi/reply-examples.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import { pageCursor, pageLimit } from '../schemas.js';

const auditQuery = z.object({
  target: documentedField(
    z.string().min(1).max(160).optional(),
    'An inquiry id (`inq_…`: everything done about it, its deliveries included) or a delivery id (`msg_…`).',
    { trail: ids.reviewInquiryId },
  ),
  limit: documentedField(pageLimit(50), 'Page size.', { trail: 50, tooSmallLimit: 0 }),
  cursor: documentedField(pageCursor(isValidAuditCursor), '`nextCursor` of the previous page.', {
    badCursor: 'garbage',
  }),
});

const auditEntrySchema = z.object({
  auditId: z.string(),
  at: z.string(),
  actor: z.string().describe("The token's name (API_TOKENS)."),
  action: z.enum(AUDIT_ACTIONS),
  target: z.string(),
  inquiryId: z.string().nullable(),
  note: z.string().nullable().describe("The operator's note, as typed."),
  detail: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      'What the action made, as ids: `review` → `decisionId`, `sequence` (the new decision), `outcome`, ' +
        '`previousSequence`; `redeliver` → `decisionId`, `sequence`, `deliveryId` (the new delivery). Null when ' +
        'the action records none (`retry_delivery`, `reprocess`) or the stored detail cannot be read (logged).',
    ),
});

const auditSchema = {
  operationId: 'listAudit',
  tags: [TAGS.operations],
  summary: 'The audit trail of operator actions',
  description:
    'Every review, redelivery, delivery retry and reprocess, with who did it, their note and what the action made ' +
    '(`detail`); newest first. ' +
    'Append-only: written in the transaction of the action it records.',
  security: BEARER_SECURITY,
  querystring: auditQuery,
  response: {
    200: documentedReply(
      z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() }),
      'A page of the trail.',
      {
        trail: {
          summary: 'A review',
          value: {
            items: [
              {
                auditId: 'aud_7b1e4c9a2d5f48e08c3a6b9d1e2f4a70',
                at: EXAMPLE_TIME,
                actor: EXAMPLE_ACTOR,
                action: 'review',
                target: ids.reviewInquiryId,
                inquiryId: ids.reviewInquiryId,
                note: EXAMPLE_NOTE,
                detail: {
                  decisionId: REVIEWED_VIEW.decisionId,
                  sequence: REVIEWED_VIEW.sequence,
                  outcome: REVIEWED_VIEW.outcome,
                  previousSequence: 1,
                },
              },
              {
                auditId: 'aud_3e9c1a7b5d2f46e8a0b4c6d8e1f3a5b7',
                at: EXAMPLE_TIME,
                actor: EXAMPLE_ACTOR,
                action: 'reprocess',
                target: ids.reviewInquiryId,
                inquiryId: ids.reviewInquiryId,
                note: null,
                detail: null,
              },
            ],
            nextCursor: null,
          },
        },
      },
    ),
    400: errorResponse(400, 'A query parameter is malformed; the message names each.', pageQueryExamples),
    401: unauthorizedResponse,
    default: internalErrorResponse,
  },
};

/** GET /audit (bearer auth, either kind of token). */
export async function auditRoutes(
  fastify: FastifyInstance,
  options: { audit: AuditStore; requireBearer: RequireBearer },
): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/audit', { onRequest: options.requireBearer, schema: auditSchema }, async (request) =>
    options.audit.list(request.query),
  );
}
