import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { buildApp } from './app.js';
import { type Config, describeConfig, loadConfig } from './config.js';
import { describeConfigWarnings } from './config-warnings.js';
import { installCrashHandlers } from './crash-handlers.js';
import { createDeps, createWorker, scheduleReconciliation } from './deps.js';
import { describeError } from './errors.js';
import { createLogger } from './logger.js';
import { createShutdown, type Shutdown } from './shutdown.js';

/**
 * The process: the only place that reads the environment. createDeps (deps.ts) builds every adapter from the
 * configuration; this file owns the lifecycle (listen, run the worker, drain on SIGTERM, close).
 */
async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const shutdown = createShutdown({ logger, exit: (code) => process.exit(code) });
  installCrashHandlers(process, logger, shutdown);
  logger.info({ config: describeConfig(config) }, 'starting');
  for (const { key, url, message } of describeConfigWarnings(config)) logger.warn({ key, url }, message);
  const deps = await createDeps(config, { logger });
  await scheduleReconciliation(deps); // RECONCILE_INTERVAL_SECONDS > 0: the sweep's one job (a no-op when queued)
  const worker = createWorker(deps);
  const app = await buildApp({ ...deps, onEnqueued: () => worker.wake() });

  const url = await app.listen({ port: config.port, host: config.host });
  // WORKER_CONCURRENCY=0: an HTTP-only process (another process or replica runs the jobs)
  if (config.workerConcurrency > 0) {
    worker.start();
    // SQLite: intake writes a job the worker can run at once already claimed for it, and hands it over on commit
    deps.database.intake?.handOverTo?.(worker);
    // jobs enqueued by other replicas (PostgreSQL LISTEN/NOTIFY); the worker's idle poll stays as a safety net
    await deps.database.notifier.listen(() => worker.wake());
  }
  logger.info(
    {
      url,
      policyVersion: deps.policy.version,
      shadowPolicyVersion: deps.shadowPolicy?.version ?? null,
      worker: config.workerConcurrency > 0 ? worker.id : null,
    },
    'ready',
  );
  shutdown.setDrain(async () => {
    await app.close(); // stop accepting, finish in-flight requests
    await worker.stop(); // finish running jobs; the rest stay queued in the database
    await deps.database.close(); // also closes the LISTEN connection
  });
  installSignalHandlers(shutdown);
}

/** The environment, over `.env` when one exists (the real environment wins). */
function readConfig(): Config {
  const fromFile = existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
  return loadConfig({ ...fromFile, ...process.env });
}

function installSignalHandlers(shutdown: Shutdown): void {
  const onSignal = (signal: NodeJS.Signals) => shutdown.begin({ signal }, 0);
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
