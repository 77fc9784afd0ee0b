import type { Kysely } from 'kysely';
import { type AuditBy, appendAudit } from './audit-store.js';
import { type Evidence, latestMatchEvents, type ReportMatchEvent } from '../decision/evidence.js';
import { processInquiryJob } from '../job-kinds.js';
import type { Clock } from '../lib/clock.js';
import { createGroupCommit } from '../lib/group-commit.js';
import type { PersonaWebhookEvent } from '../persona/webhook-event.js';
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

/** `ignored`: stored for the record, nothing to do (an event name not acted on, or a report of an unknown inquiry). */
export type RecordResult = 'stored' | 'duplicate' | 'superseded' | 'ignored';

export interface EventStore {
  /**
   * Stores the event and, for an event the service acts on, the processing job: one transaction, so an
   * acknowledged webhook always has its job. The event id is the primary key: a duplicate delivery, even a
   * concurrent one, is a no-op.
   */
  record(incoming: IncomingEvent): Promise<RecordResult>;
  /**
   * Queues the inquiry for processing again from its latest event: after a failure that needed a human (a rejected
   * API key, a Persona outage longer than the retry window), or to re-evaluate under a new policy.
   */
  /** `by`: the operator who asked, recorded in the audit trail with the re-queue (one transaction). */
  reprocess(inquiryId: string, by?: AuditBy): Promise<'queued' | 'not_found'>;
  /** Per report of the inquiry, its latest `.matched` or `.dismissed` event (recorded whether acted on or not). */
  latestReportMatchEvents(inquiryId: string): Promise<ReportMatchEvent[]>;
}

export function createEventStore(options: { db: Db; queue: JobQueue; clock: Clock }): EventStore {
  const { db, queue, clock } = options;

  async function recordOne(trx: Kysely<Database>, incoming: IncomingEvent): Promise<RecordResult> {
    const { event } = incoming;
    const nowIso = new Date(clock.now()).toISOString();
    const acts =
      incoming.disposition === 'accepted' &&
      event.inquiryId !== null &&
      (!incoming.knownInquiryOnly || (await isKnownInquiry(trx, event.inquiryId)));
    const disposition = acts ? 'accepted' : 'ignored';
    if (!(await insertEvent(trx, { ...incoming, disposition }, nowIso))) return 'duplicate';
    if (!acts || event.inquiryId === null) return 'ignored';
    if (!(await advanceInquiry(trx, event, event.inquiryId, nowIso))) return 'superseded';
    const job = processInquiryJob({
      eventId: event.eventId,
      eventName: event.name,
      inquiryId: event.inquiryId,
      eventCreatedAt: event.createdAt,
      now: clock.now(),
      ...(incoming.evidence === undefined ? {} : { evidence: incoming.evidence }),
    });
    await queue.enqueue(job, trx);
    return 'stored';
  }

  // Group commit: webhooks arriving while a transaction is being written share the next one (one fsync for many
  // acknowledgements). Nothing is acknowledged before its transaction commits.
  const writeGrouped = createGroupCommit<IncomingEvent, RecordResult>({
    maxBatch: 128,
    // beyond this many webhooks waiting for the database, answer 503 at once (Persona retries) rather than queue
    maxPending: 4096,
    isItemError,
    writeBatch: (items) =>
      db.transaction().execute(async (trx) => {
        const results: RecordResult[] = [];
        for (const item of items) results.push(await recordOne(trx, item));
        return results;
      }),
  });

  return {
    record: writeGrouped,

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

async function isKnownInquiry(trx: Kysely<Database>, inquiryId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('inquiries')
    .select('inquiry_id')
    .where('inquiry_id', '=', inquiryId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Inserts the event row; false when the event id was already stored (a duplicate delivery). */
async function insertEvent(
  trx: Kysely<Database>,
  { event, disposition, attempts }: IncomingEvent,
  nowIso: string,
): Promise<boolean> {
  const inserted = await trx
    .insertInto('persona_events')
    .values({
      event_id: event.eventId,
      name: event.name,
      object_type: event.objectType,
      object_id: event.objectId,
      inquiry_id: event.inquiryId,
      persona_created_at: event.createdAt,
      received_at: nowIso,
      disposition,
      attempts_made: attempts.attemptsMade,
      attempts_left: attempts.attemptsLeft,
      first_attempted_at: attempts.firstAttemptedAt,
    })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Makes this event the inquiry's latest, unless a newer one was already seen. Persona does not guarantee order: an
 * event older than one already seen adds nothing, because processing always fetches the inquiry's current state;
 * it is kept for the record only. The check is part of the upsert, so two replicas storing events of one inquiry
 * at once cannot both win.
 */
async function advanceInquiry(
  trx: Kysely<Database>,
  event: PersonaWebhookEvent,
  inquiryId: string,
  nowIso: string,
): Promise<boolean> {
  const latest = {
    status: 'processing' as const,
    last_event_id: event.eventId,
    last_event_created_at: event.createdAt,
    error: null,
    updated_at: nowIso,
  };
  const current = await trx
    .insertInto('inquiries')
    .values({ inquiry_id: inquiryId, first_seen_at: nowIso, ...latest })
    .onConflict((oc) =>
      oc.column('inquiry_id').doUpdateSet(latest).where('inquiries.last_event_created_at', '<=', event.createdAt),
    )
    .returning('inquiry_id')
    .executeTakeFirst();
  return current !== undefined;
}

/**
 * A constraint or data error can come from one webhook of a batch: retry the batch's items one by one. Anything
 * else (connection lost, database locked, disk full) would fail each item again: fail the batch at once.
 */
function isItemError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code) || /^2[23]/.test(code); // PostgreSQL classes 22, 23
}
