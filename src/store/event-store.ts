import type { Clock } from '../lib/clock.js';
import type { PersonaWebhookEvent } from '../persona/webhook-event.js';
import type { Db } from './database.js';
import type { JobQueue } from './job-queue.js';

export const PROCESS_INQUIRY = 'process_inquiry';

export interface ProcessInquiryPayload {
  eventId: string;
  inquiryId: string;
  eventCreatedAt: string;
  receivedAtMs: number;
  polls: number;
  personaCalls: number;
}

export interface IncomingEvent {
  event: PersonaWebhookEvent;
  /** Whether the service acts on this event name; ignored events are recorded so Persona is not asked to retry. */
  disposition: 'accepted' | 'ignored';
  attempts: { attemptsMade: number | null; attemptsLeft: number | null; firstAttemptedAt: string | null };
}

export type RecordResult = 'stored' | 'duplicate' | 'superseded';

export interface EventStore {
  /**
   * Stores the event and, for an event the service acts on, the processing job: one transaction, so an
   * acknowledged webhook always has its job. The event id is the primary key: a duplicate delivery, even a
   * concurrent one, is a no-op.
   */
  record(incoming: IncomingEvent): Promise<RecordResult>;
  count(): Promise<number>;
}

export function createEventStore(options: { db: Db; queue: JobQueue; clock: Clock }): EventStore {
  const { db, queue, clock } = options;
  return {
    record: (incoming) =>
      db.transaction().execute(async (trx) => {
        const { event, disposition, attempts } = incoming;
        const nowIso = new Date(clock.now()).toISOString();
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
        if (!inserted) return 'duplicate';
        if (disposition === 'ignored' || event.inquiryId === null) return 'stored';

        // Persona does not guarantee order: an event older than one already seen for the inquiry adds nothing,
        // because processing always fetches the inquiry's current state. It is kept for the record only. The check
        // is part of the upsert, so two replicas storing events of one inquiry at once cannot both win.
        const current = await trx
          .insertInto('inquiries')
          .values({
            inquiry_id: event.inquiryId,
            status: 'processing',
            last_event_id: event.eventId,
            last_event_created_at: event.createdAt,
            first_seen_at: nowIso,
            error: null,
            updated_at: nowIso,
          })
          .onConflict((oc) =>
            oc
              .column('inquiry_id')
              .doUpdateSet({
                status: 'processing',
                last_event_id: event.eventId,
                last_event_created_at: event.createdAt,
                error: null,
                updated_at: nowIso,
              })
              .where('inquiries.last_event_created_at', '<=', event.createdAt),
          )
          .returning('inquiry_id')
          .executeTakeFirst();
        if (!current) return 'superseded';
        const payload: ProcessInquiryPayload = {
          eventId: event.eventId,
          inquiryId: event.inquiryId,
          eventCreatedAt: event.createdAt,
          receivedAtMs: clock.now(),
          polls: 0,
          personaCalls: 0,
        };
        await queue.enqueue(
          { kind: PROCESS_INQUIRY, key: `process:${event.eventId}`, queue: `inquiry:${event.inquiryId}`, payload, runAt: clock.now() },
          trx,
        );
        return 'stored';
      }),

    async count() {
      const row = await db.selectFrom('persona_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
