import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import { registerDatabaseGauges } from './database-gauges.js';
import type { DatabaseSnapshot } from './database-snapshot.js';
import { createPrometheusRecorder } from './prometheus-recorder.js';
import { type MetricsRecorder, noopRecorder } from './recorder.js';

export interface Metrics {
  /** What the webhook route, the worker, the handlers and the Persona client report to. */
  recorder: MetricsRecorder;
  /** What GET /metrics serves; null when METRICS_ENABLED=false (no route, nothing recorded). */
  registry: Registry | null;
}

const NOT_PROMETHEUS_NAMES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Scrapes within 5 s share one read of the database gauges. */
const DATABASE_GAUGES_TTL_MS = 5_000;

/**
 * The service's metrics, in a Registry of its own (never prom-client's global one: a test builds several apps):
 * in-memory counters and histograms, gauges read from the database at scrape time, and the default process metrics.
 */
export function createMetrics(options: {
  enabled: boolean;
  policyVersion: string;
  /** DECISION_SHADOW_POLICY_FILE's version (its series start at 0); null or absent without one. */
  shadowPolicyVersion?: string | null;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
  readSnapshot: () => Promise<DatabaseSnapshot>;
}): Metrics {
  if (!options.enabled) return { recorder: noopRecorder, registry: null };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // gauges named like counters (promtool check metrics refuses them); their per-type twins stay and sum to the same
  for (const name of NOT_PROMETHEUS_NAMES) registry.removeSingleMetric(name);
  const recorder = createPrometheusRecorder(registry, {
    policyVersion: options.policyVersion,
    shadowPolicyVersion: options.shadowPolicyVersion ?? null,
  });
  registerDatabaseGauges(registry, {
    readSnapshot: options.readSnapshot,
    clock: options.clock,
    ttlMs: DATABASE_GAUGES_TTL_MS,
    logger: options.logger,
  });
  return { recorder, registry };
}
