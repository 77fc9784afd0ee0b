import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { JobKind, JobPayload, JobSpec } from '../job-kinds.js';
import type { Clock } from '../lib/clock.js';
import type { Database, Db, Dialect, JobTable } from './database.js';
import { createLocalJobNotifier, type JobNotifier } from './job-notifier.js';
import { describeRowIssues, jsonText, parseRow } from './parse-row.js';

/**
 * A durable job queue in the spirit of graphile-worker: one `jobs` row per unit of work, unique by `key` (so an
 * enqueue is idempotent), claimed with a lease that expires (a crashed worker's job is taken over), and serialized
 * per `queue` name (jobs sharing a queue run one at a time, oldest first: per-inquiry ordering).
 * A finished job is deleted; domain tables (inquiries, deliveries) keep the visible outcome. A job that can never
 * run (its payload does not parse) moves to `failed_jobs` with its error. Kinds and payloads: src/job-kinds.ts.
 */
export interface Job {
  id: number;
  kind: string;
  key: string;
  queue: string | null;
  /** The stored JSON, not yet parsed against its kind's schema: the worker does that (payloads outlive deploys). */
  payload: unknown;
  attempts: number;
  runAt: number;
  lockedBy: string | null;
  createdAt: number;
}

/** A job that left the queue because it can never run; its payload stays in the table, not in this view. */
export interface FailedJob {
  id: number;
  kind: string;
  key: string;
  queue: string | null;
  attempts: number;
  lastError: string;
  createdAt: number;
  failedAt: number;
}

export interface JobQueue {
  /** Inserts the job unless one with the same key exists. Pass a transaction to enqueue atomically with other writes. */
  enqueue(job: JobSpec, executor?: Kysely<Database>): Promise<boolean>;
  /**
   * Inserts the job already claimed by `workerId` (leased, its first attempt counted), for a worker that will run it
   * right after the caller's transaction commits: no claim round in between. Only when the job would be the head of
   * its queue (nothing else waits there, so order holds); null otherwise, and then nothing was written.
   */
  enqueueClaimed(job: JobSpec, claim: JobClaim, executor: Kysely<Database>): Promise<Job | null>;
  claim(workerId: string, limit: number, leaseMs: number): Promise<Job[]>;
  /** Pushes the lease of a running job forward (a heartbeat), if this worker still holds it. */
  extendLease(job: Job, workerId: string, leaseMs: number): Promise<boolean>;
  /** Deletes a finished job, if this worker still holds it; pass a transaction to finish it atomically with other writes. */
  complete(job: Job, workerId: string, executor?: Kysely<Database>): Promise<boolean>;
  /** Releases the job to run again at `runAt` (a poll, or a retry after an error). */
  reschedule(job: Job, workerId: string, next: Reschedule): Promise<boolean>;
  /**
   * Takes a job that can never succeed out of the queue, if this worker still holds it: it moves to `failed_jobs`
   * with its error (kept for operators; its queue's next job may run).
   */
  fail(job: Job, workerId: string, error: string): Promise<boolean>;
  /** Jobs failed for good, newest first (operators: GET /jobs/failed). */
  listFailed(limit: number): Promise<FailedJob[]>;
  /** Makes a waiting (not running) job due now (an operator's "retry now"); pass a transaction to join it. */
  runNow(key: string, executor?: Kysely<Database>): Promise<boolean>;
  /** When the next job becomes claimable, so an idle worker can sleep exactly until then. */
  nextRunAt(): Promise<number | null>;
}

/** Who runs a job enqueued already claimed (JobQueue.enqueueClaimed), and for how long its lease holds. */
export interface JobClaim {
  workerId: string;
  leaseMs: number;
}

export interface Reschedule {
  runAt: number;
  payload?: JobPayload<JobKind>;
  error?: string | null;
  /** A poll is progress, not failure: reset the attempt counter. */
  resetAttempts?: boolean;
}

export interface JobQueueOptions {
  db: Db;
  dialect: Dialect;
  clock: Clock;
  /** Wakes other processes' workers on enqueue (PostgreSQL LISTEN/NOTIFY); none by default. */
  notifier?: JobNotifier;
}

