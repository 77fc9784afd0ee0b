import { setTimeout as sleepMs } from 'node:timers/promises';
import type { Config } from './config.js';
import { loadPolicyFile } from './decision/load-policy.js';
import { countedReportTypes, defaultPolicy, type Policy } from './decision/policy.js';
import { shadowPolicyProblem } from './decision/shadow.js';
import { AppError, ErrorCodes } from './errors.js';
import { createDownstreamClient } from './downstream/client.js';
import { createDeliveryBody } from './downstream/payload.js';
import { createJobHandlers } from './jobs/handlers.js';
import { Worker } from './jobs/worker.js';
import { type Clock, type Random, systemClock, systemRandom } from './lib/clock.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics/create-metrics.js';
import { createSnapshotReader, type DatabaseSnapshot } from './metrics/database-snapshot.js';
import { type AuditStore, createAuditStore } from './store/audit-store.js';
import { createDecisionList, type DecisionList } from './store/decision-list.js';
import { createPersonaClient, type PersonaClient } from './persona/client.js';
import { createRateBudget, type Sleep } from './persona/rate-limit.js';
import { createSharedRateBudget, SHARED_RATE_BUDGET_NAME } from './persona/shared-rate-budget.js';
import { connectDatabase } from './store/connect.js';
import type { DatabaseHandle } from './store/database-handle.js';
import { createDecisionStore, type DecisionStore } from './store/decision-store.js';
import { createDeliveryStore, type DeliveryStore } from './store/delivery-store.js';
import { createEventStore, type EventStore } from './store/event-store.js';
import { readRateBudget } from './store/gauge-queries.js';
import { createJobQueue, type JobQueue } from './store/job-queue.js';
import { migrateToLatest } from './store/migrate.js';
import { createOutbox } from './store/outbox.js';
import { createRateBudgetStore } from './store/rate-budget-store.js';
import { createReconciliationStore, type ReconciliationStore } from './store/reconciliation-store.js';
import { createShadowStore, type ShadowStore } from './store/shadow-store.js';
import { reconcileJob } from './job-kinds.js';
import { actionableEventNames, createEventClassifier } from './persona/event-names.js';
import { createWriteBackStore, type WriteBackStore } from './store/write-back-store.js';

/** Every adapter of the service, built once from the configuration: what main.ts runs and what tests drive. */
export interface Deps {
  config: Config;
  logger: Logger;
  clock: Clock;
  random: Random;
  sleep: Sleep;
  policy: Policy;
  /** DECISION_SHADOW_POLICY_FILE: every decision is also taken under it, stored, never delivered; null when unset. */
  shadowPolicy: Policy | null;
  database: DatabaseHandle;
  queue: JobQueue;
  events: EventStore;
  decisions: DecisionStore;
  deliveries: DeliveryStore;
  /** PERSONA_WRITE_BACK: decisions told to Persona, and their state. */
  writeBacks: WriteBackStore;
  /** The reconciliation sweep's runs (GET /reconciliations) and its checkpoint. */
  reconciliations: ReconciliationStore;
  /** The current decisions and their shadows, a page at a time (GET /shadow/summary). */
  shadows: ShadowStore;
  /** GET /decisions (filters, the review queue) and GET /decisions/:inquiryId/sequences. */
  decisionList: DecisionList;
  /** The operators' audit trail (GET /audit); entries are written by the actions' own transactions. */
  audit: AuditStore;
  /** The database's numbers the metrics gauges read (GET /status reads the same). */
  readSnapshot: () => Promise<DatabaseSnapshot>;
  persona: PersonaClient;
  /** Counters, histograms and database gauges (GET /metrics); a no-op recorder when METRICS_ENABLED=false. */
  metrics: Metrics;
}

/** What a test (or a tool) fakes; everything else comes from the configuration. */
export interface DepsOverrides {
  logger?: Logger;
  clock?: Clock;
  random?: Random;
  /** Waiting is an input like time: tests pass one that moves a manual clock and resolves at once. */
  sleep?: Sleep;
  policy?: Policy;
  /** null: no shadow policy, whatever DECISION_SHADOW_POLICY_FILE says. */
  shadowPolicy?: Policy | null;
  /** An open, migrated database (a test's shared one); by default config.databaseUrl is connected and migrated. */
  database?: DatabaseHandle;
}

