import type SQLite from 'better-sqlite3';
import type { JobSpec } from '../job-kinds.js';
import type { Db } from './database.js';
import {
  type EnqueueClaimed,
  IntakeClaims,
  type IntakeRow,
  type IntakeStatements,
  type IntakeWriter,
  type JobTaker,
  type RecordResult,
  recordIntakeBatch,
} from './event-intake.js';
import { claimedJob, type JobClaim, newJobRow } from './job-queue.js';

/**
 * Webhook intake's writes on SQLite, as statements prepared once on the service's connection: the hot path of
 * ingest, so no query is built and compiled per webhook (with Kysely, building and compiling its three statements
 * cost about a tenth of the CPU of a webhook: docs/benchmarks.md). A batch is one transaction, taken while holding
 * Kysely's connection (its mutex), so it never interleaves with one of Kysely's.
 *
 * With a taker (the process's running worker: `handOverTo`), a job that can run at once is written already claimed
 * for it and handed over right after the commit: the worker starts on the webhook as it is acknowledged, with no
 * claim transaction and no wake-up in between. SQLite has one writer, so the "its queue is empty" check cannot
 * race another process's enqueue.
 */
export function createSqliteIntake(sqlite: SQLite.Database, db: Db): IntakeWriter {
  let prepared: ReturnType<typeof prepare> | null = null; // at the first write: the tables exist once migrated
  let taker: JobTaker | null = null;

  function write(rows: readonly IntakeRow[]): Promise<RecordResult[]> {
    return db.connection().execute(async () => {
      prepared ??= prepare(sqlite);
      const { begin, commit, rollback, statements } = prepared;
      const claims = taker ? new IntakeClaims(taker, prepared.enqueueClaimed) : undefined;
      begin.run();
      let results: RecordResult[];
      try {
        results = await recordIntakeBatch(statements, rows, claims);
        commit.run();
      } catch (error) {
        try {
          if (sqlite.inTransaction) rollback.run();
        } finally {
          claims?.rolledBack(); // the slots go back even if the rollback itself fails
        }
        throw error;
      }
      claims?.committed();
      return results;
    });
  }

  return {
    write,
    handOverTo(next) {
      taker = next;
    },
  };
}

function prepare(sqlite: SQLite.Database) {
  const knownInquiry = sqlite.prepare('select 1 from inquiries where inquiry_id = ?').pluck();
  const insertEvent = sqlite.prepare(
    `insert into persona_events (event_id, name, object_type, object_id, inquiry_id, persona_created_at, received_at,
       disposition, attempts_made, attempts_left, first_attempted_at)
     values (@event_id, @name, @object_type, @object_id, @inquiry_id, @persona_created_at, @received_at,
       @disposition, @attempts_made, @attempts_left, @first_attempted_at)
     on conflict (event_id) do nothing`,
  );
  const advanceInquiry = sqlite.prepare(
    `insert into inquiries (inquiry_id, status, last_event_id, last_event_created_at, first_seen_at, error, updated_at)
     values (@inquiry_id, 'processing', @event_id, @created_at, @now, null, @now)
     on conflict (inquiry_id) do update set status = 'processing', last_event_id = excluded.last_event_id,
       last_event_created_at = excluded.last_event_created_at, error = null, updated_at = excluded.updated_at
     where inquiries.last_event_created_at <= excluded.last_event_created_at`,
  );
  // one statement for a job, claimed or not: the row job-queue.ts's insertJob writes
  const enqueue = sqlite.prepare(
    `insert into jobs (kind, key, queue, payload, attempts, run_at, locked_by, locked_until, created_at)
     values (@kind, @key, @queue, @payload, @attempts, @run_at, @locked_by, @locked_until, @created_at)
     on conflict (key) do nothing`,
  );
  const queueHasJob = sqlite.prepare('select 1 from jobs where queue = ? limit 1').pluck();
  const insertJob = (job: JobSpec, claim: JobClaim | null, nowMs: number) => enqueue.run(newJobRow(job, claim, nowMs));
  const statements: IntakeStatements = {
    isKnownInquiry: (inquiryId) => knownInquiry.get(inquiryId) !== undefined,
    insertEvent: (row) => insertEvent.run(row).changes === 1,
    advanceInquiry: (event, inquiryId) =>
      advanceInquiry.run({
        inquiry_id: inquiryId,
        event_id: event.event_id,
        created_at: event.persona_created_at,
        now: event.received_at,
      }).changes === 1,
    enqueue: (job: JobSpec, nowMs) => insertJob(job, null, nowMs),
  };
  const insertClaimed: EnqueueClaimed = (job, claim, nowMs) => {
    if (job.queue !== null && queueHasJob.get(job.queue) !== undefined) return null;
    const inserted = insertJob(job, claim, nowMs);
    return inserted.changes === 1 ? claimedJob(Number(inserted.lastInsertRowid), job, claim, nowMs) : null;
  };
  return {
    begin: sqlite.prepare('begin'),
    commit: sqlite.prepare('commit'),
    rollback: sqlite.prepare('rollback'),
    statements,
    enqueueClaimed: insertClaimed,
  };
}
