import type { Delivery } from '../store/delivery-store.js';

/** A downstream delivery as the operations API shows it (its body is not shown: GET /decisions has the decision). */
export function toDeliveryView(d: Delivery) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    deliveryId: d.deliveryId,
    // the `webhook-id` header of every attempt: the consumer's idempotency key
    webhookId: d.deliveryId,
    decisionId: d.decisionId,
    inquiryId: d.inquiryId,
    sequence: d.sequence,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    createdAt: new Date(d.createdAt).toISOString(),
    deliveredAt: iso(d.deliveredAt),
  };
}
