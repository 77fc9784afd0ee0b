import type { KeyInflection } from './inflect.js';
import type { WebhookEvent } from './inquiry-event.js';
import { buildInquiryEvent } from './inquiry-event.js';
import { latestMatchEvents, type ReportMatchEvent } from '../decision/evidence.js';
import { parseInquiryId, reportIdFor } from './inquiry-ids.js';
import { buildReportEvent } from './report-event.js';
import type { SendResult } from './webhook-sender.js';

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

export interface PlayLifecycleOptions extends LifecycleEventsOptions {
  /** Moves the simulator to a step (in process: `stack.persona.setStep`; else PUT /_sim/inquiries/:id/step). */
  setStep(inquiryId: string, step: number): void | Promise<void>;
  send(event: WebhookEvent): Promise<SendResult>;
  /**
   * Resolves once the service has evaluated this event (its decision names the event, or its history does). The
   * next step is only set after that: a worker that ran late would otherwise read the next step's state.
   */
  evaluated(inquiryId: string, eventId: string): Promise<void>;
}

/** Plays every step of a lifecycle scenario against a service, one step at a time. Returns each step's send result. */
export async function playLifecycle(inquiryId: string, options: PlayLifecycleOptions): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (const { step, event } of lifecycleEvents(inquiryId, options)) {
    await options.setStep(inquiryId, step);
    const result = await options.send(event);
    results.push(result);
    if (!result.acked) break;
    await options.evaluated(inquiryId, event.eventId);
  }
  return results;
}

/**
 * The report match events a service has received once an inquiry's lifecycle reached `step`: the latest
 * `.matched` or `.dismissed` per report, as its event store would give them (decision/evidence.ts,
 * withMatchDismissals). For tests that decide on a scenario's evidence without running the service.
 */
export function matchEventsAt(inquiryId: string, step: number): ReportMatchEvent[] {
  const ref = parseInquiryId(inquiryId);
  if (!ref) throw new RangeError(`${inquiryId} names no scenario`);
  const stepsSoFar = ref.scenario.steps.slice(0, step + 1).flatMap((s, index) =>
    s.reportSlot
      ? [
          {
            reportId: reportIdFor(inquiryId, s.reportSlot),
            name: s.event,
            createdAt: new Date(index * STEP_INTERVAL_MS).toISOString(),
          },
        ]
      : [],
  );
  return latestMatchEvents(stepsSoFar);
}
