/**
 * The SQLite writer thread of webhook intake (started by sqlite-intake-writer.ts). better-sqlite3 is synchronous:
 * on the event loop, every statement and every COMMIT's fsync (SQLITE_SYNCHRONOUS=FULL) stops the process from
 * reading, verifying and answering other webhooks. Here they run on a connection of their own, so the event loop
 * only parses and verifies while a batch is written. The statements are prepared once (no query building per
 * webhook) and a batch is one `BEGIN IMMEDIATE … COMMIT`: nothing is answered before its transaction is durable.
 */
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type { JobSpec } from '../job-kinds.js';
import type { PersonaEventTable } from './database.js';
import { type IntakeRow, type IntakeStatements, type RecordResult, recordIntake } from './event-intake.js';
import type { IntakeRequest, IntakeReply, IntakeThreadOptions } from './sqlite-intake-writer.js';

const port = parentPort;
if (port === null) throw new Error('sqlite-intake-thread.ts runs as a worker thread only');
const options = workerData as IntakeThreadOptions;

/** Opens the connection and prepares every statement once: a missing table or file fails here, before any batch. */
function open() {
  const sqlite = new SQLite(options.file, { fileMustExist: true });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous}`);
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
  sqlite.pragma('foreign_keys = ON');

  const begin = sqlite.prepare('begin immediate');
  const commit = sqlite.prepare('commit');
  const rollback = sqlite.prepare('rollback');
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
  return { sqlite, begin, commit, rollback, knownInquiry, insertEvent, advanceInquiry, enqueue };
}

// better-sqlite3's SqliteError would reach the event loop as a bare object without its message: rethrown plain
let opened: ReturnType<typeof open>;
try {
  opened = open();
} catch (error) {
  const { name, message, code } = describe(error);
  throw Object.assign(new Error(message), { name, ...(code === undefined ? {} : { code }) });
}
const { sqlite, begin, commit, rollback, knownInquiry, insertEvent, advanceInquiry, enqueue } = opened;

const statements: IntakeStatements = {
  isKnownInquiry: (inquiryId) => knownInquiry.get(inquiryId) !== undefined,
  insertEvent: (row: PersonaEventTable) => insertEvent.run(row).changes === 1,
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

async function writeBatch(rows: readonly IntakeRow[]): Promise<RecordResult[]> {
  begin.run();
  try {
    const results: RecordResult[] = [];
    for (const row of rows) results.push(await recordIntake(statements, row));
    commit.run();
    return results;
  } catch (error) {
    if (sqlite.inTransaction) rollback.run();
    throw error;
  }
}

// One batch at a time: the writer sends the next only after this one's reply (group commit), and every statement
// answers synchronously, so a batch runs to its COMMIT before the next message is read.
port.on('message', (request: IntakeRequest) => {
  if (request.type === 'close') {
    sqlite.close();
    port.close();
    return;
  }
  writeBatch(JSON.parse(request.rows) as IntakeRow[]).then(
    (results) => port.postMessage({ id: request.id, results } satisfies IntakeReply),
    (error: unknown) => port.postMessage({ id: request.id, error: describe(error) } satisfies IntakeReply),
  );
});

/** An Error does not keep its SQLite `code` through postMessage: send what the event store classifies errors by. */
function describe(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}
