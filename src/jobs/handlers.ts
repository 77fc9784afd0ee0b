import type { Policy } from '../decision/policy.js';
import type { DownstreamClient } from '../downstream/client.js';
import type { Clock, Random } from '../lib/clock.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { DecisionStore } from '../store/decision-store.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import { createDeliverDecisionHandler, type DeliveryRetryPolicy } from './deliver-decision.js';
import { createProcessInquiryHandler, type EvidenceSource, type PollingOptions } from './process-inquiry.js';
import type { EventStore } from '../store/event-store.js';
import type { JobHandler, JobHandlers } from './worker.js';
import { createWriteBackHandler, type PersonaReviewer } from './write-back.js';
import { createReconcileHandler, type ReconcileOptions } from './reconcile.js';
import type { WriteBackStore } from '../store/write-back-store.js';

export interface JobHandlerOptions {
  persona: EvidenceSource & PersonaReviewer & ReconcileOptions['persona'];
  decisions: DecisionStore;
  events: Pick<EventStore, 'latestReportMatchEvents' | 'record'>;
  deliveries: DeliveryStore;
  policy: Policy;
  /** DECISION_SHADOW_POLICY_FILE: also decided on every evaluation, stored, never delivered; null when unset. */
  shadowPolicy: Policy | null;
  clock: Clock;
  random: Random;
  polling: PollingOptions;
  /** Persona outages are retried (with backoff) for this long after the webhook arrived, then the job fails visibly. */
  personaOutageBudgetMs: number;
  /** Undefined when no DOWNSTREAM_URL is configured: decisions are stored and served only. */
  downstream: { client: DownstreamClient; retry: DeliveryRetryPolicy } | undefined;
  /** Evaluations, delivery attempts and write-backs (src/metrics); nothing recorded when absent. */
  metrics?: Pick<MetricsRecorder, 'evaluation' | 'deliveryAttempt' | 'writeBack' | 'missedWebhooks'>;
  /** PERSONA_WRITE_BACK's store; `enabled` false: a write-back queued before it was turned off is skipped. */
  writeBack: { store: WriteBackStore; enabled: boolean };
  /** The reconciliation sweep (RECONCILE_*): what it lists and how often. */
  reconcile: Omit<ReconcileOptions, 'persona' | 'events' | 'clock' | 'random'>;
}

/** One job kind, one handler: processing an inquiry always; delivering decisions when a downstream is set. */
export function createJobHandlers(options: JobHandlerOptions): JobHandlers {
  const { clock, random, downstream } = options;
  return {
    process_inquiry: createProcessInquiryHandler({
      persona: options.persona,
      decisions: options.decisions,
      events: options.events,
      policy: options.policy,
      shadowPolicy: options.shadowPolicy,
      clock,
      random,
      polling: options.polling,
      personaOutageBudgetMs: options.personaOutageBudgetMs,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    }),
    deliver_decision: downstream
      ? createDeliverDecisionHandler({
          deliveries: options.deliveries,
          downstream: downstream.client,
          clock,
          random,
          retry: downstream.retry,
          ...(options.metrics ? { metrics: options.metrics } : {}),
        })
      : deadLetterUndeliverable(options.deliveries),
    reconcile: createReconcileHandler({
      ...options.reconcile,
      persona: options.persona,
      events: options.events,
      clock,
      random,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    }),
    write_back: createWriteBackHandler({
      persona: options.persona,
      writeBacks: options.writeBack.store,
      decisions: options.decisions,
      enabled: options.writeBack.enabled,
      clock,
      random,
      retryForMs: options.personaOutageBudgetMs,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    }),
  };
}

/**
 * Deliveries queued while a DOWNSTREAM_URL was set, and it has since been removed: dead-letter them (visible and
 * replayable with POST /deliveries/:id/retry once a URL is set again) instead of retrying forever.
 */
function deadLetterUndeliverable(deliveries: DeliveryStore): JobHandler<'deliver_decision'> {
  return async ({ deliveryId }, _job, { finishWithin }) => {
    const delivery = await deliveries.get(deliveryId);
    if (delivery?.status !== 'pending') return { type: 'done' };
    const attempt = {
      attempts: delivery.attempts,
      lastStatus: null,
      lastError: 'downstream delivery is not configured (DOWNSTREAM_URL)',
    };
    await deliveries.markFailed(deliveryId, attempt, finishWithin);
    return { type: 'done', finished: true };
  };
}
