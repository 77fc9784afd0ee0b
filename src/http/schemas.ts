import { z } from 'zod';
import { ErrorCodes } from '../errors.js';
import { PERSONA_ID } from '../persona/ids.js';
import { documentedField } from './openapi/named-examples.js';

/** Every error answer: `{ error: { code, message } }`, `code` from the catalogue in src/errors.ts. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.enum(ErrorCodes), message: z.string() }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/**
 * Catch-all error answers for a route that does not list its statuses one by one. The routes of the API contract list
 * each status with its examples instead (src/http/openapi/error-responses.ts).
 */
export const errorResponses = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;

/** `:inquiryId` in a path: a Persona id; the message is the whole answer a malformed one gets, naming the field. */
export const inquiryIdParams = z.object({ inquiryId: z.string().regex(PERSONA_ID, 'malformed inquiry id') });

/** `:inquiryId` with its description and the named examples of one route (src/http/openapi/named-examples.ts). */
export function documentedInquiryIdParams(examples: Record<string, string>) {
  return z.object({
    inquiryId: documentedField(inquiryIdParams.shape.inquiryId, 'The Persona inquiry id (`inq_…`).', examples),
  });
}

/** The `limit` of a list: 1 to 200 items, `fallback` when absent. */
export function pageLimit(fallback: number) {
  return z.coerce.number().int().min(1).max(200).default(fallback);
}

/** The `cursor` of a keyset-paged list: a previous page's `nextCursor`, checked by the store that made it. */
export function pageCursor(isValid: (cursor: string) => boolean) {
  return z.string().max(200).refine(isValid, 'is not a cursor from a previous page').optional();
}

/**
 * An operator's note (free text, never logged): trimmed, then 1 to 1000 characters. A note of only spaces says
 * nothing, so it is refused like an empty one rather than recorded as the reason of a review.
 */
export const operatorNote = z
  .string()
  .trim()
  .min(1, 'must not be empty (spaces alone are not a note)')
  .max(1000, 'must be at most 1000 characters');

/** The optional body of an operator action: `{ "note": "…" }`, recorded in the audit trail; none is fine too. */
export const actionBodySchema = z.preprocess(
  // no body at all reaches the validator as null: the same as none
  (body) => body ?? undefined,
  z
    .object({
      note: operatorNote
        .optional()
        .describe(
          'Why (trimmed; empty or only spaces is refused): kept in the audit trail (GET /audit), never logged.',
        ),
    })
    .optional(),
);
