import type { Sink } from '../../src/sim/sink.js';
import { waitFor } from '../../scripts/lib/report.js';

/**
 * Waits until the sink holds a verified delivery for every inquiry id, and returns when each first arrived
 * (`receivedAt`, unix ms). Throws, naming how many are missing, after `timeoutMs`.
 */
export async function waitForDeliveries(
  sink: Sink,
  inquiryIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, number>> {
  const wanted = new Set(inquiryIds);
  const received = new Map<string, number>();
  const collect = (): boolean => {
    for (const d of sink.deliveries()) {
      if (d.verified && d.inquiryId !== undefined && wanted.has(d.inquiryId) && !received.has(d.inquiryId)) {
        received.set(d.inquiryId, Date.parse(d.receivedAt));
      }
    }
    return received.size === wanted.size;
  };
  try {
    await waitFor(async () => collect(), timeoutMs, 50);
  } catch {
    throw new Error(`${wanted.size - received.size} of ${wanted.size} decisions not delivered within ${timeoutMs} ms`);
  }
  return received;
}
