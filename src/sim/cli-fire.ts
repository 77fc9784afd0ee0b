import type { FireOptions } from './cli-args.js';
import { buildInquiryEvent } from './inquiry-event.js';
import { inquiryIdFor } from './inquiry-ids.js';
import type { ScenarioKey } from './scenarios.js';
import type { SendResult } from './webhook-sender.js';
import { createWebhookSender, mapBounded } from './webhook-sender.js';

/** `persona-sim fire`: `count` new inquiries per scenario, one signed `inquiry.completed` each (or a pair). */
export async function fire(options: FireOptions, print: (line: string) => void): Promise<SendResult[]> {
  const sender = createWebhookSender({
    url: options.target,
    secrets: options.secrets,
    ...(options.retry ? { retryUntilAcked: {} } : {}),
  });
  const inquiries = options.scenarios.flatMap((scenario) =>
    Array.from({ length: options.count }, () => ({ scenario, inquiryId: inquiryIdFor(scenario) })),
  );
  const groups = await mapBounded(inquiries, options.concurrency, async ({ scenario, inquiryId }) => {
    const results = options.outOfOrder
      ? await sender.sendOutOfOrder(...outOfOrderPair(inquiryId))
      : await sender.sendDuplicates(buildInquiryEvent({ inquiryId }), options.duplicates);
    for (const result of results)
      print(options.json ? JSON.stringify({ scenario, ...result }) : formatResult(scenario, result));
    return results;
  });
  return groups.flat();
}

/** Two events for one inquiry a minute apart; the sender posts the newer one first. */
function outOfOrderPair(
  inquiryId: string,
): [ReturnType<typeof buildInquiryEvent>, ReturnType<typeof buildInquiryEvent>] {
  const now = Date.now();
  const older = buildInquiryEvent({ inquiryId, createdAt: new Date(now - 60_000).toISOString() });
  const newer = buildInquiryEvent({ inquiryId, createdAt: new Date(now).toISOString() });
  return [older, newer];
}

function formatResult(scenario: ScenarioKey, result: SendResult): string {
  const status = result.status === null ? `ERR ${result.error ?? ''}`.trim() : String(result.status);
  const attempts = result.attempts > 1 ? ` after ${result.attempts} attempts` : '';
  return `${status.padEnd(4)} ${result.inquiryId}  ${result.eventId}  ${scenario}${attempts}`;
}
