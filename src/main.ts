import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEnv } from 'node:util';
import { buildApp } from './app.js';
import { type Config, describeConfig, loadConfig } from './config.js';
import { defaultPolicy } from './decision/policy.js';
import { loadPolicyFile } from './decision/load-policy.js';
import { describeError } from './errors.js';
import { createJobHandlers } from './jobs/handlers.js';
import { Worker } from './jobs/worker.js';
import { systemClock } from './lib/clock.js';
import { createLogger, type Logger } from './logger.js';
import { createPersonaClient } from './persona/client.js';
import { createRateBudget } from './persona/rate-limit.js';
import { createSharedRateBudget } from './persona/shared-rate-budget.js';
import { connectDatabase } from './store/connect.js';
import { createDecisionStore } from './store/decision-store.js';
import { createDeliveryStore } from './store/delivery-store.js';
import { createEventStore } from './store/event-store.js';
import { createJobQueue } from './store/job-queue.js';
import { migrateToLatest } from './store/migrate.js';
import { createRateBudgetStore } from './store/rate-budget-store.js';

/**
 * Composition root: the only place that reads the environment, the real clock and randomness. It builds every
 * adapter, wires them explicitly, and owns the process lifecycle (listen, drain on SIGTERM, close).
 */
async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const clock = systemClock;
  const random = Math.random;
  logger.info({ config: describeConfig(config) }, 'starting');

  const policy = config.decisionPolicyFile ? loadPolicyFile(config.decisionPolicyFile) : defaultPolicy;
  const database = await connectDatabase(config.databaseUrl, {
    sqliteSynchronous: config.sqliteSynchronous,
    poolSize: config.databasePoolSize,
    logger: logger.child({ component: 'database' }),
    random,
  });
  const applied = await migrateToLatest(database.db); // on PostgreSQL under an advisory lock: one replica migrates
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const queue = createJobQueue({ db: database.db, dialect: database.dialect, clock, notifier: database.notifier });
  const events = createEventStore({ db: database.db, queue, clock });
  const decisions = createDecisionStore({ db: database.db, queue, clock });
  const deliveries = createDeliveryStore({ db: database.db, queue, clock });

  const wait = (ms: number): Promise<void> => sleep(ms);
  const rateWindow = { lowWaterFraction: config.personaRateLowWaterPercent / 100, resetGuardMs: config.personaRateResetGuardMs };
  const persona = createPersonaClient({
    baseUrl: config.personaApiUrl,
    apiKey: config.personaApiKey,
    apiVersion: config.personaApiVersion,
    timeoutMs: config.personaTimeoutMs,
    maxRetries: config.personaMaxRetries,
    clock,
    random,
    sleep: wait,
    // PostgreSQL: one Persona budget shared by every replica (a locked row); SQLite: one process, one in-memory budget
    rateBudget:
      database.dialect === 'postgres'
        ? createSharedRateBudget({
            store: createRateBudgetStore(database),
            clock,
            sleep: wait,
            ...rateWindow,
            grantTtlMs: config.personaTimeoutMs + 5_000,
            logger: logger.child({ component: 'rate-budget' }),
          })
        : createRateBudget({ clock, sleep: wait, ...rateWindow }),
    logger: logger.child({ component: 'persona' }),
  });

  const { handlers, deliveryBody } = createJobHandlers({ config, persona, decisions, deliveries, policy, clock, random });

  const worker = new Worker({
    queue,
    handlers,
    clock,
    random,
    logger: logger.child({ component: 'worker' }),
    concurrency: config.workerConcurrency,
    leaseMs: config.jobLeaseSeconds * 1000,
  });
  const app = await buildApp({ config, logger, clock, database, events, decisions, deliveries, deliveryBody, onEnqueued: () => worker.wake() });

  const url = await app.listen({ port: config.port, host: config.host });
  // WORKER_CONCURRENCY=0: an HTTP-only process (another process or replica runs the jobs)
  if (config.workerConcurrency > 0) {
    worker.start();
    // jobs enqueued by other replicas (PostgreSQL LISTEN/NOTIFY); the worker's idle poll stays as a safety net
    await database.notifier.listen(() => worker.wake());
  }
  logger.info({ url, policyVersion: policy.version, worker: config.workerConcurrency > 0 ? worker.id : null }, 'ready');
  installShutdown(logger, async () => {
    await app.close(); // stop accepting, finish in-flight requests
    await worker.stop(); // finish running jobs; the rest stay queued in the database
    await database.close(); // also closes the LISTEN connection
  });
}

/** The environment, over `.env` when one exists (the real environment wins). */
function readConfig(): Config {
  const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
  return loadConfig({ ...fromFile, ...process.env });
}

function installShutdown(logger: Logger, close: () => Promise<void>): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining');
    const force = setTimeout(() => {
      logger.error('drain took too long; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  // Startup errors (bad config, bad policy file, unreachable database) are reported plainly, without a stack
  // for the expected ones, and never with secret values (config errors name keys only).
  process.stderr.write(`persona-decider failed to start: ${describeError(error)}\n`);
  if (error instanceof Error && error.cause) process.stderr.write(`  cause: ${describeError(error.cause)}\n`);
  process.exit(1);
});
