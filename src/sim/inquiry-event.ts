import { parseInquiryId, randomSuffix } from './inquiry-ids.js';
import type { KeyInflection } from './inflect.js';
import { inflectKeys } from './inflect.js';
import type { PersonaResource } from './persona-objects.js';
import { buildInquiry } from './persona-objects.js';
import { scenarioInquiry } from './scenario-objects.js';

/**
 * An inquiry event envelope exactly as Persona delivers it (OAS webhooks/inquiry.completed.yaml,
 * components/schemas/event.yaml; docs/persona-notes.md#event-envelope): `data.type` "event", an `evt_` id, the event
 * name, `created-at`, and the inquiry as `payload.data`. `payload.included` is empty: the default for webhooks
 * created after 2026-01-28 (same section), and the service never relies on it.
 */
export interface WebhookEvent {
  eventId: string;
  inquiryId: string;
  name: string;
  createdAt: string;
  /** The JSON body, in the requested key inflection. */
  body: object;
}

export interface InquiryEventInput {
  inquiryId: string;
  /** Default a fresh `evt_…`. */
  eventId?: string;
  /** Default `inquiry.completed`. */
  name?: string;
  /** The event's `created-at`; default now. Persona says to order events by it. */
  createdAt?: string;
  /** Default kebab, Persona's default for webhooks. */
  inflection?: KeyInflection;
  /** `created-at` of the inquiry object (default the simulator's: 2026-01-01T00:00:00.000Z). */
  inquiryCreatedAt?: string;
}

// The inquiry status each event name implies (https://docs.withpersona.com/model-lifecycle).
const STATUS_BY_EVENT: Record<string, string> = {
  'inquiry.completed': 'completed',
  'inquiry.approved': 'approved',
  'inquiry.declined': 'declined',
  'inquiry.marked-for-review': 'needs_review',
  'inquiry.failed': 'failed',
  'inquiry.expired': 'expired',
};

function newEventId(): string {
  return `evt_${randomSuffix()}`;
}

export function buildInquiryEvent(input: InquiryEventInput): WebhookEvent {
  const eventId = input.eventId ?? newEventId();
  const name = input.name ?? 'inquiry.completed';
  const createdAt = input.createdAt ?? new Date().toISOString();
  const envelope = {
    data: {
      type: 'event',
      id: eventId,
      attributes: { name, payload: { data: inquiryPayload(input, name), included: [] }, 'created-at': createdAt },
    },
  };
  return {
    eventId,
    inquiryId: input.inquiryId,
    name,
    createdAt,
    body: inflectKeys(envelope, input.inflection ?? 'kebab'),
  };
}

/** A scenario inquiry carries its verification and report linkages; any other id gets a bare inquiry. */
function inquiryPayload(input: InquiryEventInput, name: string): PersonaResource {
  const status = STATUS_BY_EVENT[name] ?? 'completed';
  const options = input.inquiryCreatedAt ? { createdAt: input.inquiryCreatedAt } : {};
  const ref = parseInquiryId(input.inquiryId);
  return ref ? scenarioInquiry(ref, { ...options, status }) : buildInquiry({ id: input.inquiryId, status, ...options });
}
