import { z } from 'zod';
import { outcomeSchema, reasonSchema } from '../decision/schemas.js';
import { DECISION_CREATED } from './payload.js';

/**
 * The body delivered downstream (toDecisionPayload), as a schema for the API contract's `webhooks` section. A test
 * parses real payloads with it, so the two cannot drift apart. Consumers should accept fields added later.
 */
export const decisionCreatedPayloadSchema = z.object({
  type: z.literal(DECISION_CREATED),
  timestamp: z.string().describe('When the body was built (ISO-8601 UTC); every attempt sends the same body.'),
  data: z.object({
    decisionId: z.string(),
    inquiryId: z.string(),
    outcome: outcomeSchema,
    reasons: z.array(reasonSchema),
    decidedAt: z.string(),
    policyVersion: z.string(),
    sequence: z
      .number()
      .int()
      .describe('Grows per inquiry with each changed outcome: keep the highest seen, drop anything lower.'),
    eventId: z.string().describe('The Persona event that led to the decision.'),
    eventName: z.string().nullable(),
    personaStatus: z.string().describe("The inquiry's status at Persona when it was decided."),
    referenceId: z.string().nullable().describe('The id your application gave Persona for the user.'),
    accountId: z.string().nullable(),
    templateId: z.string().nullable(),
  }),
});
