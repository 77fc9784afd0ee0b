import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, DeliveryTable } from './database.js';
import type { DecisionRecord } from './decision-store.js';
import type { JobQueue } from './job-queue.js';

export const DELIVER_DECISION = 'deliver_decision';

export interface DeliverDecisionPayload {
  deliveryId: string;
  /** 4xx/3xx answers so far in this schedule (the delivery job keeps the count between attempts). */
  clientErrors?: number;
}

export type DeliveryBody = (decision: DecisionRecord, deliveryId: string) => string;

/**
 * The transactional outbox: a pending delivery row and its job, written with the caller's transaction so a
 * decision is never stored without its delivery (nor delivered without being stored). The delivery id is the
 * Standard Webhooks `webhook-id`; deliveries of one inquiry share a job queue, so they go out in order.
 */
export async function addToOutbox(
  trx: Kysely<Database>,
  queue: JobQueue,
  decision: DecisionRecord,
  body: DeliveryBody,
  now: number,
): Promise<DeliveryTable> {
  const deliveryId = `msg_${randomUUID().replaceAll('-', '')}`;
  const row: DeliveryTable = {
    delivery_id: deliveryId,
    decision_id: decision.decisionId,
    inquiry_id: decision.inquiryId,
    sequence: decision.sequence,
    status: 'pending',
    body: body(decision, deliveryId),
    attempts: 0,
    last_status: null,
    last_error: null,
    next_attempt_at: now,
    created_at: now,
    schedule_started_at: now,
    delivered_at: null,
  };
  await trx.insertInto('deliveries').values(row).execute();
  const payload: DeliverDecisionPayload = { deliveryId };
  await queue.enqueue({ kind: DELIVER_DECISION, key: `deliver:${deliveryId}`, queue: `deliver:${decision.inquiryId}`, payload, runAt: now }, trx);
  return row;
}
