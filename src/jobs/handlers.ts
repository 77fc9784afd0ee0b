import type { Config } from '../config.js';
import type { Policy } from '../decision/policy.js';
import { createDownstreamClient } from '../downstream/client.js';
import type { Clock, Random } from '../lib/clock.js';
import type { DecisionRecord, DecisionStore } from '../store/decision-store.js';
import { DELIVER_DECISION, type DeliverDecisionPayload } from '../store/outbox.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import { PROCESS_INQUIRY } from '../store/event-store.js';
import { createDeliverDecisionHandler, createDeliveryBody } from './deliver-decision.js';
import { createProcessInquiryHandler, type EvidenceSource } from './process-inquiry.js';
import type { JobHandler } from './worker.js';

export interface JobHandlerDeps {
  config: Config;
  persona: EvidenceSource;
  decisions: DecisionStore;
  deliveries: DeliveryStore;
  policy: Policy;
  clock: Clock;
  random: Random;
}

export interface JobHandlers {
  handlers: Record<string, JobHandler>;
  /** Builds the outbox body; undefined when no DOWNSTREAM_URL is configured (decisions are stored and served only). */
  deliveryBody: ((decision: DecisionRecord, deliveryId: string) => string) | undefined;
}

/** One job kind, one handler: processing an inquiry always; delivering decisions when a downstream URL is set. */
export function createJobHandlers(deps: JobHandlerDeps): JobHandlers {
  const { config, clock, random } = deps;
  const downstream = config.downstream;
  const deliveryBody = downstream ? createDeliveryBody(clock) : undefined;
  const handlers: Record<string, JobHandler> = {
    [PROCESS_INQUIRY]: createProcessInquiryHandler({
      persona: deps.persona,
      decisions: deps.decisions,
      policy: deps.policy,
      clock,
      random,
      pollTimeoutMs: config.verificationPollTimeoutSeconds * 1000,
      pollMinDelayMs: config.verificationPollMinDelayMs,
      pollMaxDelayMs: config.verificationPollMaxDelayMs,
      personaOutageBudgetMs: config.personaRetryForSeconds * 1000,
      ...(deliveryBody ? { deliveryBody } : {}),
    }),
  };
  if (!downstream) {
    // Deliveries queued while a DOWNSTREAM_URL was set, and it has since been removed: dead-letter them (visible
    // and replayable with POST /deliveries/:id/retry once a URL is set again) instead of retrying forever.
    handlers[DELIVER_DECISION] = async (job, { finishWithin }) => {
      const { deliveryId } = job.payload as DeliverDecisionPayload;
      const delivery = await deps.deliveries.get(deliveryId);
      if (delivery?.status === 'pending') {
        const attempt = { attempts: delivery.attempts, lastStatus: null, lastError: 'downstream delivery is not configured (DOWNSTREAM_URL)' };
        await deps.deliveries.markFailed(deliveryId, attempt, finishWithin);
        return { type: 'done', finished: true };
      }
      return { type: 'done' };
    };
  } else {
    handlers[DELIVER_DECISION] = createDeliverDecisionHandler({
      deliveries: deps.deliveries,
      downstream: createDownstreamClient({ url: downstream.url, signingSecret: downstream.signingSecret, timeoutMs: downstream.timeoutMs, clock }),
      clock,
      random,
      retry: {
        retryForMs: downstream.retryForSeconds * 1000,
        minDelayMs: downstream.retryMinDelayMs,
        maxDelayMs: downstream.retryMaxDelaySeconds * 1000,
        maxClientErrorAttempts: downstream.maxClientErrorAttempts,
      },
    });
  }
  return { handlers, deliveryBody };
}
