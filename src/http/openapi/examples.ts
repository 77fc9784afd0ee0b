import { signPersonaPayload } from '../../persona/signature.js';

/**
 * The ids, times and secrets the API contract's examples are written with. test/integration/openapi-examples.test.ts
 * seeds a service with exactly these (its clock at EXAMPLE_TIME, its webhook secret EXAMPLE_PERSONA_SECRET) and
 * sends every documented example to it.
 */
export const EXAMPLE_TIME = '2026-11-29T10:00:00.000Z';
export const EXAMPLE_TIME_SECONDS = Date.parse(EXAMPLE_TIME) / 1000;

export const EXAMPLE_IDS = {
  /** Decided (approved). */
  inquiryId: 'inq_3pVgNq8wYb5kTz2HcRm7Lx4D',
  /** Decided manual_review: the review queue's example, reviewed by the review example. */
  reviewInquiryId: 'inq_5RvKw8Tq2YcN6bLm4XsH9pJd',
  /** Received, not decided yet. */
  processingInquiryId: 'inq_7LmQe2VtXc9Ra4NbKw6Hs1Jy',
  unknownInquiryId: 'inq_Nq2wUnknown0000000000000',
  eventId: 'evt_4kXw9RmT2bVn7QpL5sHc8JzY',
  eventCreatedAt: '2026-11-29T09:59:58.000Z',
  decisionId: 'dec_6f2b8a41c9d34e7f9a15b3c07d2e8f64',
  referenceId: 'user-8731',
  accountId: 'act_9YtR2mWq4LzX6cVb8NpK3sDf',
  templateId: 'itmpl_5HnJ8kLw2QrT7vXb4MzC9pYd',
  /** Pending: its first attempt is due. */
  deliveryId: 'msg_2c7e91d4a8b34f06b5d19e8a3c4f7b20',
  /** Acknowledged by the consumer. */
  deliveredDeliveryId: 'msg_9a4d2e7c1b5f48a3906e8d7c2b1a5f34',
  unknownDeliveryId: 'msg_00000000000000000000000000000000',
} as const;

/** Signs the webhook examples; a documentation value, never a real secret. */
export const EXAMPLE_PERSONA_SECRET = 'wbhsec_c0ntract_d0cs_7f3a9b2e5d8c1f4a6b0e';
/** Signs the `decision.created` example; a documentation value, never a real secret. */
export const EXAMPLE_DOWNSTREAM_SECRET = 'whsec_cGVyc29uYS1kZWNpZGVyIGRvY3Mgc2lnbmluZyBrZXk=';

/**
 * A Persona `inquiry.completed` event, cut to the fields the service reads (Persona sends the whole inquiry in
 * `payload`; https://docs.withpersona.com/events).
 */
export const EXAMPLE_WEBHOOK_BODY = {
  data: {
    type: 'event',
    id: EXAMPLE_IDS.eventId,
    attributes: {
      name: 'inquiry.completed',
      'created-at': EXAMPLE_IDS.eventCreatedAt,
      payload: {
        data: {
          type: 'inquiry',
          id: EXAMPLE_IDS.inquiryId,
          attributes: { status: 'completed', 'reference-id': EXAMPLE_IDS.referenceId },
        },
      },
    },
  },
};

/** Signed correctly, but not a Persona event envelope. */
export const EXAMPLE_NOT_AN_EVENT_BODY = { data: { type: 'account', id: 'act_9YtR2mWq4LzX6cVb8NpK3sDf' } };

/** `Persona-Signature` over a body sent as `JSON.stringify(body)`, at EXAMPLE_TIME. */
export function examplePersonaSignature(body: object): string {
  return signPersonaPayload(JSON.stringify(body), EXAMPLE_PERSONA_SECRET, EXAMPLE_TIME_SECONDS);
}

/** A well-formed signature made with another secret. */
export const EXAMPLE_FORGED_SIGNATURE = signPersonaPayload(
  JSON.stringify(EXAMPLE_WEBHOOK_BODY),
  'wbhsec_someone_else',
  EXAMPLE_TIME_SECONDS,
);