/**
 * The one wiring. Connects (and migrates) the database unless one is given, then builds every store, the outbox
 * (only when decisions are delivered downstream), the Persona client and its rate budget: in memory on SQLite (one
 * process), one locked row shared by every replica on PostgreSQL.
 */
export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const random = overrides.random ?? systemRandom;
  const sleep = overrides.sleep ?? ((ms: number) => sleepMs(ms));
  const policy =
    overrides.policy ?? (config.decisionPolicyFile ? loadPolicyFile(config.decisionPolicyFile) : defaultPolicy);
  const shadowPolicy = loadShadowPolicy(config, policy, overrides.shadowPolicy);
  const database = overrides.database ?? (await openDatabase(config, logger, random));

  const { db } = database;
  const queue = createJobQueue({ db, dialect: database.dialect, clock, notifier: database.notifier });
  const outbox = config.downstream ? createOutbox({ queue, deliveryBody: createDeliveryBody(clock) }) : undefined;
  const writeBacks = createWriteBackStore({ db, queue, clock, outcomes: config.personaWriteBack });
  const rateWindow = {
    lowWaterFraction: config.personaRateLowWaterPercent / 100,
    resetGuardMs: config.personaRateResetGuardMs,
  };
  const localBudget = database.dialect === 'postgres' ? undefined : createRateBudget({ clock, sleep, ...rateWindow });
  const rateBudget =
    localBudget ??
    createSharedRateBudget({
      store: createRateBudgetStore(database),
      clock,
      sleep,
      ...rateWindow,
      grantTtlMs: config.personaTimeoutMs + 5_000,
      logger: logger.child({ component: 'rate-budget' }),
    });
  const readSnapshot = createSnapshotReader({
    db,
    now: () => clock.now(),
    // the in-process budget knows its window; the shared one is the row every replica writes
    readRateBudget: localBudget ? async () => localBudget.view() : () => readRateBudget(db, SHARED_RATE_BUDGET_NAME),
  });
  const metrics = createMetrics({
    enabled: config.metricsEnabled,
    policyVersion: policy.version,
    shadowPolicyVersion: shadowPolicy?.version ?? null,
    clock,
    logger: logger.child({ component: 'metrics' }),
    readSnapshot,
  });
  const persona = createPersonaClient({
    baseUrl: config.personaApiUrl,
    apiKey: config.personaApiKey,
    apiVersion: config.personaApiVersion,
    timeoutMs: config.personaTimeoutMs,
    maxRetries: config.personaMaxRetries,
    clock,
    random,
    sleep,
    rateBudget,
    logger: logger.child({ component: 'persona' }),
    metrics: metrics.recorder,
  });
  return {
    config,
    logger,
    clock,
    random,
    sleep,
    policy,
    shadowPolicy,
    database,
    queue,
    events: createEventStore({ db, queue, clock, ...(database.intake ? { intake: database.intake } : {}) }),
    decisions: createDecisionStore({
      db,
      clock,
      outbox,
      ...(config.personaWriteBack.size > 0 ? { writeBack: writeBacks.outbox } : {}),
    }),
    writeBacks,
    reconciliations: createReconciliationStore({ db, clock }),
    shadows: createShadowStore({ db }),
    deliveries: createDeliveryStore({ db, queue, clock, outbox }),
    decisionList: createDecisionList({ db }),
    audit: createAuditStore({
      db,
      // the entry is listed with `detail: null`; the id lets an operator look at the row (its text is not logged)
      onUnreadableDetail: (auditId) =>
        logger.child({ component: 'audit' }).warn({ auditId }, 'audit entry detail is not a JSON object'),
    }),
    readSnapshot,
    persona,
    metrics,
  };
}

/**
 * DECISION_SHADOW_POLICY_FILE, read and checked at startup like the live policy: a bad file, or one that could not
 * be told apart from the live policy (same version, or the same rules), stops the service.
 */
