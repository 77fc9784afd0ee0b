import { z } from 'zod';
import { PERSONA_ID, PERSONA_ID_MAX_LENGTH } from './ids.js';

/**
 * The few envelope facts the service needs from a Persona webhook. The payload object itself is PII and is never
 * copied out of the body here.
 */
export interface PersonaWebhookEvent {
  eventId: string;
  name: string;
  /** `data.attributes.created-at`, normalized to ISO-8601 UTC; Persona says to order events by it. */
  createdAt: string;
  objectType: string;
  objectId: string;
  inquiryId: string | null;
}

export type ParseEventResult = { ok: true; event: PersonaWebhookEvent } | { ok: false; reason: string };

export interface AttemptHeaders {
  attemptsMade: number | null;
  attemptsLeft: number | null;
  /** ISO-8601 UTC. */
  firstAttemptedAt: string | null;
}

/**
 * Reads the keys of `value` in whichever key inflection the webhook is configured with (kebab by default, camel or
 * snake: https://docs.withpersona.com/api-key-inflection), returning a new object with only the requested keys,
 * kebab-cased. Non-objects pass through untouched so the schema reports them. `keys` pairs each kebab key with its
 * spellings (`inflections`), worked out once per schema rather than per webhook.
 */
function pickInflected(value: unknown, keys: readonly (readonly [string, readonly string[]])[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const [key, spellings] of keys) {
    const variant = spellings.find((candidate) => Object.hasOwn(source, candidate));
    if (variant !== undefined) picked[key] = source[variant];
  }
  return picked;
}

/** A kebab key and its spellings in the three inflections, kebab first (`created-at`, `createdAt`, `created_at`). */
function inflections(kebab: string): readonly [string, readonly string[]] {
  const camel = kebab.replace(/-([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
  return [kebab, [...new Set([kebab, camel, kebab.replaceAll('-', '_')])]];
}

/** A zod object whose keys may arrive kebab, camel or snake-cased. */
function inflectedObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const keys = Object.keys(shape).map(inflections);
  return z.preprocess((value) => pickInflected(value, keys), z.object(shape));
}

// Ids become database keys and URL path segments (GET /decisions/:inquiryId): Persona's are `evt_…`, `inq_…`
// (letters, digits, underscores). Bounded, and no control characters (PostgreSQL text rejects NUL, which would turn
// a bad event into a 503 Persona retries for two days instead of a 400).
const identifier = z.string().min(1).max(PERSONA_ID_MAX_LENGTH).regex(PERSONA_ID, 'must be letters, digits, - or _');

// Event names (`inquiry.completed`) and resource types (`verification/government-id`): printable, bounded.
const label = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

// Persona sends e.g. 2024-03-15T18:35:00.100Z; offsets are accepted, a zone is required so ordering is unambiguous.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const dateTime = z
  .string()
  .refine((text) => ISO_DATE_TIME.test(text) && !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 date-time');

// A malformed relationship must not cost us the event: it only means the inquiry id is unknown.
const inquiryRelationship = inflectedObject({
  inquiry: inflectedObject({ data: inflectedObject({ type: z.string(), id: identifier }).nullable() }),
})
  .optional()
  .catch(undefined);

// Envelope: https://docs.withpersona.com/webhooks and OAS `components/schemas/event.yaml` (persona-openapi 2025-12-08).
const envelopeSchema = inflectedObject({
  data: inflectedObject({
    type: z.literal('event'),
    id: identifier,
    attributes: inflectedObject({
      name: label,
      'created-at': dateTime,
      payload: inflectedObject({
        data: inflectedObject({ type: label, id: identifier, relationships: inquiryRelationship }),
      }),
    }),
  }),
});

type Envelope = z.infer<typeof envelopeSchema>;

/**
 * Parses an already JSON-parsed webhook body. Unknown event names and extra attributes are accepted (Persona adds
 * them without notice: https://docs.withpersona.com/events). Reasons name the field path (in kebab case), never a
 * value.
 */
export function parsePersonaEvent(body: unknown): ParseEventResult {
  const parsed = envelopeSchema.safeParse(body, { error: describeIssue });
  if (!parsed.success) return { ok: false, reason: toReason(parsed.error.issues[0]) };
  const { id, attributes } = parsed.data.data;
  const object = attributes.payload.data;
  if (attributes.name.startsWith('inquiry.') && object.type !== 'inquiry') {
    return { ok: false, reason: 'data.attributes.payload.data.type must be "inquiry" for an inquiry.* event' };
  }
  return {
    ok: true,
    event: {
      eventId: id,
      name: attributes.name,
      createdAt: new Date(attributes['created-at']).toISOString(),
      objectType: object.type,
      objectId: object.id,
      inquiryId: inquiryIdOf(object),
    },
  };
}

function inquiryIdOf(object: Envelope['data']['attributes']['payload']['data']): string | null {
  if (object.type === 'inquiry') return object.id;
  const linkage = object.relationships?.inquiry.data;
  return linkage?.type === 'inquiry' ? linkage.id : null;
}

// Per-parse messages built from the schema's expectations only; zod's defaults could mention the received input.
function describeIssue(issue: z.core.$ZodRawIssue): string {
  if (issue.input === undefined) return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `must be ${issue.values.map((allowed) => JSON.stringify(allowed)).join(' or ')}`;
    case 'too_small':
      return 'must not be empty';
    case 'too_big':
      return 'is too long';
    default:
      return 'is invalid';
  }
}

function toReason(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'body is invalid';
  const path = issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
  return `${path} ${issue.message}`;
}

/**
 * Delivery metadata from the `Persona-Webhook-Attempts-*` headers (OAS `components/parameters/
 * persona-webhook-attempts-made.yaml` and siblings). Informational only, so anything unreadable becomes null.
 */
export function parseAttemptHeaders(headers: Record<string, string | string[] | undefined>): AttemptHeaders {
  const firstAttemptedSeconds = toCount(headerValue(headers, 'persona-webhook-first-attempted-at'));
  return {
    attemptsMade: toCount(headerValue(headers, 'persona-webhook-attempts-made')),
    attemptsLeft: toCount(headerValue(headers, 'persona-webhook-attempts-left')),
    firstAttemptedAt: firstAttemptedSeconds === null ? null : new Date(firstAttemptedSeconds * 1000).toISOString(),
  };
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  // Node lower-cases incoming header names, but callers building headers by hand may not.
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

function toCount(text: string | undefined): number | null {
  const trimmed = text?.trim();
  return trimmed !== undefined && /^[0-9]{1,12}$/.test(trimmed) ? Number(trimmed) : null;
}
