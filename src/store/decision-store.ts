import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import type { Database, Db } from './database.js';
import { type DecisionRecord, toDecisionRecord, toDecisionRow } from './decision-record.js';
import type { Outbox } from './outbox.js';
import { parseRow } from './parse-row.js';

export type NewDecision = Omit<DecisionRecord, 'decisionId' | 'sequence' | 'decidedAt'>;

export interface InquiryView {
  inquiryId: string;
  status: 'processing' | 'decided' | 'failed';
  error: string | null;
  decision: DecisionRecord | null;
}

export interface SaveOptions {
  /** Runs inside the decision's transaction (the worker ends the job there: see JobContext.finishWithin). */
  within?: (trx: Kysely<Database>) => Promise<void>;
}

export interface DecisionStore {
  getInquiryView(inquiryId: string): Promise<InquiryView | null>;
  latestDecision(inquiryId: string): Promise<DecisionRecord | null>;
  /**
   * The newest decision's ordering fields only (its JSON columns are not read): what the pipeline compares an event
   * against, so a decision row written by another version never stops the inquiry's later events.
   */
  latestDecisionRef(inquiryId: string): Promise<DecisionRef | null>;
  /**
   * Returns null when a decision from newer evidence already exists (the save is dropped, not an error). With an
   * outbox (decisions delivered downstream), the delivery and its job are written in the same transaction.
   */
  save(input: NewDecision, options?: SaveOptions): Promise<DecisionRecord | null>;
  markFailed(inquiryId: string, eventId: string, error: string): Promise<void>;
}

export type DecisionRef = Pick<DecisionRecord, 'decisionId' | 'sequence' | 'eventCreatedAt'>;

const refRowSchema = z
  .object({ decision_id: z.string(), sequence: z.number().int().positive(), event_created_at: z.string() })
  .transform((row): DecisionRef => ({
    decisionId: row.decision_id,
    sequence: row.sequence,
    eventCreatedAt: row.event_created_at,
  }));

const inquiryRowSchema = z.object({
  status: z.enum(['processing', 'decided', 'failed']),
  error: z.string().nullable(),
});

export function createDecisionStore(options: { db: Db; clock: Clock; outbox?: Outbox | undefined }): DecisionStore {
  const { db, clock, outbox } = options;

  /** The inquiry's newest decision (by sequence), before choosing its columns. */
  const newest = (executor: Db, inquiryId: string) =>
    executor.selectFrom('decisions').where('inquiry_id', '=', inquiryId).orderBy('sequence', 'desc').limit(1);

  const latest = async (executor: Db, inquiryId: string) => {
    const row = await newest(executor, inquiryId).selectAll().executeTakeFirst();
    return row ? toDecisionRecord(row) : null;
  };

  const latestRef = async (executor: Db, inquiryId: string) => {
    const row = await newest(executor, inquiryId)
      .select(['decision_id', 'sequence', 'event_created_at'])
      .executeTakeFirst();
    return row ? parseRow(refRowSchema, row, `decision row ${row.decision_id} (inquiry ${inquiryId})`) : null;
  };

  return {
    async getInquiryView(inquiryId) {
      const row = await db
        .selectFrom('inquiries')
        .select(['status', 'error'])
        .where('inquiry_id', '=', inquiryId)
        .executeTakeFirst();
      if (!row) return null;
      const inquiry = parseRow(inquiryRowSchema, row, `inquiry row ${inquiryId}`);
      return { inquiryId, status: inquiry.status, error: inquiry.error, decision: await latest(db, inquiryId) };
    },

    latestDecision: (inquiryId) => latest(db, inquiryId),

    latestDecisionRef: (inquiryId) => latestRef(db, inquiryId),

    save: (input, { within } = {}) =>
      db.transaction().execute(async (trx) => {
        await within?.(trx);
        const previous = await latestRef(trx, input.inquiryId);
        if (previous && previous.eventCreatedAt > input.eventCreatedAt) return null;
        const now = clock.now();
        const record: DecisionRecord = {
          ...input,
          decisionId: `dec_${randomUUID().replaceAll('-', '')}`,
          sequence: (previous?.sequence ?? 0) + 1,
          decidedAt: new Date(now).toISOString(),
        };
        await trx.insertInto('decisions').values(toDecisionRow(record)).execute();
        // Only the job of the inquiry's newest event closes it; an older job's decision is kept, but a newer event is still on its way.
        await trx
          .updateTable('inquiries')
          .set({ status: 'decided', error: null, updated_at: record.decidedAt })
          .where('inquiry_id', '=', record.inquiryId)
          .where('last_event_id', '=', record.eventId)
          .execute();
        await outbox?.add(trx, record, now);
        return record;
      }),

    async markFailed(inquiryId, eventId, error) {
      await db
        .updateTable('inquiries')
        .set({ status: 'failed', error, updated_at: new Date(clock.now()).toISOString() })
        .where('inquiry_id', '=', inquiryId)
        .where('last_event_id', '=', eventId)
        .execute();
    },
  };
}
