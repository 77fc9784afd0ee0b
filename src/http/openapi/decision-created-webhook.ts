import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import { toDecisionPayload } from '../../downstream/payload.js';
import { decisionCreatedPayloadSchema } from '../../downstream/payload-schema.js';
import { standardWebhookHeaders } from '../../downstream/sign.js';
import { EXAMPLE_DOWNSTREAM_SECRET, EXAMPLE_IDS, EXAMPLE_TIME, EXAMPLE_TIME_SECONDS } from './examples.js';
import { DECIDED_VIEW } from './reply-examples.js';
import { TAGS } from './tags.js';

/** The delivery of the example decision: its body exactly as sent, and its Standard Webhooks headers. */
export function exampleDecisionDelivery(): { body: string; headers: Record<string, string> } {
  const d = DECIDED_VIEW;
  if (d.outcome === null || d.sequence === null || d.decisionId === null || d.eventId === null)
    throw new Error('the example decision view is not decided');
  const body = toDecisionPayload(
    {
      decisionId: d.decisionId,
      inquiryId: d.inquiryId,
      outcome: d.outcome,
      reasons: d.reasons,
      decidedAt: EXAMPLE_TIME,
      policyVersion: d.policyVersion ?? '',
      sequence: d.sequence,
      eventId: d.eventId,
      eventName: d.eventName,
      evidence: {
        inquiryStatus: d.personaStatus ?? '',
        referenceId: d.referenceId,
        accountId: d.accountId,
        templateId: d.templateId,
      },
    },
    EXAMPLE_TIME,
  );
  const headers = standardWebhookHeaders({
    secret: EXAMPLE_DOWNSTREAM_SECRET,
    webhookId: EXAMPLE_IDS.deliveryId,
    timestampSeconds: EXAMPLE_TIME_SECONDS,
    body,
  });
  return { body, headers };
}

/** The name of the delivered body's schema in `components.schemas`. */
export const DECISION_CREATED_SCHEMA = 'DecisionCreated';

/** The delivered body's JSON Schema (2020-12, as OpenAPI 3.1 takes it); input mode leaves objects open to new fields. */
export function decisionCreatedSchema(): OpenAPIV3_1.SchemaObject {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(decisionCreatedPayloadSchema, {
    target: 'draft-2020-12',
    io: 'input',
  });
  return schema as OpenAPIV3_1.SchemaObject;
}

function header(name: string, description: string, example: string): OpenAPIV3_1.ParameterObject {
  return { name, in: 'header', required: true, description, schema: { type: 'string' }, example };
}

/**
 * OpenAPI 3.1 `webhooks['decision.created']`: what the worker POSTs to DOWNSTREAM_URL (src/downstream/client.ts), and
 * how it treats each answer (src/downstream/classify.ts). Signed per https://www.standardwebhooks.com; the example
 * signature is real, made with the example secret below, so a consumer can check its verifier against it.
 */
export function decisionCreatedWebhook(): OpenAPIV3_1.PathItemObject {
  const { body, headers } = exampleDecisionDelivery();
  const retried =
    'Retried with exponential backoff and jitter (a `Retry-After` is honoured, up to the cap) for ' +
    '`DOWNSTREAM_RETRY_FOR_SECONDS`, then dead-lettered: listed by `GET /deliveries?status=failed`, replayed by ' +
    '`POST /deliveries/{deliveryId}/retry`. Timeouts and network errors are treated the same.';
  return {
    post: {
      operationId: 'decisionCreated',
      tags: [TAGS.downstream],
      summary: 'A new decision, POSTed to DOWNSTREAM_URL',
      description:
        'Sent once per changed outcome of an inquiry (the same outcome is not delivered again), in `sequence` ' +
        'order per inquiry, with the same body and `webhook-id` on every attempt. Verify it with any Standard ' +
        `Webhooks library; the example is signed with \`${EXAMPLE_DOWNSTREAM_SECRET}\`. No PII is ever in the body.`,
      parameters: [
        header(
          'webhook-id',
          "The delivery's id: the same on every attempt, so use it to drop duplicates.",
          headers['webhook-id'] ?? '',
        ),
        header(
          'webhook-timestamp',
          'Unix seconds of this attempt; reject it when far from your clock.',
          headers['webhook-timestamp'] ?? '',
        ),
        header(
          'webhook-signature',
          '`v1,<base64 HMAC-SHA256>` over `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the base64 part of ' +
            '`DOWNSTREAM_SIGNING_SECRET`.',
          headers['webhook-signature'] ?? '',
        ),
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { $ref: `#/components/schemas/${DECISION_CREATED_SCHEMA}` },
            examples: { approved: { summary: 'An approval', value: JSON.parse(body) as unknown } },
          },
        },
      },
      responses: {
        '2XX': { description: 'Acknowledged: the delivery is done.' },
        '408': { description: retried },
        '429': { description: retried },
        '5XX': { description: retried },
        default: {
          description:
            'Any other answer (another 4xx, a 3xx: redirects are not followed) is a consumer bug: tried ' +
            '`DOWNSTREAM_MAX_CLIENT_ERROR_ATTEMPTS` times, then dead-lettered.',
        },
      },
    },
  };
}
