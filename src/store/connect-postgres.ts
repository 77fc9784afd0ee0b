import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Random } from '../lib/clock.js';
import type { Database, StoreLogger } from './database.js';
import type { DatabaseHandle } from './database-handle.js';
import { createPgJobNotifier } from './pg-job-notifier.js';

export interface PostgresOptions {
  /** Connections per process; each replica has its own pool (default 10, at least 2: migrations hold one). */
  poolSize?: number | undefined;
  logger?: StoreLogger | undefined;
  /** Jitter for the LISTEN connection's reconnect backoff. */
  random?: Random | undefined;
  /** Reconnect backoff of the LISTEN connection (tests shorten it). */
  listenReconnect?: { minMs: number; maxMs: number } | undefined;
  /** Every transaction read-only (`default_transaction_read_only`): for tools that must not write. */
  readOnly?: boolean | undefined;
}

const INT8_OID = 20;

/**
 * int8 (bigint, bigserial, count(*)) as a JS number instead of pg's default string: every int8 here is an epoch-ms
 * instant, an id or a count, far below 2^53, and the store code compares them as numbers on both dialects.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format),
};

function parseInt8(value: string): number {
  return Number(value);
}

/**
 * A read-only session (the backtest) writes nothing, migrations included. Its statements hold no lock a webhook
 * waits on, and one page of a narrow --since window may scan far, so it gets a longer statement limit.
 */
const READ_ONLY_SESSION = {
  options: '-c default_transaction_read_only=on',
  statement_timeout: 60_000,
  query_timeout: 61_000,
} satisfies pg.ClientConfig;

export function connectPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const log = options.logger;
  const clientConfig: pg.ClientConfig = {
    connectionString: url,
    types,
    application_name: 'persona-decider',
    // a dead peer is noticed by TCP keepalive after ~10 s, not after the OS default of two hours
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // a half-open connection (network partition) must not hang a webhook past Persona's 5 s: the store throws,
    // the webhook answers 503 and Persona retries. The service's statements take milliseconds.
    statement_timeout: 5_000,
    query_timeout: 6_000,
    // fail fast while the database is down: /readyz and webhooks answer 503 instead of hanging
    connectionTimeoutMillis: 5_000,
    // a hung process must not hold row locks (the job queue, the rate budget) forever
    idle_in_transaction_session_timeout: 60_000,
    ...(options.readOnly ? READ_ONLY_SESSION : {}),
  };
  const pool = new pg.Pool({ ...clientConfig, max: Math.max(2, options.poolSize ?? 10), idleTimeoutMillis: 30_000 });
  // A pooled connection that dies (database restart, network cut) must not crash the process: pg emits 'error' on
  // the client (in use or idle) and, for an idle one, on the pool too, and an unheard 'error' event is fatal in
  // Node. Logged once, per client; the pool discards the broken connection and the next query opens a new one.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', (error) => log?.warn({ err: error }, 'database connection lost'));
  });

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const notifier = createPgJobNotifier({
    clientConfig,
    random: options.random ?? (() => 0.5),
    logger: log,
    reconnect: options.listenReconnect,
  });
  return {
    db,
    dialect: 'postgres',
    notifier,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await notifier.close();
      await db.destroy();
    },
  };
}
