import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from './database.js';
import { isCurrentDecision } from './decision-list.js';
import { parseRow } from './parse-row.js';

/**
 * The reads behind the metrics' gauges: one small query each, the same on SQLite and PostgreSQL, each answered
 * from an index (jobs_run_at, jobs_locked_until, deliveries_status, inquiries_failed, decisions_review_queue) so a
 * scrape costs the same whatever the traffic (the review queue's, what waits for a review). PostgreSQL answers
 * counts as text (bigint): rows are parsed, never cast.
 */
const count = z.coerce.number().int().nonnegative();
const epochMs = z.coerce.number();

export interface DueJobs {
  kind: string;
  /** Jobs whose time has come and that no worker holds. */
  due: number;
  /** run_at of the oldest of them (epoch ms). */
  oldestRunAt: number;
}

const dueRow = z.object({ kind: z.string(), due: count, oldest_run_at: epochMs });

/** Due jobs by kind: run_at reached and not leased (never claimed, or a dead worker's expired lease). */
export async function dueJobsByKind(db: Db, now: number): Promise<DueJobs[]> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['kind', eb.fn.countAll<number>().as('due'), eb.fn.min('run_at').as('oldest_run_at')])
    .where('run_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .groupBy('kind')
    .execute();
  return rows.map((row) => {
    const parsed = parseRow(dueRow, row, 'due jobs count');
    return { kind: parsed.kind, due: parsed.due, oldestRunAt: parsed.oldest_run_at };
  });
}

const kindCountRow = z.object({ kind: z.string(), n: count });

/** Jobs a worker holds a live lease on, by kind. */
export async function runningJobsByKind(db: Db, now: number): Promise<Array<{ kind: string; running: number }>> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['kind', eb.fn.countAll<number>().as('n')])
    .where('locked_until', '>=', now)
    .groupBy('kind')
    .execute();
  return rows.map((row) => {
    const parsed = parseRow(kindCountRow, row, 'running jobs count');
    return { kind: parsed.kind, running: parsed.n };
  });
}

const statusCountRow = z.object({ status: z.enum(['pending', 'failed']), n: count });

/** Deliveries waiting to go out (`pending`) and dead-lettered (`failed`). */
export async function openDeliveryCounts(db: Db): Promise<{ pending: number; failed: number }> {
  const rows = await db
    .selectFrom('deliveries')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['pending', 'failed'])
    .groupBy('status')
    .execute();
  const counts = { pending: 0, failed: 0 };
  for (const row of rows) {
    const parsed = parseRow(statusCountRow, row, 'delivery count');
    counts[parsed.status] = parsed.n;
  }
  return counts;
}

const countRow = z.object({ n: count });

/** Inquiries whose processing failed for good (POST /inquiries/:id/reprocess queues them again). */
export async function failedInquiryCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('inquiries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    // a literal, not a parameter: the planner must see it matches the partial index's predicate
    .where('status', '=', sql.lit('failed'))
    .executeTakeFirstOrThrow();
  return parseRow(countRow, row, 'failed inquiry count').n;
}

/** Jobs that left the queue because they can never run (GET /jobs/failed). */
export async function failedJobCount(db: Db): Promise<number> {
  const row = await db
    .selectFrom('failed_jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return parseRow(countRow, row, 'failed job count').n;
}

const budgetRow = z.object({
  limit_per_window: z.coerce.number().nullable(),
  remaining: z.coerce.number().nullable(),
  reset_at: z.coerce.number().nullable(),
});

/** The shared Persona rate budget as last reported (PostgreSQL replicas share it); null before the first call. */
export async function readRateBudget(
  db: Db,
  name: string,
): Promise<{ limit: number | null; remaining: number | null; resetAt: number | null } | null> {
  const row = await db
    .selectFrom('rate_budget')
    .select(['limit_per_window', 'remaining', 'reset_at'])
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) return null;
  const parsed = parseRow(budgetRow, row, `rate budget row ${name}`);
  return { limit: parsed.limit_per_window, remaining: parsed.remaining, resetAt: parsed.reset_at };
}

/**
 * The review queue's length (GET /decisions?status=decided&outcome=manual_review&reviewed=false): inquiries decided
 * now whose current decision is manual_review and not an operator's review. Answered from the partial index
 * decisions_review_queue (manual_review decisions no operator wrote), so its cost follows the queue, not the table.
 */
export async function reviewQueueCount(db: Db): Promise<number> {
  const row = await reviewQueueCountQuery(db).executeTakeFirstOrThrow();
  return parseRow(countRow, row, 'review queue count').n;
}

/** reviewQueueCount's query, apart so a test can ask the planner how it is answered. */
export function reviewQueueCountQuery(db: Db) {
  return (
    db
      .selectFrom('decisions')
      .innerJoin('inquiries', 'inquiries.inquiry_id', 'decisions.inquiry_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('inquiries.status', '=', 'decided')
      // literals, not parameters: the planner must see they match the partial index's predicate
      .where('decisions.outcome', '=', sql.lit('manual_review'))
      .where('decisions.reviewed_by', 'is', null)
      .where(isCurrentDecision)
  );
}
