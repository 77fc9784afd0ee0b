import type { KeyInflection } from './inflect.js';
import type { WebhookEvent } from './inquiry-event.js';
import { buildEventEnvelope, lifecycleStep } from './inquiry-event.js';
import { parseInquiryId } from './inquiry-ids.js';
import { scenarioReport } from './scenario-objects.js';
import { reportsAtStep } from './scenarios.js';

/**
 * A report event (`report/watchlist.ready|matched|dismissed|errored` and the like) as Persona delivers it: the
 * shared event envelope with the report object as `payload.data` (OAS `webhooks` `report/watchlist.matched`: "the
 * payload is the polymorphic report object"). `payload.included` is left out, as Persona leaves it out when
 * related-object inclusion is off (same schema, `payload.included`).
 */
export interface ReportEventInput {
  /** A scenario inquiry; the report is the one in `reportSlot`, as linked at `step`. */
  inquiryId: string;
  reportSlot: string;
  /** e.g. `report/watchlist.matched`. */
  name: string;
  /** The lifecycle step (index into the scenario's `steps`) whose version of the report is sent. */
  step: number;
  /** Default a fresh `evt_…`. */
  eventId?: string;
  /** The event's `created-at`; default now. */
  createdAt?: string;
  /** Default kebab. */
  inflection?: KeyInflection;
  /**
   * A report of Persona's account-level continuous monitoring: linked to the account only
   * (`relationships.inquiry.data` null), so the receiver must find the inquiry another way.
   */
  accountOnly?: boolean;
  /** `created-at` of the inquiry (the report's times are offsets from it). */
  inquiryCreatedAt?: string;
}

/** Throws a RangeError for an id that names no scenario, a step it lacks, or a report not linked at that step. */
export function buildReportEvent(input: ReportEventInput): WebhookEvent {
  const ref = parseInquiryId(input.inquiryId);
  if (!ref) throw new RangeError(`${input.inquiryId} names no scenario`);
  lifecycleStep(ref, input.step);
  const spec = reportsAtStep(ref.scenario, input.step).find((r) => r.slot === input.reportSlot);
  if (!spec)
    throw new RangeError(`no report ${input.reportSlot} is linked at step ${input.step} of ${ref.scenario.key}`);
  const report = scenarioReport(ref, spec, {
    ...(input.inquiryCreatedAt ? { createdAt: input.inquiryCreatedAt } : {}),
    ...(input.accountOnly ? { accountOnly: true } : {}),
  });
  return buildEventEnvelope({ ...input, payload: { data: report } });
}
