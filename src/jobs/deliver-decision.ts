import type { DownstreamClient } from '../downstream/client.js';
import { backoffDelayMs } from '../lib/backoff.js';
import type { Clock, Random } from '../lib/clock.js';
import { type MetricsRecorder, noopRecorder } from '../metrics/recorder.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import type { JobHandler } from './worker.js';

export interface DeliveryRetryPolicy {
  /** Retryable failures (5xx, 408, 429, timeouts, network) are retried this long before dead-lettering. */
  retryForMs: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Other 4xx/3xx are a consumer bug to surface, not to hammer: this many tries, then dead letter. */
  maxClientErrorAttempts: number;
}

/**
 * One delivery attempt per run. The job is queued per inquiry (`deliver:<inquiryId>`), so an inquiry's deliveries
 * go out in sequence order while other inquiries proceed independently. `webhook-id` is the delivery id: the
 * same on every retry, so the consumer can deduplicate.
 */
export function createDeliverDecisionHandler(options: {
  deliveries: DeliveryStore;
  downstream: DownstreamClient;
  clock: Clock;
  random: Random;
  retry: DeliveryRetryPolicy;
  /** Each attempt's result, and decision → delivered (src/metrics). */
  metrics?: Pick<MetricsRecorder, 'deliveryAttempt'>;
}): JobHandler<'deliver_decision'> {
  const { deliveries, downstream, clock, random, retry } = options;
  const metrics = options.metrics ?? noopRecorder;
  return async function deliverDecision({ deliveryId, clientErrors = 0 }, _job, { log, finishWithin }) {
    const delivery = await deliveries.get(deliveryId);
    if (!delivery || delivery.status !== 'pending') return { type: 'done' };
    const deliveryLog = log.child({ deliveryId, inquiryId: delivery.inquiryId, sequence: delivery.sequence });

    const startedAt = clock.now();
    const result = await downstream.send({ webhookId: delivery.deliveryId, body: delivery.body });
    // recorded with the delivery's new state (delivery_attempts: GET /deliveries/:deliveryId/attempts)
    const attempt = {
      attempts: delivery.attempts + 1,
      lastStatus: result.status,
      lastError: result.ok ? null : result.error,
      durationMs: clock.now() - startedAt,
    };
    if (result.ok) {
      await deliveries.markDelivered(deliveryId, attempt, finishWithin);
      // the delivery row is written with its decision (one transaction): its creation is the decision's time
      metrics.deliveryAttempt({
        result: 'delivered',
        httpStatus: result.status,
        decidedAtMs: delivery.createdAt,
        nowMs: clock.now(),
      });
      deliveryLog.info({ status: result.status, attempts: attempt.attempts }, 'decision delivered');
      return { type: 'done', finished: true };
    }

    const now = clock.now();
    // Only answers that blame the request (4xx, 3xx) count toward the client-error limit: earlier timeouts or 5xx
    // of the same delivery do not make one 400 final.
    const clientErrorCount = result.retryable ? clientErrors : clientErrors + 1;
    const exhausted = result.retryable
      ? now - delivery.scheduleStartedAt >= retry.retryForMs
      : clientErrorCount >= retry.maxClientErrorAttempts;
    if (exhausted) {
      await deliveries.markFailed(deliveryId, attempt, finishWithin);
      metrics.deliveryAttempt({ result: 'dead_lettered', httpStatus: result.status, nowMs: now });
      deliveryLog.error(
        { status: result.status, error: result.error, attempts: attempt.attempts },
        'delivery dead-lettered',
      );
      return { type: 'done', finished: true };
    }
    const backoff = backoffDelayMs(attempt.attempts, { minMs: retry.minDelayMs, maxMs: retry.maxDelayMs }, random);
    // Honour Retry-After, within our own ceiling: a consumer cannot park a delivery for a week.
    const delay = Math.min(retry.maxDelayMs, Math.max(backoff, result.retryAfterMs ?? 0));
    await deliveries.markRetrying(deliveryId, attempt, now + delay);
    metrics.deliveryAttempt({ result: 'retrying', httpStatus: result.status, nowMs: now });
    deliveryLog.warn(
      { status: result.status, error: result.error, attempts: attempt.attempts, delayMs: delay },
      'delivery failed; will retry',
    );
    return {
      type: 'reschedule',
      runAt: now + delay,
      error: result.error,
      payload: { deliveryId, clientErrors: clientErrorCount },
    };
  };
}
