import { Gauge, type Registry } from 'prom-client';
import { isJobKind, jobPayloadSchemas } from '../job-kinds.js';
import { createCachedRead } from '../lib/cached-read.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import { budgetNumbers, type DatabaseSnapshot } from './database-snapshot.js';
import { METRIC_PREFIX } from './prometheus-recorder.js';

export interface DatabaseGaugeOptions {
  readSnapshot: () => Promise<DatabaseSnapshot>;
  clock: Clock;
  /** Scrapes within this long of the last read share it: N scrapers (or replicas) never multiply the queries. */
  ttlMs: number;
  logger: Pick<Logger, 'warn'>;
}

const KNOWN_KINDS = Object.keys(jobPayloadSchemas);

/**
 * Gauges read from the database when scraped (at most once per `ttlMs`), so every replica reports the same truth.
 * When the database does not answer, `persona_decider_database_up` is 0 and the other gauges keep their last values.
 */
export function registerDatabaseGauges(registry: Registry, options: DatabaseGaugeOptions): void {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({
      name: `${METRIC_PREFIX}${name}`,
      help,
      labelNames,
      registers: [registry],
      collect: () => refresh(),
    });

  const up = gauge('database_up', '1 when the last read of the database gauges answered, else 0.');
  const due = gauge('jobs_due', 'Jobs due now that no worker holds, by kind.', ['kind']);
  const oldestDue = gauge(
    'jobs_oldest_due_age_seconds',
    'How long the oldest due job has waited past its run time, by kind (0 when none is due).',
    ['kind'],
  );
  const running = gauge('jobs_running', 'Jobs a worker holds a live lease on, by kind.', ['kind']);
  const failedJobs = gauge('failed_jobs', 'Jobs out of the queue for good (GET /jobs/failed).');
  const pending = gauge('deliveries_pending', 'Deliveries waiting to be sent or retried.');
  const deadLettered = gauge('deliveries_dead_lettered', 'Deliveries that gave up (POST /deliveries/:id/retry).');
  const failedInquiries = gauge(
    'inquiries_failed',
    'Inquiries whose processing failed (POST /inquiries/:id/reprocess).',
  );
  const reviewQueue = gauge(
    'review_queue',
    'Current decisions that are manual_review and not reviewed by an operator (the review queue).',
  );
  const budgetRemaining = gauge(
    'persona_rate_budget_remaining',
    "Requests left in Persona's current rate-limit window, as last reported (absent until Persona has reported one).",
    ['budget'],
  );
  const budgetLimit = gauge('persona_rate_budget_limit', "Persona's rate limit per window, as last reported.", [
    'budget',
  ]);

  const apply = (snapshot: DatabaseSnapshot): void => {
    for (const g of [due, oldestDue, running]) {
      g.reset();
      for (const kind of KNOWN_KINDS) g.set({ kind }, 0);
    }
    const oldestAge = new Map<string, number>();
    for (const row of snapshot.dueJobs) {
      const kind = kindLabel(row.kind);
      due.inc({ kind }, row.due);
      const age = Math.max(0, snapshot.at - row.oldestRunAt) / 1000;
      if (age > (oldestAge.get(kind) ?? 0)) oldestAge.set(kind, age);
    }
    for (const [kind, age] of oldestAge) oldestDue.set({ kind }, age);
    for (const row of snapshot.runningJobs) running.inc({ kind: kindLabel(row.kind) }, row.running);
    failedJobs.set(snapshot.failedJobs);
    pending.set(snapshot.deliveries.pending);
    deadLettered.set(snapshot.deliveries.failed);
    failedInquiries.set(snapshot.failedInquiries);
    reviewQueue.set(snapshot.reviewQueue);
    budgetRemaining.reset();
    budgetLimit.reset();
    // the same numbers as GET /status (database-snapshot.ts)
    const budget = budgetNumbers(snapshot);
    if (budget && budget.limit !== null) budgetLimit.set({ budget: 'persona' }, budget.limit);
    if (budget && budget.remaining !== null) budgetRemaining.set({ budget: 'persona' }, budget.remaining);
  };

  const refresh = createCachedRead(
    async () => {
      try {
        apply(await options.readSnapshot());
        up.set(1);
      } catch (error) {
        up.set(0);
        options.logger.warn({ err: error }, 'metrics: the database gauges could not be read; last values kept');
      }
    },
    { ttlMs: options.ttlMs, clock: options.clock },
  );
}

/** A kind written by another version is counted, under one label value. */
function kindLabel(kind: string): string {
  return isJobKind(kind) ? kind : 'unknown';
}