export function createJobQueue(options: JobQueueOptions): JobQueue {
  const { db, dialect, clock } = options;
  const notifier = options.notifier ?? createLocalJobNotifier();
  /** Moves a job this worker holds to `failed_jobs` with its error (one transaction); false if it is not held. */
  const failById = (id: number, workerId: string, error: string): Promise<boolean> =>
    db.transaction().execute(async (trx) => {
      const deleted = await trx
        .deleteFrom('jobs')
        .where('id', '=', id)
        .where('locked_by', '=', workerId)
        .returningAll()
        .executeTakeFirst();
      if (!deleted) return false;
      const now = clock.now();
      // the row may be one this version cannot read: what is kept is made well-formed, the error says what was wrong
      const asNumber = (value: unknown, fallback: number) =>
        Number.isFinite(Number(value)) ? Number(value) : fallback;
      await trx
        .insertInto('failed_jobs')
        .values({
          id: deleted.id,
          kind: String(deleted.kind),
          key: String(deleted.key),
          queue: deleted.queue === null ? null : String(deleted.queue),
          payload: String(deleted.payload),
          attempts: asNumber(deleted.attempts, 0),
          last_error: error,
          created_at: asNumber(deleted.created_at, now),
          failed_at: now,
        })
        .execute();
      return true;
    });

  return {
    async enqueue(job, executor = db) {
      const inserted = await insertJob(executor, job, null, clock.now());
      if (inserted === undefined) return false;
      await notifier.notify(executor);
      return true;
    },

    async enqueueClaimed(job, claim, executor) {
      if (job.queue !== null) {
        const waiting = await executor
          .selectFrom('jobs')
          .select('id')
          .where('queue', '=', job.queue)
          .limit(1)
          .executeTakeFirst();
        if (waiting) return null;
      }
      const now = clock.now();
      const inserted = await insertJob(executor, job, claim, now);
      return inserted === undefined ? null : claimedJob(Number(inserted.id), job, claim, now);
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
        .where((eb) => noSiblingLeased(eb, now))
        .orderBy('j.run_at')
        .orderBy('j.id')
        .limit(limit);
      // On PostgreSQL concurrent claimers skip each other's rows instead of waiting, and a row claimed by a claimer
      // that committed after this statement's snapshot is re-checked against the WHERE clause (READ COMMITTED), so
      // no job is claimed twice. SQLite has one writer.
      if (dialect === 'postgres') due = due.forUpdate().skipLocked();
      const rows = await db
        .updateTable('jobs')
        .set({ locked_by: workerId, locked_until: now + leaseMs, attempts: sql<number>`attempts + 1` })
        .where('id', 'in', due)
        .returningAll()
        .execute();
      const jobs: Job[] = [];
      for (const row of rows) {
        const parsed = jobRowSchema.safeParse(row);
        if (parsed.success) jobs.push(parsed.data);
        // a row this version cannot read fails alone, visibly, instead of failing the whole claim again and again
        else await failById(Number(row.id), workerId, describeRowIssues(parsed.error, `job row ${row.id}`));
      }
      return jobs.sort((a, b) => a.runAt - b.runAt || a.id - b.id);
    },

    async extendLease(job, workerId, leaseMs) {
      const result = await db
        .updateTable('jobs')
        .set({ locked_until: clock.now() + leaseMs })
        .where('id', '=', job.id)
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async complete(job, workerId, executor = db) {
      const result = await executor
        .deleteFrom('jobs')
        .where('id', '=', job.id)
        .where('locked_by', '=', workerId)
        .executeTakeFirst();
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

    fail: (job, workerId, error) => failById(job.id, workerId, error),

    async listFailed(limit) {
      const rows = await db
        .selectFrom('failed_jobs')
        .select(['id', 'kind', 'key', 'queue', 'attempts', 'last_error', 'created_at', 'failed_at'])
        .orderBy('failed_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => parseRow(failedJobRowSchema, row, `failed job row ${row.id}`));
    },

    async runNow(key, executor = db) {
      const result = await executor
        .updateTable('jobs')
        .set({ run_at: clock.now() })
        .where('key', '=', key)
        .where('locked_by', 'is', null)
        .executeTakeFirst();
      const updated = Number(result.numUpdatedRows) > 0;
      if (updated) await notifier.notify(executor);
      return updated;
    },

    async nextRunAt() {
      const now = clock.now();
      const row = await db
        .selectFrom('jobs as j')
        // a locked job becomes claimable again when its lease runs out (its worker may have died); a job
        // waiting behind an earlier one in its queue is not due whatever its run_at says
        .select((eb) => eb.fn.min(eb.fn.coalesce('j.locked_until', 'j.run_at')).as('next'))
        // the heads as one grouped pass over the jobs_queue index: a per-row NOT EXISTS costs twice as much here
        .where((eb) =>
          eb.or([
            eb('j.queue', 'is', null),
            eb(
              'j.id',
              'in',
              eb
                .selectFrom('jobs as h')
                .select((h) => h.fn.min('h.id').as('id'))
                .where('h.queue', 'is not', null)
                .groupBy('h.queue'),
            ),
          ]),
        )
        // a head held back by a running sibling is not due (its sibling's end wakes the worker); counting it would spin
        .where((eb) => noSiblingLeased(eb, now))
        .executeTakeFirst();
      return row?.next === null || row?.next === undefined ? null : Number(row.next);
    },
  };
}

const failedJobRowSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    key: z.string(),
    queue: z.string().nullable(),
    attempts: z.number().int().nonnegative(),
    last_error: z.string(),
    created_at: z.number().int(),
    failed_at: z.number().int(),
  })
  .transform((row): FailedJob => ({
    id: row.id,
    kind: row.kind,
    key: row.key,
    queue: row.queue,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    failedAt: row.failed_at,
  }));

/**
 * A job inserted already claimed (`enqueueClaimed`, and SQLite intake's statement), as a claim would read it back:
 * leased to the claim's worker, its first attempt counted, the payload parsed from the text it was stored as.
 */
export function claimedJob(id: number, job: JobSpec, claim: JobClaim, now: number): Job {
  return {
    id,
    kind: job.kind,
    key: job.key,
    queue: job.queue,
    payload: JSON.parse(JSON.stringify(job.payload)) as unknown,
    attempts: 1,
    runAt: job.runAt,
    lockedBy: claim.workerId,
    createdAt: now,
  };
}

/**
 * A new job's row: `claim`, already leased to that worker, its first attempt counted. Kysely (insertJob) and SQLite
 * intake's prepared statement both write it.
 */
export function newJobRow(job: JobSpec, claim: JobClaim | null, now: number) {
  return {
    kind: job.kind,
    key: job.key,
    queue: job.queue,
    payload: JSON.stringify(job.payload),
    attempts: claim ? 1 : 0,
    run_at: job.runAt,
    locked_by: claim?.workerId ?? null,
    locked_until: claim ? now + claim.leaseMs : null,
    created_at: now,
  };
}

/** Inserts a job unless one with its key exists; `claim`: already leased to that worker, its first attempt counted. */
function insertJob(executor: Kysely<Database>, job: JobSpec, claim: JobClaim | null, now: number) {
  return executor
    .insertInto('jobs')
    .values(newJobRow(job, claim, now))
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('id')
    .executeTakeFirst();
}

/** Jobs sharing a queue name run one at a time, oldest first: only the oldest job of a queue may be claimed. */
function isHeadOfQueue(eb: ExpressionBuilder<{ j: JobTable } & Database, 'j'>) {
  return eb.or([
    eb('j.queue', 'is', null),
    eb.not(
      eb.exists(
        eb
          .selectFrom('jobs as head')
          .select('head.id')
          .whereRef('head.queue', '=', 'j.queue')
          .whereRef('head.id', '<', 'j.id'),
      ),
    ),
  ]);
}

/**
 * A queue whose job is running (live lease) has nothing else claimable. Redundant with the head rule except on
 * PostgreSQL when two jobs of one queue commit out of id order: the later id may already run when the earlier
 * one becomes visible, and must not be joined by it.
 */
function noSiblingLeased(eb: ExpressionBuilder<{ j: JobTable } & Database, 'j'>, now: number) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('jobs as busy')
        .select('busy.id')
        .whereRef('busy.queue', '=', 'j.queue')
        .whereRef('busy.id', '<>', 'j.id')
        .where('busy.locked_until', '>=', now),
    ),
  );
}

const jobRowSchema = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    key: z.string(),
    queue: z.string().nullable(),
    // JSON here; checked against its kind's schema by the worker (src/job-kinds.ts), payloads outlive deploys
    payload: jsonText(z.unknown()),
    attempts: z.number().int().nonnegative(),
    run_at: z.number().int(),
    locked_by: z.string().nullable(),
    created_at: z.number().int(),
  })
  .transform((row): Job => ({
    id: row.id,
    kind: row.kind,
    key: row.key,
    queue: row.queue,
    payload: row.payload,
    attempts: row.attempts,
    runAt: row.run_at,
    lockedBy: row.locked_by,
    createdAt: row.created_at,
  }));
