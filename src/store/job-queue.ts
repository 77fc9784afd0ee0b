import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
import type { Clock } from '../lib/clock.js';
import type { Database, Db, Dialect, JobTable } from './database.js';

/**
 * A durable job queue in the spirit of graphile-worker: one `jobs` row per unit of work, unique by `key` (so an
 * enqueue is idempotent), claimed with a lease that expires (a crashed worker's job is taken over), and serialized
 * per `queue` name (jobs sharing a queue run one at a time, oldest first: per-inquiry ordering).
 * A finished job is deleted; domain tables (inquiries, deliveries) keep the visible outcome.
 */
export interface NewJob {
  kind: string;
  key: string;
  queue: string | null;
  payload: unknown;
  runAt: number;
}

export interface Job {
  id: number;
  kind: string;
  key: string;
  queue: string | null;
  payload: unknown;
  attempts: number;
  runAt: number;
  lockedBy: string | null;
  createdAt: number;
}

export interface JobQueue {
  /** Inserts the job unless one with the same key exists. Pass a transaction to enqueue atomically with other writes. */
  enqueue(job: NewJob, executor?: Kysely<Database>): Promise<boolean>;
  claim(workerId: string, limit: number, leaseMs: number): Promise<Job[]>;
  /** Deletes a finished job, if this worker still holds it. */
  complete(job: Job, workerId: string): Promise<boolean>;
  /** Releases the job to run again at `runAt` (a poll, or a retry after an error). */
  reschedule(job: Job, workerId: string, next: Reschedule): Promise<boolean>;
  /** Makes a waiting job due now (used by operators' "retry now"). */
  runNow(key: string): Promise<boolean>;
  /** When the next job becomes claimable, so an idle worker can sleep exactly until then. */
  nextRunAt(): Promise<number | null>;
}

export interface Reschedule {
  runAt: number;
  payload?: unknown;
  error?: string | null;
  /** A poll is progress, not failure: reset the attempt counter. */
  resetAttempts?: boolean;
}

export function createJobQueue(options: { db: Db; dialect: Dialect; clock: Clock }): JobQueue {
  const { db, dialect, clock } = options;
  return {
    async enqueue(job, executor = db) {
      const inserted = await executor
        .insertInto('jobs')
        .values({
          kind: job.kind,
          key: job.key,
          queue: job.queue,
          payload: JSON.stringify(job.payload),
          attempts: 0,
          run_at: job.runAt,
          created_at: clock.now(),
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    async claim(workerId, limit, leaseMs) {
      if (limit <= 0) return [];
      const now = clock.now();
      let due = db
        .selectFrom('jobs as j')
        .select('j.id')
        .where('j.run_at', '<=', now)
        .where((eb) => eb.or([eb('j.locked_until', 'is', null), eb('j.locked_until', '<', now)]))
        .where(isHeadOfQueue)
        .orderBy('j.run_at')
        .orderBy('j.id')
        .limit(limit);
      // On PostgreSQL concurrent claimers skip each other's rows instead of waiting; SQLite has one writer.
      if (dialect === 'postgres') due = due.forUpdate().skipLocked();
      const rows = await db
        .updateTable('jobs')
        .set({ locked_by: workerId, locked_until: now + leaseMs, attempts: sql<number>`attempts + 1` })
        .where('id', 'in', due)
        .returningAll()
        .execute();
      return rows.map(toJob).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
    },

    async complete(job, workerId) {
      const result = await db.deleteFrom('jobs').where('id', '=', job.id).where('locked_by', '=', workerId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async reschedule(job, workerId, next) {
      const result = await db
        .updateTable('jobs')
        .set({
          run_at: next.runAt,
          locked_by: null,
          locked_until: null,
          ...(next.payload === undefined ? {} : { payload: JSON.stringify(next.payload) }),
          ...(next.error === undefined ? {} : { last_error: next.error }),
          ...(next.resetAttempts ? { attempts: 0 } : {}),
        })
        .where('id', '=', job.id)
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async runNow(key) {
      const result = await db
        .updateTable('jobs')
        .set({ run_at: clock.now() })
        .where('key', '=', key)
        .where('locked_by', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async nextRunAt() {
      const row = await db
        .selectFrom('jobs as j')
        // a locked job becomes claimable again when its lease runs out (its worker may have died); a job
        // waiting behind an earlier one in its queue is not due whatever its run_at says
        .select((eb) => eb.fn.min(eb.fn.coalesce('j.locked_until', 'j.run_at')).as('next'))
        .where(isHeadOfQueue)
        .executeTakeFirst();
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },
  };
}

/** Jobs sharing a queue name run one at a time, oldest first: only the oldest job of a queue may be claimed. */
function isHeadOfQueue(eb: ExpressionBuilder<{ j: JobTable } & Database, 'j'>) {
  return eb.or([
    eb('j.queue', 'is', null),
    eb.not(eb.exists(eb.selectFrom('jobs as head').select('head.id').whereRef('head.queue', '=', 'j.queue').whereRef('head.id', '<', 'j.id'))),
  ]);
}

function toJob(row: Selectable<JobTable>): Job {
  return {
    id: Number(row.id),
    kind: row.kind,
    key: row.key,
    queue: row.queue,
    payload: JSON.parse(row.payload) as unknown,
    attempts: Number(row.attempts),
    runAt: Number(row.run_at),
    lockedBy: row.locked_by,
    createdAt: Number(row.created_at),
  };
}
