import { setTimeout as delay } from 'node:timers/promises';
import { parseInquiryId } from './inquiry-ids.js';
import type { SinkDelivery } from './sink.js';

export interface AwaitDeliveriesOptions {
  /** The sink's base URL (the one serving /_sink/deliveries). */
  sinkUrl: string;
  /** How long to wait for every expected delivery. */
  seconds: number;
}

/** One fired inquiry's verdict: the outcomes its scenario delivers, in order, against what the sink verified. */
export interface InquiryDeliveries {
  inquiryId: string;
  scenario: string;
  expected: string[];
  received: string[];
  asExpected: boolean;
}

export interface AwaitDeliveriesResult {
  inquiries: InquiryDeliveries[];
  /** Decisions expected across the inquiries (one per delivering step). */
  expected: number;
  /** Of those, delivered with a verified signature and the expected outcome. */
  delivered: number;
  ok: boolean;
}

/**
 * `persona-sim fire --await-deliveries SINK`: after firing, wait until the sink has received, with a verified
 * Standard Webhooks signature, every decision the fired inquiries' scenarios deliver (a lifecycle scenario one per
 * delivering step, in sequence order), then compare outcomes. Ok only when every inquiry got exactly its expected
 * outcomes. `formatAwaitResult` gives the lines the compose demo (`demo-fire`) prints.
 */
export async function awaitDeliveries(
  inquiryIds: readonly string[],
  options: AwaitDeliveriesOptions,
): Promise<AwaitDeliveriesResult> {
  const wanted = [...new Set(inquiryIds)].map((inquiryId) => {
    const ref = parseInquiryId(inquiryId);
    if (!ref) throw new Error(`${inquiryId} names no simulator scenario`);
    const expected = ref.scenario.steps.filter((step) => step.delivers).map((step) => step.expectedOutcome);
    return { inquiryId, scenario: ref.scenario.key, expected };
  });
  const deadline = Date.now() + options.seconds * 1000;
  let received = new Map<string, string[]>();
  for (;;) {
    try {
      received = outcomesByInquiry(await fetchDeliveries(options.sinkUrl));
    } catch (error) {
      // the sink may be restarting: keep asking until the deadline, then say why
      if (Date.now() >= deadline) throw error;
    }
    const complete = wanted.every((w) => (received.get(w.inquiryId)?.length ?? 0) >= w.expected.length);
    if (complete || Date.now() >= deadline) break;
    await delay(500);
  }
  const inquiries = wanted.map((w) => {
    const got = received.get(w.inquiryId) ?? [];
    return { ...w, received: got, asExpected: JSON.stringify(got) === JSON.stringify(w.expected) };
  });
  const expected = inquiries.reduce((n, i) => n + i.expected.length, 0);
  const delivered = inquiries.reduce((n, i) => n + (i.asExpected ? i.expected.length : 0), 0);
  return { inquiries, expected, delivered, ok: inquiries.every((i) => i.asExpected) };
}

/** One line per inquiry and the summary line; with `json`, each as one JSON object. */
export function formatAwaitResult(result: AwaitDeliveriesResult, json: boolean): string[] {
  const summary = `${result.delivered}/${result.expected} decisions delivered as expected (signatures verified)`;
  if (json) {
    const { inquiries, ...totals } = result;
    return [...inquiries.map((i) => JSON.stringify(i)), JSON.stringify({ ...totals, summary })];
  }
  const lines = result.inquiries.map((i) => {
    const got = i.received.length > 0 ? i.received.join(' → ') : 'nothing';
    const want = i.asExpected ? '' : `  (expected ${i.expected.join(' → ') || 'nothing'})`;
    return `${i.asExpected ? 'ok  ' : 'FAIL'} sink received ${got.padEnd(36)} ${i.inquiryId}  ${i.scenario}${want}`;
  });
  return [...lines, summary];
}

/** Verified deliveries' outcomes per inquiry, in sequence order; a redelivered decision counts once. */
function outcomesByInquiry(deliveries: readonly SinkDelivery[]): Map<string, string[]> {
  const decisions = new Map<string, Map<number, string>>();
  for (const d of deliveries) {
    if (!d.verified || d.inquiryId === undefined || d.outcome === undefined) continue;
    const sequence = (d.body as { data?: { sequence?: unknown } } | null)?.data?.sequence;
    const bySequence = decisions.get(d.inquiryId) ?? new Map<number, string>();
    bySequence.set(typeof sequence === 'number' ? sequence : bySequence.size + 1, d.outcome);
    decisions.set(d.inquiryId, bySequence);
  }
  return new Map(
    [...decisions].map(([id, bySequence]) => [id, [...bySequence].sort(([a], [b]) => a - b).map(([, o]) => o)]),
  );
}

async function fetchDeliveries(sinkUrl: string): Promise<SinkDelivery[]> {
  const response = await fetch(`${sinkUrl}/_sink/deliveries`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${sinkUrl}/_sink/deliveries answered ${response.status}`);
  return (await response.json()) as SinkDelivery[];
}
