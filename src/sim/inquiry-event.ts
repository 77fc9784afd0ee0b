import { parseInquiryId, randomSuffix } from './inquiry-ids.js';
import type { InquiryRef } from './inquiry-ids.js';
import type { KeyInflection } from './inflect.js';
import { inflectKeys } from './inflect.js';
import type { PersonaResource } from './persona-objects.js';
import { buildInquiry } from './persona-objects.js';
import { scenarioInquiry, scenarioReport, scenarioVerification } from './scenario-objects.js';
import { reportsAtStep } from './scenarios.js';
import type { LifecycleStep } from './scenario-spec.js';

/**
 * An inquiry event envelope exactly as Persona delivers it (OAS webhooks/inquiry.completed.yaml,
 * components/schemas/event.yaml; docs/persona-notes.md#event-envelope): `data.type` "event", an `evt_` id, the event
 * name, `created-at`, and the inquiry as `payload.data`. `payload.included` is empty by default, as for webhooks
 * created after 2026-01-28 (same section); `included` fills it as a webhook whose included-allowlist names the
 * inquiry's relationships does (https://docs.withpersona.com/webhook-allowlists).
 */
export interface WebhookEvent {
  eventId: string;
  /** The inquiry the event is about (for a report event: the scenario inquiry the report belongs to). */
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
  /** Default the step's event when it is an `inquiry.*` one (a scenario inquiry), else `inquiry.completed`. */
  name?: string;
  /**
   * The lifecycle step (index into the scenario's `steps`) whose inquiry status and linked reports the payload
   * shows. Without it the status follows `name` and the reports are those of step 0.
   */
  step?: number;
  /** The event's `created-at`; default now. Persona says to order events by it. */
  createdAt?: string;
  /** Default kebab, Persona's default for webhooks. */
  inflection?: KeyInflection;
  /** `created-at` of the inquiry object (default the simulator's: 2026-01-01T00:00:00.000Z). */
  inquiryCreatedAt?: string;
  /**
   * What `payload.included` carries (a scenario inquiry only): `none` (default), `verifications` (an allowlist
   * naming only them), or `all` (verifications and reports). A verification that settles later is `initiated`
   * in it, as it was when Persona sent the event.
   */
  included?: IncludedAllowlist;
}

export type IncludedAllowlist = 'none' | 'verifications' | 'all';
export const INCLUDED_ALLOWLISTS: readonly IncludedAllowlist[] = ['none', 'verifications', 'all'];

export function isIncludedAllowlist(value: string): value is IncludedAllowlist {
  return (INCLUDED_ALLOWLISTS as readonly string[]).includes(value);
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

export function buildInquiryEvent(input: InquiryEventInput): WebhookEvent {
  const ref = parseInquiryId(input.inquiryId);
  const step = ref ? lifecycleStep(ref, input.step) : undefined;
  const name = input.name ?? (step?.event.startsWith('inquiry.') ? step.event : 'inquiry.completed');
  const status =
    input.step !== undefined && step
      ? step.inquiryStatus
      : (STATUS_BY_EVENT[name] ?? step?.inquiryStatus ?? 'completed');
  const options = { status, ...(input.inquiryCreatedAt ? { createdAt: input.inquiryCreatedAt } : {}) };
  // A scenario inquiry carries its verification and report linkages; any other id gets a bare inquiry.
  const inquiry = ref
    ? scenarioInquiry(ref, { ...options, step: input.step ?? 0 })
    : buildInquiry({ id: input.inquiryId, ...options });
  const included = ref ? includedObjects(ref, input.included ?? 'none', input.step ?? 0, input.inquiryCreatedAt) : [];
  return buildEventEnvelope({ ...input, name, payload: { data: inquiry, included } });
}

function includedObjects(
  ref: InquiryRef,
  allowlist: IncludedAllowlist,
  step: number,
  createdAt: string | undefined,
): PersonaResource[] {
  if (allowlist === 'none') return [];
  const options = createdAt ? { createdAt } : {};
  const verifications = ref.scenario.verifications.map((spec) =>
    scenarioVerification(ref, spec, spec.pending !== undefined, options),
  );
  if (allowlist === 'verifications') return verifications;
  return [...verifications, ...reportsAtStep(ref.scenario, step).map((spec) => scenarioReport(ref, spec, options))];
}

/** The step `step` of the inquiry's scenario (default 0); a RangeError for a step the scenario lacks. */
export function lifecycleStep(ref: InquiryRef, step = 0): LifecycleStep {
  const found = ref.scenario.steps[step];
  if (!found) throw new RangeError(`scenario ${ref.scenario.key} has no step ${step}`);
  return found;
}

export interface EnvelopeInput {
  inquiryId: string;
  name: string;
  /** `payload.data` the object the event is about; `payload.included` related objects, when present at all. */
  payload: { data: PersonaResource; included?: PersonaResource[] };
  eventId?: string;
  createdAt?: string;
  inflection?: KeyInflection;
}

/** The `event` envelope every Persona webhook shares (OAS components/schemas/webhook-body-shared-*.yaml). */
export function buildEventEnvelope(input: EnvelopeInput): WebhookEvent {
  const eventId = input.eventId ?? `evt_${randomSuffix()}`;
  const createdAt = input.createdAt ?? new Date().toISOString();
  const envelope = {
    data: {
      type: 'event',
      id: eventId,
      attributes: { name: input.name, payload: input.payload, 'created-at': createdAt },
    },
  };
  return {
    eventId,
    inquiryId: input.inquiryId,
    name: input.name,
    createdAt,
    body: inflectKeys(envelope, input.inflection ?? 'kebab'),
  };
}
