import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { deliverDecisionJob } from '../job-kinds.js';
import type { Database, DeliveryTable } from './database.js';
import type { DecisionRecord } from './decision-record.js';
import type { Job, JobClaim, JobQueue } from './job-queue.js';

/** Builds the body delivered downstream for a decision (downstream/payload.ts makes the real one). */
export type DeliveryBody = (decision: DecisionRecord, deliveryId: string) => string;

export interface Outbox {
  /**
   * Writes a pending delivery of `decision` and its job with the caller's transaction. With `claim`, the job is
   * written already claimed by that worker when it can be (JobQueue.enqueueClaimed), and returned as `claimed`.
   */
  add(trx: Kysely<Database>, decision: DecisionRecord, now: number, claim?: JobClaim): Promise<OutboxEntry>;
}

export interface OutboxEntry {
  delivery: DeliveryTable;
  /** The delivery's job, claimed for the worker that asked: it runs it once the transaction commits. */
  claimed: Job | null;
}

/**
 * The transactional outbox: a pending delivery row and its job, written with the caller's transaction so a
 * decision is never stored without its delivery (nor delivered without being stored). The delivery id is the
 * Standard Webhooks `webhook-id`; deliveries of one inquiry share a job queue, so they go out in order.
 * Built once, with the body builder, only when decisions are delivered downstream (DOWNSTREAM_URL).
 */
export function createOutbox(options: { queue: JobQueue; deliveryBody: DeliveryBody }): Outbox {
  const { queue, deliveryBody } = options;
  return {
    async add(trx, decision, now, claim) {
      const deliveryId = `msg_${randomUUID().replaceAll('-', '')}`;
      const row: DeliveryTable = {
        delivery_id: deliveryId,
        decision_id: decision.decisionId,
        inquiry_id: decision.inquiryId,
        sequence: decision.sequence,
        status: 'pending',
        body: deliveryBody(decision, deliveryId),
        attempts: 0,
        last_status: null,
        last_error: null,
        next_attempt_at: now,
        created_at: now,
        schedule_started_at: now,
        delivered_at: null,
      };
      await trx.insertInto('deliveries').values(row).execute();
      const job = deliverDecisionJob({ deliveryId, inquiryId: decision.inquiryId, now });
      const claimed = claim ? await queue.enqueueClaimed(job, claim, trx) : null;
      if (!claimed) await queue.enqueue(job, trx);
      return { delivery: row, claimed };
    },
  };
}
