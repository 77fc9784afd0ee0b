import { z } from 'zod';
import { errorResponse } from './openapi/error-responses.js';
import {
  EXAMPLE_FORGED_SIGNATURE,
  EXAMPLE_IDS,
  EXAMPLE_NOT_AN_EVENT_BODY,
  EXAMPLE_PERSONA_SECRET,
  EXAMPLE_TIME_SECONDS,
  EXAMPLE_WEBHOOK_BODY,
  examplePersonaSignature,
} from './openapi/examples.js';
import { documentedField, documentedReply, toExamplesMeta } from './openapi/named-examples.js';
import { TAGS } from './openapi/tags.js';

/** The acknowledgement: `ignored` is an event name the service does not act on, recorded so Persona stops retrying. */
const receivedSchema = z.object({
  received: z.literal(true),
  eventId: z.string(),
  status: z.enum(['stored', 'duplicate', 'ignored', 'superseded']),
});

/**
 * Persona's headers (https://docs.withpersona.com/webhooks-best-practices). All optional to the schema, so the
 * route, not validation, answers a missing signature (401); they are here to be documented.
 */
const headers = z.object({
  'persona-signature': documentedField(
    z.string().optional(),
    '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed with a secret of `PERSONA_WEBHOOK_SECRET`; ' +
      'two space-separated groups while Persona rotates the secret. The examples are signed with ' +
      `\`${EXAMPLE_PERSONA_SECRET}\` over the example bodies as \`JSON.stringify\` writes them.`,
    {
      stored: examplePersonaSignature(EXAMPLE_WEBHOOK_BODY),
      notAnEvent: examplePersonaSignature(EXAMPLE_NOT_AN_EVENT_BODY),
      forged: EXAMPLE_FORGED_SIGNATURE,
    },
  ),
  'persona-webhook-attempts-made': documentedField(z.string().optional(), 'Attempts so far, this one included.', {
    stored: '1',
  }),
  'persona-webhook-attempts-left': documentedField(z.string().optional(), 'Retries Persona has left.', {
    stored: '7',
  }),
  'persona-webhook-first-attempted-at': documentedField(z.string().optional(), 'Unix seconds of the first attempt.', {
    stored: String(EXAMPLE_TIME_SECONDS),
  }),
});

/** The envelope fields the service reads; Persona sends much more, in kebab, camel or snake case keys. */
const personaEvent = z.looseObject({
  data: z.looseObject({
    type: z.literal('event'),
    id: z.string().describe('The event id (`evt_…`); a second delivery of it is answered `duplicate`.'),
    attributes: z.looseObject({
      name: z.string().describe('e.g. `inquiry.completed`; a name the service does not act on is `ignored`.'),
      'created-at': z.string().describe("ISO-8601 with a zone; an inquiry's events are ordered by it."),
      payload: z.looseObject({
        data: z
          .looseObject({ type: z.string(), id: z.string() })
          .describe('The inquiry, or a report or verification that links its inquiry in `relationships`.'),
      }),
    }),
  }),
});

/**
 * The raw bytes, as the handler gets them (the signature covers them exactly), documented as the event they hold.
 * `optional`: an empty body is the route's to answer, not validation's.
 */
const body = z
  .instanceof(Buffer)
  .optional()
  .meta({
    ...(() => {
      const { $schema: _dialect, ...schema } = z.toJSONSchema(personaEvent, { io: 'input' });
      return schema;
    })(),
    description: 'A Persona webhook event (https://docs.withpersona.com/events), as Persona sent it.',
    ...toExamplesMeta({
      stored: { summary: 'inquiry.completed', value: EXAMPLE_WEBHOOK_BODY },
      notAnEvent: { summary: 'Not an event', value: EXAMPLE_NOT_AN_EVENT_BODY },
    }),
  });

/** POST /webhooks/persona: request and every answer, for validation, serialization and the API contract. */
export const personaWebhookSchema = {
  operationId: 'receivePersonaWebhook',
  tags: [TAGS.intake],
  summary: 'Receive a Persona webhook',
  description:
    'Verifies `Persona-Signature` on the raw bytes, stores the event and its job in one transaction and answers ' +
    "within Persona's 5 s; deciding happens later. Anything but a 2xx makes Persona retry (about 51 hours).",
  headers,
  body,
  response: {
    200: documentedReply(
      receivedSchema,
      'Acknowledged: `stored` (queued), `duplicate` (seen before), `ignored` (a name not acted on, or a report of an ' +
        'inquiry never seen) or `superseded` (older than an event already accepted for the inquiry).',
      { stored: { summary: 'Stored', value: { received: true, eventId: EXAMPLE_IDS.eventId, status: 'stored' } } },
    ),
    400: errorResponse(400, 'Signed correctly, but not a Persona event; the message says why.', {
      notAnEvent: {
        summary: 'Not an event',
        code: 'EVENT_INVALID',
        message: 'not a Persona event envelope: data.type must be "event"',
      },
    }),
    401: errorResponse(
      401,
      'The signature is missing, malformed, made with another secret, or outside `WEBHOOK_TOLERANCE_SECONDS` ' +
        '(future) / `WEBHOOK_MAX_AGE_SECONDS` (past).',
      { forged: { summary: 'Another secret', code: 'SIGNATURE_INVALID', message: 'signature verification failed' } },
    ),
    413: errorResponse(413, 'The body is over `WEBHOOK_BODY_LIMIT_BYTES` (1 MiB by default).', {
      tooLarge: {
        summary: 'A large body',
        given: 'body-over-limit',
        code: 'BODY_TOO_LARGE',
        message: 'request body is too large',
      },
    }),
    415: errorResponse(415, 'Not `application/json`.', {
      notJson: {
        summary: 'An XML body',
        given: 'unsupported-content-type',
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'content type must be application/json',
      },
    }),
    503: errorResponse(
      503,
      'Not stored (`DATABASE_UNAVAILABLE`, or `INTAKE_OVERLOADED` when too many webhooks wait for the database): ' +
        'Persona retries.',
      {
        databaseUnreachable: {
          summary: 'The database is down',
          given: 'database-unreachable',
          code: 'DATABASE_UNAVAILABLE',
          message: 'temporarily unable to store the event',
        },
      },
    ),
  },
};
