import type SQLite from 'better-sqlite3';
import type { JobSpec } from '../job-kinds.js';
import type { Db } from './database.js';
import {
  type IntakeRow,
  type IntakeStatements,
  type IntakeWriter,
  type RecordResult,
  recordIntakeBatch,
} from './event-intake.js';

/**
 * Webhook intake's writes on SQLite, as statements prepared once on the service's connection: the hot path of
 * ingest, so no query is built and compiled per webhook (with Kysely, building and compiling its three statements
 * cost about a tenth of the CPU of a webhook: docs/benchmarks.md). A batch is one transaction, taken while holding
 * Kysely's connection (its mutex), so it never interleaves with one of Kysely's.
 */
export function createSqliteIntake(sqlite: SQLite.Database, db: Db): IntakeWriter {
  let prepared: ReturnType<typeof prepare> | null = null; // at the first write: the tables exist once migrated

  function write(rows: readonly IntakeRow[]): Promise<RecordResult[]> {
    return db.connection().execute(async () => {
      prepared ??= prepare(sqlite);
      const { begin, commit, rollback, statements } = prepared;
      begin.run();
      try {
        const results = await recordIntakeBatch(statements, rows);
        commit.run();
        return results;
      } catch (error) {
        if (sqlite.inTransaction) rollback.run();
        throw error;
      }
    });
  }

  return { write };
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
  const enqueue = sqlite.prepare(
    `insert into jobs (kind, key, queue, payload, attempts, run_at, created_at)
     values (@kind, @key, @queue, @payload, 0, @run_at, @created_at)
     on conflict (key) do nothing`,
  );
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
    enqueue: (job: JobSpec, nowMs) =>
      enqueue.run({
        kind: job.kind,
        key: job.key,
        queue: job.queue,
        payload: JSON.stringify(job.payload),
        run_at: job.runAt,
        created_at: nowMs,
      }),
  };
  return {
    begin: sqlite.prepare('begin'),
    commit: sqlite.prepare('commit'),
    rollback: sqlite.prepare('rollback'),
    statements,
  };
}
