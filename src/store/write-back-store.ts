import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Outcome } from '../decision/outcome.js';
import { WRITE_BACK_ACTIONS, type WriteBackAction, writeBackJob } from '../job-kinds.js';
import type { Clock } from '../lib/clock.js';
import type { Database, Db } from './database.js';
import type { DecisionRecord } from './decision-record.js';
import type { JobQueue } from './job-queue.js';
import { parseRow } from './parse-row.js';

export const WRITE_BACK_STATUSES = ['pending', 'done', 'skipped', 'failed'] as const;
export type WriteBackStatus = (typeof WRITE_BACK_STATUSES)[number];

/** What the service told (or will tell) Persona about one decision; `detail` says why it was skipped or failed. */
export interface WriteBack {
  decisionId: string;
  inquiryId: string;
  action: WriteBackAction;
  status: WriteBackStatus;
  detail: string | null;
  attempts: number;
  updatedAt: string;
}

/** The Persona action each written-back outcome takes; `retry` has none. */
export const WRITE_BACK_ACTION_OF: Readonly<Partial<Record<Outcome, WriteBackAction>>> = {
  approved: 'approve',
  declined: 'decline',
  manual_review: 'mark-for-review',
};

export interface WriteBackOutbox {
  /** With the decision's transaction: a pending write-back and its job, or a skipped one (Persona decided already). */
  add(trx: Kysely<Database>, decision: DecisionRecord, now: number): Promise<void>;
}

export interface WriteBackStore {
  outbox: WriteBackOutbox;
  get(decisionId: string): Promise<WriteBack | null>;
  /** Ends a pending write-back (only a pending one: a finished state is final). */
  finish(decisionId: string, status: Exclude<WriteBackStatus, 'pending'>, detail: string | null): Promise<void>;
  /** Counts one more attempt and keeps it pending, with the last error as detail. */
  noteAttempt(decisionId: string, detail: string): Promise<void>;
}

const rowSchema = z
  .object({
    decision_id: z.string(),
    inquiry_id: z.string(),
    action: z.enum(WRITE_BACK_ACTIONS),
    status: z.enum(WRITE_BACK_STATUSES),
    detail: z.string().nullable(),
    attempts: z.number().int().nonnegative(),
    updated_at: z.string(),
  })
  .transform((row): WriteBack => ({
    decisionId: row.decision_id,
    inquiryId: row.inquiry_id,
    action: row.action,
    status: row.status,
    detail: row.detail,
    attempts: row.attempts,
    updatedAt: row.updated_at,
  }));

/**
 * PERSONA_WRITE_BACK: a decision whose outcome is listed is written back to Persona by its own durable job, written
 * in the decision's transaction (an outbox). Only while Persona's own status is `completed`: a decision that
 * follows Persona (approved or declined by a reviewer or Workflow, marked for review) is recorded as skipped at once.
 */
export function createWriteBackStore(options: {
  db: Db;
  queue: JobQueue;
  clock: Clock;
  outcomes: ReadonlySet<Outcome>;
}): WriteBackStore {
  const { db, queue, clock, outcomes } = options;
  const iso = () => new Date(clock.now()).toISOString();
  return {
    outbox: {
      async add(trx, decision, now) {
        const action = WRITE_BACK_ACTION_OF[decision.outcome];
        if (!action || !outcomes.has(decision.outcome)) return;
        const status = decision.evidence.inquiryStatus;
        const skipped = status !== 'completed';
        const at = new Date(now).toISOString();
        await trx
          .insertInto('write_backs')
          .values({
            decision_id: decision.decisionId,
            inquiry_id: decision.inquiryId,
            action,
            status: skipped ? 'skipped' : 'pending',
            detail: skipped ? `Persona's status was ${status} when decided: Persona decides it already` : null,
            attempts: 0,
            created_at: at,
            updated_at: at,
          })
          .execute();
        if (!skipped) {
          await queue.enqueue(
            writeBackJob({ decisionId: decision.decisionId, inquiryId: decision.inquiryId, action, now }),
            trx,
          );
        }
      },
    },
    async get(decisionId) {
      const row = await db
        .selectFrom('write_backs')
        .selectAll()
        .where('decision_id', '=', decisionId)
        .executeTakeFirst();
      return row ? parseRow(rowSchema, row, `write-back row ${decisionId}`) : null;
    },
    async finish(decisionId, status, detail) {
      await db
        .updateTable('write_backs')
        .set((eb) => ({ status, detail, attempts: eb('attempts', '+', 1), updated_at: iso() }))
        .where('decision_id', '=', decisionId)
        .where('status', '=', 'pending')
        .execute();
    },
    async noteAttempt(decisionId, detail) {
      await db
        .updateTable('write_backs')
        .set((eb) => ({ detail, attempts: eb('attempts', '+', 1), updated_at: iso() }))
        .where('decision_id', '=', decisionId)
        .where('status', '=', 'pending')
        .execute();
    },
  };
}

/** One decision's write-back, read with any connection (the decision store shows it in GET /decisions/:id). */
export async function readWriteBack(db: Kysely<Database>, decisionId: string): Promise<WriteBack | null> {
  const row = await db.selectFrom('write_backs').selectAll().where('decision_id', '=', decisionId).executeTakeFirst();
  return row ? parseRow(rowSchema, row, `write-back row ${decisionId}`) : null;
}
