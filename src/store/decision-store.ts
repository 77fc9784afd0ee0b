import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../lib/clock.js';
import type { Database, Db, DecisionTable } from './database.js';
import type { JobQueue } from './job-queue.js';
import { addToOutbox, type DeliveryBody } from './outbox.js';

export interface DecisionRecord {
  decisionId: string;
  inquiryId: string;
  sequence: number;
  eventId: string;
  eventCreatedAt: string;
  outcome: string;
  reasons: unknown[];
  policyVersion: string;
  evidence: unknown;
  personaCalls: number;
  decidedAt: string;
}

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
  /** When set, a delivery row and its job are written in the same transaction (transactional outbox). */
  deliveryBody?: DeliveryBody;
}

export interface DecisionStore {
  getInquiryView(inquiryId: string): Promise<InquiryView | null>;
  latestDecision(inquiryId: string): Promise<DecisionRecord | null>;
  /** Returns null when a decision from newer evidence already exists (the save is dropped, not an error). */
  save(input: NewDecision, options?: SaveOptions): Promise<DecisionRecord | null>;
  markFailed(inquiryId: string, eventId: string, error: string): Promise<void>;
}

export function createDecisionStore(options: { db: Db; queue: JobQueue; clock: Clock }): DecisionStore {
  const { db, queue, clock } = options;

  const latest = async (executor: Db, inquiryId: string) => {
    const row = await executor
      .selectFrom('decisions')
      .selectAll()
      .where('inquiry_id', '=', inquiryId)
      .orderBy('sequence', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  };

  return {
    async getInquiryView(inquiryId) {
      const inquiry = await db.selectFrom('inquiries').selectAll().where('inquiry_id', '=', inquiryId).executeTakeFirst();
      if (!inquiry) return null;
      return { inquiryId, status: inquiry.status, error: inquiry.error, decision: await latest(db, inquiryId) };
    },

    latestDecision: (inquiryId) => latest(db, inquiryId),

    save: (input, saveOptions = {}) =>
      db.transaction().execute(async (trx) => {
        await saveOptions.within?.(trx);
        const previous = await latest(trx, input.inquiryId);
        if (previous && previous.eventCreatedAt > input.eventCreatedAt) return null;
        const now = clock.now();
        const record: DecisionRecord = {
          ...input,
          decisionId: `dec_${randomUUID().replaceAll('-', '')}`,
          sequence: (previous?.sequence ?? 0) + 1,
          decidedAt: new Date(now).toISOString(),
        };
        await trx
          .insertInto('decisions')
          .values({
            decision_id: record.decisionId,
            inquiry_id: record.inquiryId,
            sequence: record.sequence,
            event_id: record.eventId,
            event_created_at: record.eventCreatedAt,
            outcome: record.outcome,
            reasons: JSON.stringify(record.reasons),
            policy_version: record.policyVersion,
            evidence: JSON.stringify(record.evidence),
            persona_calls: record.personaCalls,
            decided_at: record.decidedAt,
          })
          .execute();
        // Only the job of the inquiry's newest event closes it; an older job's decision is kept, but a newer event is still on its way.
        await trx
          .updateTable('inquiries')
          .set({ status: 'decided', error: null, updated_at: record.decidedAt })
          .where('inquiry_id', '=', record.inquiryId)
          .where('last_event_id', '=', record.eventId)
          .execute();
        if (saveOptions.deliveryBody) await addToOutbox(trx, queue, record, saveOptions.deliveryBody, now);
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

function toRecord(row: Selectable<DecisionTable>): DecisionRecord {
  return {
    decisionId: row.decision_id,
    inquiryId: row.inquiry_id,
    sequence: Number(row.sequence),
    eventId: row.event_id,
    eventCreatedAt: row.event_created_at,
    outcome: row.outcome,
    reasons: JSON.parse(row.reasons) as unknown[],
    policyVersion: row.policy_version,
    evidence: JSON.parse(row.evidence) as unknown,
    personaCalls: Number(row.persona_calls),
    decidedAt: row.decided_at,
  };
}
