import type { Kysely } from 'kysely';
import { type AuditBy, appendAudit } from './audit-store.js';
import { type Evidence, latestMatchEvents, type ReportMatchEvent } from '../decision/evidence.js';
import { processInquiryJob } from '../job-kinds.js';
import type { Clock } from '../lib/clock.js';
import { createGroupCommit } from '../lib/group-commit.js';
import type { PersonaWebhookEvent } from '../persona/webhook-event.js';
import {
  type IntakeRow,
  type IntakeStatements,
  type IntakeWriter,
  type RecordResult,
  recordIntakeBatch,
} from './event-intake.js';
import type { Database, Db } from './database.js';
import type { JobQueue } from './job-queue.js';

export interface IncomingEvent {
  event: PersonaWebhookEvent;
  /** Whether the service acts on this event name; ignored events are recorded so Persona is not asked to retry. */
  disposition: 'accepted' | 'ignored';
  /**
   * Act only if the inquiry is known already (report events: a report re-evaluates an inquiry the service has
   * decided or is deciding; a report about an inquiry never seen is recorded as ignored).
   */
  knownInquiryOnly?: boolean;
  attempts: { attemptsMade: number | null; attemptsLeft: number | null; firstAttemptedAt: string | null };
  /** The PII-free evidence the webhook carried in full (persona/webhook-evidence.ts); it rides on the job. */
  evidence?: Evidence;
}

export type { RecordResult } from './event-intake.js';

export interface EventStore {
  /**
   * Stores the event and, for an event the service acts on, the processing job: one transaction, so an
   * acknowledged webhook always has its job. The event id is the primary key: a duplicate delivery, even a
   * concurrent one, is a no-op.
   */
  record(incoming: IncomingEvent): Promise<RecordResult>;
  /**
   * As `record`, and whether the event's job went straight to this process's worker (SQLite intake: written claimed
   * for it and handed over on commit), so the caller need not wake the worker for it.
   */
  recordIntake(incoming: IncomingEvent): Promise<{ status: RecordResult; handedOver: boolean }>;
  /**
   * Queues the inquiry for processing again from its latest event: after a failure that needed a human (a rejected
   * API key, a Persona outage longer than the retry window), or to re-evaluate under a new policy.
   */
  /** `by`: the operator who asked, recorded in the audit trail with the re-queue (one transaction). */
  reprocess(inquiryId: string, by?: AuditBy): Promise<'queued' | 'not_found'>;
  /** Per report of the inquiry, its latest `.matched` or `.dismissed` event (recorded whether acted on or not). */
  latestReportMatchEvents(inquiryId: string): Promise<ReportMatchEvent[]>;
}

export function createEventStore(options: {
  db: Db;
  queue: JobQueue;
  clock: Clock;
  /** Writes intake batches with statements prepared once (SQLite: sqlite-intake.ts); absent, through Kysely. */
  intake?: IntakeWriter;
}): EventStore {
  const { db, queue, clock } = options;

  const writeInTransaction = (rows: readonly IntakeRow[]): Promise<RecordResult[]> =>
    db.transaction().execute((trx) => recordIntakeBatch(kyselyIntakeStatements(trx, queue), rows));

  // Group commit: webhooks arriving while a transaction is being written share the next one (one fsync for many
  // acknowledgements). Nothing is acknowledged before its transaction commits.
  const writeGrouped = createGroupCommit<IntakeRow, RecordResult>({
    maxBatch: 128,
    // beyond this many webhooks waiting for the database, answer 503 at once (Persona retries) rather than queue
    maxPending: 4096,
    isItemError,
    writeBatch: options.intake?.write ?? writeInTransaction,
  });

  async function recordIntake(incoming: IncomingEvent): Promise<{ status: RecordResult; handedOver: boolean }> {
    const row = intakeRow(incoming, clock.now());
    const status = await writeGrouped(row);
    return { status, handedOver: row.handedOver === true };
  }

  return {
    record: async (incoming) => (await recordIntake(incoming)).status,
    recordIntake,

    async latestReportMatchEvents(inquiryId) {
      const rows = await db
        .selectFrom('persona_events')
        .select(['object_id', 'name', 'persona_created_at'])
        .where('inquiry_id', '=', inquiryId)
        .where('object_type', 'like', 'report/%')
        .where((eb) => eb.or([eb('name', 'like', '%.matched'), eb('name', 'like', '%.dismissed')]))
        .orderBy('persona_created_at')
        .orderBy('event_id')
        .execute();
      return latestMatchEvents(
        rows.map((row) => ({ reportId: row.object_id, name: row.name, createdAt: row.persona_created_at })),
      );
    },

    reprocess: (inquiryId, by) =>
      db.transaction().execute(async (trx) => {
        const inquiry = await trx
          .selectFrom('inquiries')
          .leftJoin('persona_events', 'persona_events.event_id', 'inquiries.last_event_id')
          .select(['inquiries.last_event_id', 'inquiries.last_event_created_at', 'persona_events.name'])
          .where('inquiries.inquiry_id', '=', inquiryId)
          .executeTakeFirst();
        if (!inquiry) return 'not_found';
        const now = clock.now();
        await trx
          .updateTable('inquiries')
          .set({ status: 'processing', error: null, updated_at: new Date(now).toISOString() })
          .where('inquiry_id', '=', inquiryId)
          .execute();
        const job = processInquiryJob({
          eventId: inquiry.last_event_id,
          eventName: inquiry.name,
          inquiryId,
          eventCreatedAt: inquiry.last_event_created_at,
          now,
          reprocess: true,
        });
        await queue.enqueue(job, trx);
        if (by) await appendAudit(trx, { ...by, action: 'reprocess', target: inquiryId, inquiryId }, now);
        return 'queued';
      }),
  };
}

