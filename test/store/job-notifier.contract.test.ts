import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { connectDatabase } from '../../src/store/connect.js';
import type { DatabaseHandle } from '../../src/store/database-handle.js';
import { deliverDecisionJob } from '../../src/job-kinds.js';
import { createJobQueue, type JobQueue } from '../../src/store/job-queue.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { JOBS_CHANNEL } from '../../src/store/pg-job-notifier.js';
import { createRecorder, createRecordingLogger } from '../helpers/events.js';
import {
  createTempPostgresDatabase,
  POSTGRES_SKIP_REASON,
  postgresTestUrl,
  type TempDatabase,
} from '../helpers/postgres.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const job = (key: string) => ({ ...deliverDecisionJob({ deliveryId: key, inquiryId: 'inq_1', now: 0 }), key });

describe.skipIf(!postgresTestUrl)(
  `job notifications across processes (PostgreSQL)${postgresTestUrl ? '' : ` (skipped: ${POSTGRES_SKIP_REASON})`}`,
  () => {
    let temp: TempDatabase;
    let producer: DatabaseHandle;
    let consumer: DatabaseHandle;
    let queue: JobQueue;
    const { logger, lines } = createRecordingLogger();

    beforeAll(async () => {
      temp = await createTempPostgresDatabase(postgresTestUrl as string);
      producer = await connectDatabase(temp.url);
      await migrateToLatest(producer.db);
      consumer = await connectDatabase(temp.url, { logger, listenReconnect: { minMs: 10, maxMs: 50 } });
      queue = createJobQueue({
        db: producer.db,
        dialect: 'postgres',
        clock: createManualClock(),
        notifier: producer.notifier,
      });
    });
    afterAll(async () => {
      await consumer?.close();
      await producer?.close();
      await temp?.drop();
    });

    it('signals a committed enqueue, and neither a rolled-back nor a duplicate one', async () => {
      const raw = new pg.Client({ connectionString: temp.url });
      const received = createRecorder<string>();
      raw.on('notification', (n) => received.push(n.channel));
      await raw.connect();
      try {
        await raw.query(`LISTEN ${JOBS_CHANNEL}`);
        await raw.query('LISTEN test_sentinel');
        await producer.db
          .transaction()
          .execute(async (trx) => {
            await queue.enqueue(job('rolled-back'), trx);
            throw new Error('abort');
          })
          .catch(() => undefined);
        await queue.enqueue(job('committed'));
        await queue.enqueue(job('committed')); // duplicate key: nothing new to run
        await sql`select pg_notify('test_sentinel', '')`.execute(producer.db);
        await received.until((channels) => channels.includes('test_sentinel'));
        // notifications arrive in commit order: everything sent before the sentinel is here now
        expect(received.items).toEqual([JOBS_CHANNEL, 'test_sentinel']);
      } finally {
        await raw.end();
      }
    });

    it('wakes a listening process when another one enqueues, and again after its connection is cut', async () => {
      const wakes = createRecorder<number>();
      await consumer.notifier.listen(() => wakes.push(wakes.items.length + 1));
      expect(wakes.items).toHaveLength(1); // on connecting: work enqueued while nobody listened
      await queue.enqueue(job('first'));
      await wakes.count(2);
      expect(wakes.items).toHaveLength(2);

      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = ${`LISTEN ${JOBS_CHANNEL}`}`.execute(
        producer.db,
      );
      await wakes.count(3); // reconnected (and woke once to catch up)
      expect(wakes.items).toHaveLength(3);
      expect(lines.items.some((l) => l.includes('job listener disconnected; reconnecting'))).toBe(true);
      await queue.enqueue(job('second'));
      await wakes.count(4);
      expect(wakes.items).toHaveLength(4);
    });

    it('survives the server cutting idle pooled connections: logged, and the next query gets a fresh one', async () => {
      await consumer.ping();
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = current_database() and application_name = 'persona-decider' and pid <> pg_backend_pid()`.execute(
        producer.db,
      );
      await lines.until((all) => all.some((l) => l.includes('database connection lost')));
      await expect(consumer.ping()).resolves.toBeUndefined();
      await flush();
    });
  },
);
