import type { KeyInflection } from './inflect.js';
import type { WebhookEvent } from './inquiry-event.js';
import { buildInquiryEvent } from './inquiry-event.js';
import { parseInquiryId } from './inquiry-ids.js';
import { buildReportEvent } from './report-event.js';

export interface LifecycleEventsOptions {
  /** `created-at` of the first event, epoch ms; default now. Each later step is one second later. */
  startAt?: number;
  inflection?: KeyInflection;
}

export interface LifecycleEvent {
  /** Set the simulator to this step (PUT /_sim/inquiries/:inquiryId/step) before sending `event`. */
  step: number;
  event: WebhookEvent;
}

const STEP_INTERVAL_MS = 1_000;

/**
 * One webhook per step of the inquiry's scenario, in order, with strictly increasing `created-at`: Persona tells
 * receivers to order events by it (docs/persona-notes.md#ordering-and-duplicates). `report/*` steps send the
 * report event, every other step the inquiry event. Throws a RangeError for an id that names no scenario.
 */
export function lifecycleEvents(inquiryId: string, options: LifecycleEventsOptions = {}): LifecycleEvent[] {
  const ref = parseInquiryId(inquiryId);
  if (!ref) throw new RangeError(`${inquiryId} names no scenario`);
  const startAt = options.startAt ?? Date.now();
  return ref.scenario.steps.map((step, index) => {
    const common = {
      inquiryId,
      name: step.event,
      step: index,
      createdAt: new Date(startAt + index * STEP_INTERVAL_MS).toISOString(),
      ...(options.inflection ? { inflection: options.inflection } : {}),
    };
    const event = step.event.startsWith('report/')
      ? buildReportEvent({ ...common, reportSlot: step.reportSlot ?? '' })
      : buildInquiryEvent(common);
    return { step: index, event };
  });
}
