import type { Outcome } from '../decision/outcome.js';

/**
 * What the pipeline reports about itself, as plain calls with bounded label values (never an id): the port the
 * webhook route, the worker, the job handlers and the Persona client call. prometheus-recorder.ts implements it
 * with in-memory counters and histograms; `noopRecorder` when METRICS_ENABLED=false. A leaf (one domain type).
 */
export interface MetricsRecorder {
  /** One answered POST /webhooks/persona, with the time from the request's arrival to the answer. */
  webhook(result: WebhookResult, seconds: number): void;
  /** One evaluation saved: a new decision (`decided`) or the same outcome again (`unchanged`). */
  evaluation(sample: EvaluationSample): void;
  /** One HTTP request to Persona's API (every retry is one), answered or not. */
  personaRequest(sample: PersonaRequestSample): void;
  /** One downstream delivery attempt; `decidedAtMs` set when it delivered (decision → delivered). */
  deliveryAttempt(sample: DeliveryAttemptSample): void;
  /** One job run by the worker, by what became of it. */
  job(kind: string, result: JobResult): void;
  /** One write-back attempt to Persona (PERSONA_WRITE_BACK), by what became of it. */
  writeBack(result: WriteBackResult): void;
  /** Events the reconciliation sweep found that no webhook had brought (each one a missed webhook). */
  missedWebhooks(count: number): void;
}

/** `retried`: Persona could not be reached or answered 5xx/429; the job runs again (the decision shows `pending`). */
export const WRITE_BACK_RESULTS = ['done', 'skipped', 'failed', 'retried'] as const;
export type WriteBackResult = (typeof WRITE_BACK_RESULTS)[number];

/** The acknowledgement statuses, then each reason a webhook is refused (error codes of src/errors.ts). */
export const WEBHOOK_RESULTS = [
  'stored',
  'duplicate',
  'ignored',
  'superseded',
  'signature',
  'stale',
  'invalid_body',
  'too_large',
  'unsupported_media_type',
  'unavailable',
  'overloaded',
  'error',
] as const;
export type WebhookResult = (typeof WEBHOOK_RESULTS)[number];

export const EVALUATION_RESULTS = ['decided', 'unchanged'] as const;
export interface EvaluationSample {
  result: (typeof EVALUATION_RESULTS)[number];
  outcome: Outcome;
  policyVersion: string;
  /** From the webhook's arrival (the job payload's receivedAtMs) to the saved evaluation. */
  sinceWebhookSeconds: number;
  /** DECISION_SHADOW_POLICY_FILE: the shadow policy's outcome on the same evidence; absent without one. */
  shadowOutcome?: Outcome;
  /** The live policy's rules that could not be evaluated on this evidence (`rule_error` reasons), by name. */
  ruleErrors?: readonly string[];
  /** The same for the shadow policy's rules: a candidate's broken rule shows before it goes live. */
  shadowRuleErrors?: readonly string[];
}

export const PERSONA_ENDPOINTS = ['inquiry', 'verification', 'report', 'other'] as const;
export type PersonaEndpoint = (typeof PERSONA_ENDPOINTS)[number];
export interface PersonaRequestSample {
  endpoint: PersonaEndpoint;
  /** The HTTP status, or `network_error` / `timeout` when no answer arrived. */
  status: number | 'network_error' | 'timeout';
  seconds: number;
}

export const DELIVERY_RESULTS = ['delivered', 'retrying', 'dead_lettered'] as const;
export interface DeliveryAttemptSample {
  result: (typeof DELIVERY_RESULTS)[number];
  /** The consumer's HTTP status; null when none arrived (timeout, network error). */
  httpStatus: number | null;
  /** When the decision was stored (the delivery row's creation); set on a delivered attempt. */
  decidedAtMs?: number;
  nowMs: number;
}

/** `error`: the handler threw (retried with backoff); `failed`: out of the queue for good (failed_jobs). */
export const JOB_RESULTS = ['done', 'rescheduled', 'error', 'failed'] as const;
export type JobResult = (typeof JOB_RESULTS)[number];

/** Records nothing: METRICS_ENABLED=false, and every caller's default. */
export const noopRecorder: MetricsRecorder = {
  webhook: () => undefined,
  evaluation: () => undefined,
  personaRequest: () => undefined,
  deliveryAttempt: () => undefined,
  job: () => undefined,
  writeBack: () => undefined,
  missedWebhooks: () => undefined,
};
