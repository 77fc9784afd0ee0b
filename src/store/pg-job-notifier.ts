import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { backoffDelayMs } from '../lib/backoff.js';
import type { Random } from '../lib/clock.js';
import type { Database, StoreLogger } from './database.js';
import type { JobNotifier } from './job-notifier.js';

export const JOBS_CHANNEL = 'persona_decider_jobs';

export interface PgJobNotifierOptions {
  /** Settings for the dedicated LISTEN connection. It is not taken from the pool: it stays open for good. */
  clientConfig: pg.ClientConfig;
  random: Random;
  logger?: StoreLogger | undefined;
  /** Backoff between reconnection attempts after the connection is lost. */
  reconnect?: { minMs: number; maxMs: number } | undefined;
}

/**
 * PostgreSQL LISTEN/NOTIFY. `notify` issues `pg_notify` in the enqueuing transaction (PostgreSQL delivers it on
 * commit, never on rollback); `listen` holds one connection per process that LISTENs and wakes the worker. A lost
 * connection is re-established with backoff, and every (re)connection wakes the worker once, because
 * notifications sent while nobody listened are gone.
 */
export function createPgJobNotifier(options: PgJobNotifierOptions): JobNotifier {
  const reconnect = options.reconnect ?? { minMs: 500, maxMs: 10_000 };
  const log = options.logger;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  let closed = false;
  let onWake: (() => void) | null = null;

  async function connect(): Promise<void> {
    const wake = onWake;
    if (closed || !wake) return;
    const next = new pg.Client(options.clientConfig);
    client = next;
    next.on('notification', (message) => {
      if (message.channel === JOBS_CHANNEL) wake();
    });
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('LISTEN connection ended')));
    try {
      await next.connect();
      await next.query(`LISTEN ${JOBS_CHANNEL}`);
    } catch (error) {
      lost(next, error);
      return;
    }
    if (failures > 0) log?.info({ failures }, 'job listener reconnected');
    failures = 0;
    wake();
  }

  function lost(which: pg.Client, error: unknown): void {
    if (which !== client) return; // this connection's loss was already handled
    client = null;
    which.end().catch(() => undefined);
    if (closed) return;
    failures += 1;
    const delayMs = backoffDelayMs(failures, reconnect, options.random);
    log?.warn({ err: error, failures, delayMs }, 'job listener disconnected; reconnecting');
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delayMs);
    timer.unref();
  }

  return {
    async notify(executor: Kysely<Database>) {
      await sql`select pg_notify(${JOBS_CHANNEL}, '')`.execute(executor);
    },

    async listen(wake) {
      if (onWake) throw new Error('the job notifier already has a listener');
      onWake = wake;
      await connect();
    },

    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
