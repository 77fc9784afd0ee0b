import { loadDatabaseConfig } from '../config.js';
import { toPolicyJson } from '../decision/policy-json.js';
import { loadPolicyFile } from '../decision/load-policy.js';
import { contentHash } from '../decision/policy.js';
import { AppError, describeError, ErrorCodes, isAppError } from '../errors.js';
import { redactUrl } from '../lib/redact-url.js';
import { connectDatabase } from '../store/connect.js';
import type { DatabaseHandle } from '../store/database-handle.js';
import { migrationState } from '../store/migrate.js';
import { runBacktest } from './backtest.js';
import { type PolicyCommand, parsePolicyArgs, USAGE } from './cli-args.js';
import { type BacktestReport, describePending, formatBacktest, toBacktestJson } from './format-backtest.js';

/** What the CLI touches of its process: given by src/policy-cli.ts, by tests in memory. */
export interface PolicyCliIo {
  /** The environment (and .env) as the service would read it: only the database keys are used. */
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Milliseconds on a monotonic clock, and the process's peak RSS in bytes: for --stats only. */
  now(): number;
  peakRssBytes(): number;
}

const NAME = 'policy';

/**
 * `npm run policy -- check|backtest …` (USAGE in cli-args.ts). Returns the exit code: 0 done, 1 an expected
 * failure (a bad policy file, configuration or database: one plain message, no stack), 2 bad usage.
 */
export async function runPolicyCli(argv: readonly string[], io: PolicyCliIo): Promise<number> {
  const parsed = parsePolicyArgs(argv);
  if (!parsed.ok) {
    io.stderr(`${parsed.problems.map((p) => `${NAME}: ${p}`).join('\n')}\n(npm run policy -- --help for usage)\n`);
    return 2;
  }
  try {
    return await run(parsed.value, io);
  } catch (error) {
    if (!isAppError(error)) throw error; // a bug: let the entry show it whole
    io.stderr(`${NAME}: ${describeError(error)}\n`);
    return 1;
  }
}

async function run(command: PolicyCommand, io: PolicyCliIo): Promise<number> {
  if (command.command === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const policy = loadPolicyFile(command.file);
  if (command.command === 'check') {
    const json = JSON.stringify(toPolicyJson(policy), null, 2);
    // a declared version is stamped as written: the content hash beside it shows whether the rules changed under it
    const hash = contentHash(policy);
    const version = hash === policy.version ? policy.version : `${policy.version} (content ${hash})`;
    io.stdout(command.json ? `${json}\n` : `${command.file}: valid, version ${version}\n${json}\n`);
    return 0;
  }
  const started = io.now();
  const { databaseUrl, databasePoolSize } = loadDatabaseConfig(io.env);
  const database = await openReadOnly(databaseUrl, databasePoolSize);
  try {
    const { applied, pending } = await unavailableOnFailure(databaseUrl, () => migrationState(database.db));
    checkSchema(databaseUrl, applied, pending, io);
    const { since, until, templateId, batchSize } = command;
    const result = await unavailableOnFailure(databaseUrl, () =>
      runBacktest({ db: database.db, policy, since, until, templateId, batchSize }),
    );
    const report: BacktestReport = {
      candidate: { file: command.file, version: policy.version },
      database: redactUrl(databaseUrl),
      filter: { since: since ?? null, until: until ?? null, templateId: templateId ?? null },
      pendingMigrations: pending,
      result,
    };
    io.stdout(command.json ? `${JSON.stringify(toBacktestJson(report), null, 2)}\n` : `${formatBacktest(report)}\n`);
    if (command.stats) io.stderr(`${describeStats(result.read, io.now() - started, io.peakRssBytes())}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

async function openReadOnly(url: string, poolSize: number): Promise<DatabaseHandle> {
  // one connection does it all; the pool keeps at least two
  return unavailableOnFailure(url, () => connectDatabase(url, { readOnly: true, poolSize: Math.min(poolSize, 2) }));
}

/**
 * No migration applied: not the service's database (or it never started on it), nothing to read. Some missing:
 * the backtest reads only columns the first migration made, so it goes on, and says so.
 */
function checkSchema(url: string, applied: readonly string[], pending: readonly string[], io: PolicyCliIo): void {
  if (pending.length === 0) return;
  if (applied.length === 0) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `${redactUrl(url)} has no persona-decider schema (no migration applied): is DATABASE_URL the service's ` +
        'database? The service creates its tables when it starts',
    );
  }
  io.stderr(
    `${NAME}: note: the database schema is behind this version (${describePending(pending)}); ` +
      'the backtest reads only decisions, which it has\n',
  );
}

/** A database that cannot be reached or read is one line: where (credentials redacted) and why. */
async function unavailableOnFailure<T>(url: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError(ErrorCodes.DATABASE_UNAVAILABLE, `cannot read ${redactUrl(url)}: ${describeCause(error)}`, {
      cause: error,
    });
  }
}

/** pg reports a refused connection to a host with several addresses as an AggregateError with an empty message. */
function describeCause(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map((e: unknown) => describeCause(e)).join('; ');
  }
  if (error instanceof Error) return error.message || ((error as NodeJS.ErrnoException).code ?? error.name);
  return String(error);
}

function describeStats(rows: number, elapsedMs: number, peakRssBytes: number): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(rows / seconds) : rows;
  const mib = (peakRssBytes / 2 ** 20).toFixed(1);
  return `${NAME}: stats: ${rows} decisions read in ${seconds.toFixed(2)} s (${rate}/s), peak RSS ${mib} MiB`;
}
