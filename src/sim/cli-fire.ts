import { setTimeout as delay } from 'node:timers/promises';
import type { FireOptions } from './cli-args.js';
import type { IncludedAllowlist, WebhookEvent } from './inquiry-event.js';
import { buildInquiryEvent } from './inquiry-event.js';
import { inquiryIdFor } from './inquiry-ids.js';
import { lifecycleEvents } from './lifecycle-events.js';
import type { ScenarioKey } from './scenarios.js';
import { findScenario, isLifecycleScenario } from './scenarios.js';
import type { SendResult, WebhookSender } from './webhook-sender.js';
import { createWebhookSender, mapBounded } from './webhook-sender.js';

/**
 * `persona-sim fire`: `count` new inquiries per scenario, one signed event each (or a pair with --out-of-order);
 * for a lifecycle scenario, every step's event in order, each after moving the simulator to that step.
 */
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
    const found = findScenario(scenario);
    if (found && isLifecycleScenario(found)) return fireLifecycle(options, sender, scenario, inquiryId, print);
    const results = options.outOfOrder
      ? await sender.sendOutOfOrder(...outOfOrderPair(inquiryId, options.included))
      : await sender.sendDuplicates(buildInquiryEvent({ inquiryId, included: options.included }), options.duplicates);
    for (const result of results)
      print(options.json ? JSON.stringify({ scenario, ...result }) : formatResult(scenario, result));
    return results;
  });
  return groups.flat();
}

async function fireLifecycle(
  options: FireOptions,
  sender: WebhookSender,
  scenario: ScenarioKey,
  inquiryId: string,
  print: (line: string) => void,
): Promise<SendResult[]> {
  const all: SendResult[] = [];
  const events = lifecycleEvents(inquiryId);
  for (const { step, event } of events) {
    await setSimulatorStep(options.simUrl, inquiryId, step);
    const results = await sender.sendDuplicates(event, options.duplicates);
    for (const result of results) {
      const line = { scenario, step, event: event.name, ...result };
      print(options.json ? JSON.stringify(line) : `${formatResult(scenario, result)}  step ${step} ${event.name}`);
    }
    all.push(...results);
    if (!results.some((r) => r.acked)) break;
    if (step < events.length - 1 && !(await servedAtStep(options.simUrl, inquiryId, step))) {
      print(`warn ${inquiryId}: the service did not fetch step ${step} within ${STEP_WAIT_MS / 1000} s; moving on`);
    }
  }
  return all;
}

const STEP_WAIT_MS = 60_000;

/**
 * The simulator moves to the next step only once the service has fetched the inquiry for this step's event (one
 * fetch per event: the simulator's count of inquiry requests reaches step + 1): a worker that ran after the next
 * step was set would read that step's state instead. False when that did not happen within STEP_WAIT_MS.
 */
async function servedAtStep(simUrl: string | undefined, inquiryId: string, step: number): Promise<boolean> {
  const deadline = Date.now() + STEP_WAIT_MS;
  while (Date.now() < deadline) {
    const response = await fetch(`${simUrl}/_sim/stats`, { signal: AbortSignal.timeout(5_000) });
    const stats = (await response.json()) as { byInquiry?: Record<string, { inquiry?: number }> };
    if ((stats.byInquiry?.[inquiryId]?.inquiry ?? 0) > step) return true;
    await delay(100);
  }
  return false;
}

/** PUT /_sim/inquiries/:inquiryId/step; anything but 204 stops fire (the events would not match what is served). */
async function setSimulatorStep(simUrl: string | undefined, inquiryId: string, step: number): Promise<void> {
  if (simUrl === undefined) throw new Error('--sim-url is required for scenarios with several steps');
  const url = `${simUrl}/_sim/inquiries/${encodeURIComponent(inquiryId)}/step`;
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ step }),
    signal: AbortSignal.timeout(5_000),
  });
  await response.arrayBuffer();
  if (response.status !== 204) throw new Error(`PUT ${url} answered ${response.status}, not 204`);
}

/** Two events for one inquiry a minute apart; the sender posts the newer one first. */
function outOfOrderPair(inquiryId: string, included: IncludedAllowlist): [WebhookEvent, WebhookEvent] {
  const now = Date.now();
  const older = buildInquiryEvent({ inquiryId, included, createdAt: new Date(now - 60_000).toISOString() });
  const newer = buildInquiryEvent({ inquiryId, included, createdAt: new Date(now).toISOString() });
  return [older, newer];
}

function formatResult(scenario: ScenarioKey, result: SendResult): string {
  const status = result.status === null ? `ERR ${result.error ?? ''}`.trim() : String(result.status);
  const attempts = result.attempts > 1 ? ` after ${result.attempts} attempts` : '';
  return `${status.padEnd(4)} ${result.inquiryId}  ${result.eventId}  ${scenario}${attempts}`;
}
