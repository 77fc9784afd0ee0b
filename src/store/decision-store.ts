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
   * Returns null when a decision from newer evidence already exists (the save is dropped, not an error). With an
   * outbox (decisions delivered downstream), the delivery and its job are written in the same transaction.
   */
  save(input: NewDecision, options?: SaveOptions): Promise<DecisionRecord | null>;
  markFailed(inquiryId: string, eventId: string, error: string): Promise<void>;
}

const inquiryRowSchema = z.object({
  status: z.enum(['processing', 'decided', 'failed']),
  error: z.string().nullable(),
});

export function createDecisionStore(options: { db: Db; clock: Clock; outbox?: Outbox | undefined }): DecisionStore {
  const { db, clock, outbox } = options;

  const latest = async (executor: Db, inquiryId: string) => {
    const row = await executor
      .selectFrom('decisions')
      .selectAll()
      .where('inquiry_id', '=', inquiryId)
      .orderBy('sequence', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toDecisionRecord(row) : null;
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

    save: (input, { within } = {}) =>
      db.transaction().execute(async (trx) => {
        await within?.(trx);
        const previous = await latest(trx, input.inquiryId);
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
