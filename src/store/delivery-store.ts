import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { deliverDecisionJob, deliverDecisionKey } from '../job-kinds.js';
import type { Clock } from '../lib/clock.js';
import type { Database, Db, DeliveryTable } from './database.js';
import type { DecisionRecord } from './decision-record.js';
import type { JobQueue } from './job-queue.js';
import { type AuditBy, appendAudit } from './audit-store.js';
import type { Outbox } from './outbox.js';
import { parseRow } from './parse-row.js';

export type DeliveryStatus = DeliveryTable['status'];

export interface Delivery {
  deliveryId: string;
  decisionId: string;
  inquiryId: string;
  sequence: number;
  status: DeliveryStatus;
  body: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  scheduleStartedAt: number;
  deliveredAt: number | null;
}

export interface AttemptRecord {
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  /** How long the attempt took (delivery_attempts.duration_ms); 0 when not measured. */
  durationMs?: number;
}

/** One attempt of a delivery (GET /deliveries/:deliveryId/attempts). */
export interface DeliveryAttempt {
  /** 1, 2, … within the retry schedule it belongs to (an operator's retry starts a new one). */
  attempt: number;
  at: string;
  /** The consumer's HTTP status; null when none came back. */
  status: number | null;
  /** Short: the status line or the network error, never the consumer's body. */
  error: string | null;
  durationMs: number;
}

export interface DeliveryPage {
  items: Delivery[];
  nextCursor: string | null;
}

export interface DeliveryStore {
  get(deliveryId: string): Promise<Delivery | null>;
  list(query: { status?: DeliveryStatus; inquiryId?: string; limit: number; cursor?: string }): Promise<DeliveryPage>;
  /** Every attempt of a delivery, oldest first; null for an unknown delivery. */
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[] | null>;
  /** `within` runs in the same transaction (the worker ends the delivery job there). */
  markDelivered(
    deliveryId: string,
    attempt: AttemptRecord,
    within?: (trx: Kysely<Database>) => Promise<void>,
  ): Promise<void>;
  markRetrying(deliveryId: string, attempt: AttemptRecord, nextAttemptAt: number): Promise<void>;
  /** Dead letter: the schedule is exhausted. The row stays, queryable and replayable. */
  markFailed(
    deliveryId: string,
    attempt: AttemptRecord,
    within?: (trx: Kysely<Database>) => Promise<void>,
  ): Promise<void>;
  /** Re-queues a failed or pending delivery now, with a fresh retry schedule. */
  retryNow(deliveryId: string, by?: AuditBy): Promise<'requeued' | 'not_found' | 'already_delivered'>;
  /** Whether decisions are delivered downstream at all (an outbox is configured: DOWNSTREAM_URL is set). */
  readonly delivers: boolean;
  /** Queues the decision again under a new webhook-id; null when nothing is delivered (no outbox: no DOWNSTREAM_URL). */
  redeliver(decision: DecisionRecord, by?: AuditBy): Promise<Delivery | null>;
}