/** What one webhook writes, as plain data: the event row, and the inquiry and job it acts on (the payload built). */
function intakeRow(incoming: IncomingEvent, nowMs: number): IntakeRow {
  const { event, attempts } = incoming;
  // only an accepted event of an inquiry acts (and a report's, only if its inquiry is known: recordIntake checks)
  const inquiryId = incoming.disposition === 'accepted' ? event.inquiryId : null;
  return {
    event: {
      event_id: event.eventId,
      name: event.name,
      object_type: event.objectType,
      object_id: event.objectId,
      inquiry_id: event.inquiryId,
      persona_created_at: event.createdAt,
      received_at: new Date(nowMs).toISOString(),
      disposition: inquiryId === null ? 'ignored' : 'accepted',
      attempts_made: attempts.attemptsMade,
      attempts_left: attempts.attemptsLeft,
      first_attempted_at: attempts.firstAttemptedAt,
    },
    acts:
      inquiryId !== null
        ? {
            inquiryId,
            knownInquiryOnly: incoming.knownInquiryOnly === true,
            job: processInquiryJob({
              eventId: event.eventId,
              eventName: event.name,
              inquiryId,
              eventCreatedAt: event.createdAt,
              now: nowMs,
              ...(incoming.evidence === undefined ? {} : { evidence: incoming.evidence }),
            }),
          }
        : null,
    nowMs,
  };
}

/** Intake's statements through Kysely, in the batch's transaction (PostgreSQL). */
function kyselyIntakeStatements(trx: Kysely<Database>, queue: JobQueue): IntakeStatements {
  return {
    async isKnownInquiry(inquiryId) {
      const row = await trx
        .selectFrom('inquiries')
        .select('inquiry_id')
        .where('inquiry_id', '=', inquiryId)
        .executeTakeFirst();
      return row !== undefined;
    },
    async insertEvent(row) {
      const inserted = await trx
        .insertInto('persona_events')
        .values(row)
        .onConflict((oc) => oc.column('event_id').doNothing())
        .returning('event_id')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async advanceInquiry(event, inquiryId) {
      const latest = {
        status: 'processing' as const,
        last_event_id: event.event_id,
        last_event_created_at: event.persona_created_at,
        error: null,
        updated_at: event.received_at,
      };
      const current = await trx
        .insertInto('inquiries')
        .values({ inquiry_id: inquiryId, first_seen_at: event.received_at, ...latest })
        .onConflict((oc) =>
          oc
            .column('inquiry_id')
            .doUpdateSet(latest)
            .where('inquiries.last_event_created_at', '<=', event.persona_created_at),
        )
        .returning('inquiry_id')
        .executeTakeFirst();
      return current !== undefined;
    },
    enqueue: (job) => queue.enqueue(job, trx),
  };
}

/**
 * A constraint or data error can come from one webhook of a batch: retry the batch's items one by one. Anything
 * else (connection lost, database locked, disk full) would fail each item again: fail the batch at once.
 */
function isItemError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code) || /^2[23]/.test(code); // PostgreSQL classes 22, 23
}