function loadShadowPolicy(config: Config, live: Policy, override: Policy | null | undefined): Policy | null {
  if (override !== undefined) return override;
  if (!config.decisionShadowPolicyFile) return null;
  const shadow = loadPolicyFile(config.decisionShadowPolicyFile);
  const problem = shadowPolicyProblem(live, shadow);
  if (problem) {
    throw new AppError(
      ErrorCodes.POLICY_INVALID,
      `The shadow policy in ${config.decisionShadowPolicyFile} (DECISION_SHADOW_POLICY_FILE) ${problem}`,
    );
  }
  return shadow;
}

async function openDatabase(config: Config, logger: Logger, random: Random): Promise<DatabaseHandle> {
  const database = await connectDatabase(config.databaseUrl, {
    sqliteSynchronous: config.sqliteSynchronous,
    poolSize: config.databasePoolSize,
    logger: logger.child({ component: 'database' }),
    random,
  });
  try {
    const applied = await migrateToLatest(database.db); // on PostgreSQL under an advisory lock: one replica migrates
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Persona's documented rate limit (https://docs.withpersona.com/rate-limiting): the sweep takes a share of it. */
const PERSONA_DEFAULT_LIMIT_PER_MINUTE = 300;

/**
 * Enqueues the reconciliation sweep's keyed job when RECONCILE_INTERVAL_SECONDS > 0: a no-op when it exists (it
 * reschedules itself), so every replica may call it at startup and one job runs, on one replica at a time.
 */
export async function scheduleReconciliation(deps: Deps): Promise<void> {
  if (deps.config.reconcile.intervalSeconds === 0) return;
  await deps.queue.enqueue(reconcileJob(deps.clock.now()));
}

/** The worker that runs this process's jobs, with one handler per job kind. */
export function createWorker(deps: Deps, options: { concurrency?: number; workerId?: string } = {}): Worker {
  const { config, clock, random } = deps;
  const downstream = config.downstream;
  const handlers = createJobHandlers({
    persona: deps.persona,
    decisions: deps.decisions,
    events: deps.events,
    deliveries: deps.deliveries,
    policy: deps.policy,
    shadowPolicy: deps.shadowPolicy,
    clock,
    random,
    polling: {
      timeoutMs: config.verificationPollTimeoutSeconds * 1000,
      minDelayMs: config.verificationPollMinDelayMs,
      maxDelayMs: config.verificationPollMaxDelayMs,
    },
    personaOutageBudgetMs: config.personaRetryForSeconds * 1000,
    metrics: deps.metrics.recorder,
    writeBack: { store: deps.writeBacks, enabled: config.personaWriteBack.size > 0 },
    reconcile: {
      runs: deps.reconciliations,
      eventNames: actionableEventNames(config.personaEvents, countedReportTypes(deps.policy)),
      classify: createEventClassifier(config.personaEvents, countedReportTypes(deps.policy)),
      intervalMs: config.reconcile.intervalSeconds * 1000,
      lookbackMs: config.reconcile.lookbackHours * 3600_000,
      pagesPerStep: Math.max(
        1,
        Math.floor((PERSONA_DEFAULT_LIMIT_PER_MINUTE * config.reconcile.rateSharePercent) / 100),
      ),
    },
    downstream: downstream && {
      client: createDownstreamClient({
        url: downstream.url,
        signingSecret: downstream.signingSecret,
        timeoutMs: downstream.timeoutMs,
        clock,
      }),
      retry: {
        retryForMs: downstream.retryForSeconds * 1000,
        minDelayMs: downstream.retryMinDelayMs,
        maxDelayMs: downstream.retryMaxDelaySeconds * 1000,
        maxClientErrorAttempts: downstream.maxClientErrorAttempts,
      },
    },
  });
  return new Worker({
    queue: deps.queue,
    handlers,
    clock,
    random,
    logger: deps.logger.child({ component: 'worker' }),
    concurrency: options.concurrency ?? config.workerConcurrency,
    leaseMs: config.jobLeaseSeconds * 1000,
    metrics: deps.metrics.recorder,
    ...(options.workerId ? { workerId: options.workerId } : {}),
  });
}