export function createDeliveryStore(options: {
  db: Db;
  queue: JobQueue;
  clock: Clock;
  outbox?: Outbox | undefined;
}): DeliveryStore {
  const { db, queue, clock, outbox } = options;
  // every attempt's outcome is recorded with the delivery's new state (one transaction)
  const update = async (
    deliveryId: string,
    attempt: AttemptRecord,
    values: Partial<Selectable<DeliveryTable>>,
    within?: (trx: Kysely<Database>) => Promise<void>,
  ) => {
    await db.transaction().execute(async (trx) => {
      await within?.(trx);
      await trx.updateTable('deliveries').set(values).where('delivery_id', '=', deliveryId).execute();
      await trx
        .insertInto('delivery_attempts')
        .values({
          attempt_id: `att_${randomUUID().replaceAll('-', '')}`,
          delivery_id: deliveryId,
          attempt: attempt.attempts,
          at: new Date(clock.now()).toISOString(),
          status: attempt.lastStatus,
          error: attempt.lastError === null ? null : attempt.lastError.slice(0, 200),
          duration_ms: Math.max(0, Math.round(attempt.durationMs ?? 0)),
        })
        .execute();
    });
  };
  const attemptColumns = (a: AttemptRecord) => ({
    attempts: a.attempts,
    last_status: a.lastStatus,
    last_error: a.lastError,
  });

  const store: DeliveryStore = {
    delivers: outbox !== undefined,

    async get(deliveryId) {
      const row = await db
        .selectFrom('deliveries')
        .selectAll()
        .where('delivery_id', '=', deliveryId)
        .executeTakeFirst();
      return row ? toDelivery(row) : null;
    },

    async list({ status, inquiryId, limit, cursor }) {
      let query = db
        .selectFrom('deliveries')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('delivery_id', 'desc')
        .limit(limit + 1);
      if (status) query = query.where('status', '=', status);
      if (inquiryId !== undefined) query = query.where('inquiry_id', '=', inquiryId);
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', after.createdAt),
            eb.and([eb('created_at', '=', after.createdAt), eb('delivery_id', '<', after.id)]),
          ]),
        );
      }
      const rows = (await query.execute()).map(toDelivery);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },

    async listAttempts(deliveryId) {
      const known = await db
        .selectFrom('deliveries')
        .select('delivery_id')
        .where('delivery_id', '=', deliveryId)
        .executeTakeFirst();
      if (!known) return null;
      const rows = await db
        .selectFrom('delivery_attempts')
        .select(['attempt', 'at', 'status', 'error', 'duration_ms', 'attempt_id'])
        .where('delivery_id', '=', deliveryId)
        .orderBy('at')
        .orderBy('attempt_id')
        .execute();
      return rows.map((row) => parseRow(attemptRowSchema, row, `delivery attempt ${row.attempt_id}`));
    },

    markDelivered: (deliveryId, attempt, within) =>
      update(
        deliveryId,
        attempt,
        { ...attemptColumns(attempt), status: 'delivered', delivered_at: clock.now(), next_attempt_at: null },
        within,
      ),

    markRetrying: (deliveryId, attempt, nextAttemptAt) =>
      update(deliveryId, attempt, {
        ...attemptColumns(attempt),
        status: 'pending',
        next_attempt_at: nextAttemptAt,
      }),

    markFailed: (deliveryId, attempt, within) =>
      update(deliveryId, attempt, { ...attemptColumns(attempt), status: 'failed', next_attempt_at: null }, within),

    retryNow: (deliveryId, by) =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('deliveries')
          .select(['status', 'inquiry_id'])
          .where('delivery_id', '=', deliveryId)
          .executeTakeFirst();
        if (!row) return 'not_found';
        if (row.status === 'delivered') return 'already_delivered';
        const now = clock.now();
        await trx
          .updateTable('deliveries')
          .set({ status: 'pending', attempts: 0, next_attempt_at: now, schedule_started_at: now })
          .where('delivery_id', '=', deliveryId)
          .execute();
        // a dead letter's job is gone: a new one; a waiting delivery's job is still queued: make it due now
        const added = await queue.enqueue(deliverDecisionJob({ deliveryId, inquiryId: row.inquiry_id, now }), trx);
        if (!added) await queue.runNow(deliverDecisionKey(deliveryId), trx);
        if (by) {
          const audit = { ...by, action: 'retry_delivery', target: deliveryId, inquiryId: row.inquiry_id } as const;
          await appendAudit(trx, audit, now);
        }
        return 'requeued';
      }),

    redeliver: async (decision, by) => {
      if (!outbox) return null;
      return db.transaction().execute(async (trx) => {
        const now = clock.now();
        const delivery = toDelivery((await outbox.add(trx, decision, now)).delivery);
        if (by) {
          const { inquiryId, decisionId, sequence } = decision;
          const detail = { decisionId, sequence, deliveryId: delivery.deliveryId };
          await appendAudit(trx, { ...by, action: 'redeliver', target: inquiryId, inquiryId, detail }, now);
        }
        return delivery;
      });
    },
  };
  return store;
}

function encodeCursor(d: Delivery): string {
  return Buffer.from(`${d.createdAt}:${d.deliveryId}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,16}):(msg_[A-Za-z0-9]{1,64})$/.exec(text);
  return match?.[1] && match[2] ? { createdAt: Number(match[1]), id: match[2] } : null;
}

export function isValidCursor(cursor: string): boolean {
  return decodeCursor(cursor) !== null;
}

const count = z.number().int().nonnegative();
const instant = z.number().int();

const attemptRowSchema = z
  .object({
    attempt: count,
    at: z.string(),
    status: z.number().int().nullable(),
    error: z.string().nullable(),
    duration_ms: count,
  })
  .transform((row): DeliveryAttempt => ({
    attempt: row.attempt,
    at: row.at,
    status: row.status,
    error: row.error,
    durationMs: row.duration_ms,
  }));

const deliveryRowSchema = z
  .object({
    delivery_id: z.string(),
    decision_id: z.string(),
    inquiry_id: z.string(),
    sequence: count,
    status: z.enum(['pending', 'delivered', 'failed']),
    body: z.string(),
    attempts: count,
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: instant.nullable(),
    created_at: instant,
    schedule_started_at: instant,
    delivered_at: instant.nullable(),
  })
  .transform((row): Delivery => ({
    deliveryId: row.delivery_id,
    decisionId: row.decision_id,
    inquiryId: row.inquiry_id,
    sequence: row.sequence,
    status: row.status,
    body: row.body,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    scheduleStartedAt: row.schedule_started_at,
    deliveredAt: row.delivered_at,
  }));

function toDelivery(row: Selectable<DeliveryTable>): Delivery {
  return parseRow(deliveryRowSchema, row, `delivery row ${row.delivery_id}`);
}
