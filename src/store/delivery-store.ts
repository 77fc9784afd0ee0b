import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../lib/clock.js';
import type { Database, Db, DeliveryTable } from './database.js';
import type { DecisionRecord } from './decision-store.js';
import { addToOutbox, DELIVER_DECISION, type DeliverDecisionPayload, type DeliveryBody } from './outbox.js';
import type { JobQueue } from './job-queue.js';

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
}

export interface DeliveryPage {
  items: Delivery[];
  nextCursor: string | null;
}

export interface DeliveryStore {
  get(deliveryId: string): Promise<Delivery | null>;
  list(query: { status?: DeliveryStatus; limit: number; cursor?: string }): Promise<DeliveryPage>;
  /** `within` runs in the same transaction (the worker ends the delivery job there). */
  markDelivered(deliveryId: string, attempt: AttemptRecord, within?: (trx: Kysely<Database>) => Promise<void>): Promise<void>;
  markRetrying(deliveryId: string, attempt: AttemptRecord, nextAttemptAt: number): Promise<void>;
  /** Dead letter: the schedule is exhausted. The row stays, queryable and replayable. */
  markFailed(deliveryId: string, attempt: AttemptRecord, within?: (trx: Kysely<Database>) => Promise<void>): Promise<void>;
  /** Re-queues a failed or pending delivery now, with a fresh retry schedule. */
  retryNow(deliveryId: string): Promise<'requeued' | 'not_found' | 'already_delivered'>;
  /** Queues the decision again under a new webhook-id. */
  redeliver(decision: DecisionRecord, body: DeliveryBody): Promise<Delivery>;
}

export function createDeliveryStore(options: { db: Db; queue: JobQueue; clock: Clock }): DeliveryStore {
  const { db, queue, clock } = options;
  const update = async (deliveryId: string, values: Partial<Selectable<DeliveryTable>>, within?: (trx: Kysely<Database>) => Promise<void>) => {
    if (!within) {
      await db.updateTable('deliveries').set(values).where('delivery_id', '=', deliveryId).execute();
      return;
    }
    await db.transaction().execute(async (trx) => {
      await within(trx);
      await trx.updateTable('deliveries').set(values).where('delivery_id', '=', deliveryId).execute();
    });
  };
  const attemptColumns = (a: AttemptRecord) => ({ attempts: a.attempts, last_status: a.lastStatus, last_error: a.lastError });

  const store: DeliveryStore = {
    async get(deliveryId) {
      const row = await db.selectFrom('deliveries').selectAll().where('delivery_id', '=', deliveryId).executeTakeFirst();
      return row ? toDelivery(row) : null;
    },

    async list({ status, limit, cursor }) {
      let query = db.selectFrom('deliveries').selectAll().orderBy('created_at', 'desc').orderBy('delivery_id', 'desc').limit(limit + 1);
      if (status) query = query.where('status', '=', status);
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (after) {
        query = query.where((eb) =>
          eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('delivery_id', '<', after.id)])]),
        );
      }
      const rows = (await query.execute()).map(toDelivery);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },

    markDelivered: (deliveryId, attempt, within) =>
      update(deliveryId, { ...attemptColumns(attempt), status: 'delivered', delivered_at: clock.now(), next_attempt_at: null }, within),

    markRetrying: (deliveryId, attempt, nextAttemptAt) =>
      update(deliveryId, { ...attemptColumns(attempt), status: 'pending', next_attempt_at: nextAttemptAt }),

    markFailed: (deliveryId, attempt, within) =>
      update(deliveryId, { ...attemptColumns(attempt), status: 'failed', next_attempt_at: null }, within),

    retryNow: (deliveryId) =>
      db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('deliveries').select(['status', 'inquiry_id']).where('delivery_id', '=', deliveryId).executeTakeFirst();
        if (!row) return 'not_found';
        if (row.status === 'delivered') return 'already_delivered';
        const now = clock.now();
        await trx
          .updateTable('deliveries')
          .set({ status: 'pending', attempts: 0, next_attempt_at: now, schedule_started_at: now })
          .where('delivery_id', '=', deliveryId)
          .execute();
        const key = `deliver:${deliveryId}`;
        const payload: DeliverDecisionPayload = { deliveryId };
        const added = await queue.enqueue({ kind: DELIVER_DECISION, key, queue: `deliver:${row.inquiry_id}`, payload, runAt: now }, trx);
        if (!added) {
          await trx.updateTable('jobs').set({ run_at: now }).where('key', '=', key).execute();
          await queue.notifyWorkers(trx);
        }
        return 'requeued';
      }),

    redeliver: (decision, body) =>
      db.transaction().execute(async (trx) => toDelivery(await addToOutbox(trx, queue, decision, body, clock.now()))),
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

function toDelivery(row: Selectable<DeliveryTable>): Delivery {
  return {
    deliveryId: row.delivery_id,
    decisionId: row.decision_id,
    inquiryId: row.inquiry_id,
    sequence: Number(row.sequence),
    status: row.status,
    body: row.body,
    attempts: Number(row.attempts),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
    createdAt: Number(row.created_at),
    scheduleStartedAt: Number(row.schedule_started_at),
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
  };
}
