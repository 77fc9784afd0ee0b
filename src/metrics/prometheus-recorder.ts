import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { OUTCOMES } from '../decision/outcome.js';
import { isJobKind, jobPayloadSchemas } from '../job-kinds.js';
import {
  EVALUATION_RESULTS,
  JOB_RESULTS,
  type MetricsRecorder,
  type PersonaRequestSample,
  WEBHOOK_RESULTS,
  WRITE_BACK_RESULTS,
} from './recorder.js';

/** Every metric name of the service starts with this (the default process metrics keep their standard names). */
export const METRIC_PREFIX = 'persona_decider_';

const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// polls last up to VERIFICATION_POLL_TIMEOUT_SECONDS (15 min), a Persona outage is retried for a day
const PIPELINE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 86400];
const PERSONA_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The in-memory half of the metrics: counters and histograms incremented on the request and job paths (no I/O,
 * no await). Series whose label values are known up front start at 0, so `increase()` and absence-based alerts
 * see them from the first scrape.
 */
export function createPrometheusRecorder(
  registry: Registry,
  options: { policyVersion: string; shadowPolicyVersion?: string | null },
): MetricsRecorder {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
    new Histogram<L>({ name: `${METRIC_PREFIX}${name}`, help, labelNames, buckets, registers });

  const webhooks = counter(
    'webhooks_total',
    'POST /webhooks/persona answers by result: an acknowledgement status or the reason it was refused.',
    ['result'],
  );
  const ack = histogram('webhook_ack_seconds', 'Time from a webhook request arriving to its answer.', ACK_BUCKETS);
  const decisions = counter(
    'decisions_total',
    'Evaluations saved: result="decided" a new decision (delivered), "unchanged" the same outcome again.',
    ['result', 'outcome', 'policy_version'],
  );
  const toDecision = histogram(
    'webhook_to_decision_seconds',
    'Time from the webhook being stored to its evaluation being saved (polling and retries included).',
    PIPELINE_BUCKETS,
    ['result'],
  );
  const personaRequests = counter(
    'persona_requests_total',
    'HTTP requests to the Persona API (each retry counts) by endpoint and status (or network_error, timeout).',
    ['endpoint', 'status'],
  );
  const personaDuration = histogram(
    'persona_request_duration_seconds',
    'Duration of one Persona API request, answered or not (rate-budget waits excluded).',
    PERSONA_BUCKETS,
    ['endpoint'],
  );
  const deliveryAttempts = counter(
    'delivery_attempts_total',
    'Downstream delivery attempts by result and the status class of the answer (no_response: none came).',
    ['result', 'status_class'],
  );
  const toDelivered = histogram(
    'decision_to_delivered_seconds',
    'Time from a decision being stored to its delivery being acknowledged downstream (retries included).',
    PIPELINE_BUCKETS,
  );
  const jobs = counter(
    'jobs_total',
    'Jobs run by the worker, by kind and result (error: the handler threw and the job is retried).',
    ['kind', 'result'],
  );
  new Gauge({
    name: `${METRIC_PREFIX}policy_info`,
    help: 'Always 1; policy_version names the decision policy this process decides with.',
    labelNames: ['policy_version'] as const,
    registers,
  }).set({ policy_version: options.policyVersion }, 1);

  for (const result of WEBHOOK_RESULTS) webhooks.inc({ result }, 0);
  for (const kind of Object.keys(jobPayloadSchemas)) for (const result of JOB_RESULTS) jobs.inc({ kind, result }, 0);
  const writeBacks = counter(
    'write_backs_total',
    'Write-backs of decisions to Persona (PERSONA_WRITE_BACK) by result: done, skipped (Persona decides already), failed, retried.',
    ['result'],
  );
  for (const result of WRITE_BACK_RESULTS) writeBacks.inc({ result }, 0);
  const missed = counter(
    'missed_webhooks_total',
    'Events the reconciliation sweep found in GET /events that no webhook had brought (processed then); each one a missed webhook.',
  );
  for (const result of EVALUATION_RESULTS)
    for (const outcome of OUTCOMES) decisions.inc({ result, outcome, policy_version: options.policyVersion }, 0);
  const ruleErrors = counter(
    'rule_errors_total',
    'Evaluations where a policy rule (CEL) could not be evaluated: a rule_error reason, by policy (live or shadow) ' +
      'and rule name. The rule asked for nothing; the decision was taken on the rest.',
    ['policy', 'rule'],
  );
  const shadowDecisions = counter(
    'shadow_decisions_total',
    'Evaluations saved that were also decided under the shadow policy (DECISION_SHADOW_POLICY_FILE), by the live ' +
      'and the shadow outcome: equal labels are agreement.',
    ['live_outcome', 'shadow_outcome'],
  );
  if (options.shadowPolicyVersion) {
    new Gauge({
      name: `${METRIC_PREFIX}shadow_policy_info`,
      help: 'Always 1; policy_version names the shadow policy this process also decides with (absent without one).',
      labelNames: ['policy_version'] as const,
      registers,
    }).set({ policy_version: options.shadowPolicyVersion }, 1);
    for (const live of OUTCOMES)
      for (const shadow of OUTCOMES) shadowDecisions.inc({ live_outcome: live, shadow_outcome: shadow }, 0);
  }

  return {
    webhook(result, seconds) {
      webhooks.inc({ result });
      ack.observe(seconds);
    },
    evaluation(sample) {
      const { result, outcome, policyVersion, sinceWebhookSeconds, shadowOutcome } = sample;
      decisions.inc({ result, outcome, policy_version: policyVersion });
      for (const rule of sample.ruleErrors ?? []) ruleErrors.inc({ policy: 'live', rule });
      for (const rule of sample.shadowRuleErrors ?? []) ruleErrors.inc({ policy: 'shadow', rule });
      toDecision.observe({ result }, Math.max(0, sinceWebhookSeconds));
      if (shadowOutcome !== undefined) shadowDecisions.inc({ live_outcome: outcome, shadow_outcome: shadowOutcome });
    },
    personaRequest(sample) {
      personaRequests.inc({ endpoint: sample.endpoint, status: statusLabel(sample) });
      personaDuration.observe({ endpoint: sample.endpoint }, sample.seconds);
    },
    deliveryAttempt({ result, httpStatus, decidedAtMs, nowMs }) {
      deliveryAttempts.inc({ result, status_class: statusClass(httpStatus) });
      if (decidedAtMs !== undefined) toDelivered.observe(Math.max(0, nowMs - decidedAtMs) / 1000);
    },
    job(kind, result) {
      jobs.inc({ kind: isJobKind(kind) ? kind : 'unknown', result });
    },
    writeBack(result) {
      writeBacks.inc({ result });
    },
    missedWebhooks(count) {
      missed.inc(count);
    },
  };
}

/** Any status Persona could send is one of a bounded set; anything outside 100–599 is not HTTP. */
function statusLabel({ status }: PersonaRequestSample): string {
  if (typeof status === 'string') return status;
  return status >= 100 && status <= 599 ? String(status) : 'invalid';
}

function statusClass(status: number | null): string {
  if (status === null) return 'no_response';
  return status >= 100 && status <= 599 ? `${Math.floor(status / 100)}xx` : 'invalid';
}
