import { z } from 'zod';
import type { Delivery, DeliveryStatus } from '../store/delivery-store.js';

export const deliveryStatusSchema = z.enum(['pending', 'failed', 'delivered']) satisfies z.ZodType<DeliveryStatus>;

/** A downstream delivery as the operations API shows it (its body is not shown: GET /decisions has the decision). */
export const deliveryViewSchema = z.object({
  deliveryId: z.string(),
  /** The `webhook-id` header of every attempt: the consumer's idempotency key. */
  webhookId: z.string(),
  decisionId: z.string(),
  inquiryId: z.string(),
  sequence: z.number().int(),
  status: deliveryStatusSchema,
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

export function toDeliveryView(d: Delivery): DeliveryView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    deliveryId: d.deliveryId,
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
