import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor, parseInquiryId } from '../../src/sim/inquiry-ids.js';
import { isLifecycleScenario, listScenarios } from '../../src/sim/scenarios.js';
import { type SimulatorStack, startSimulatorStack } from '../../src/sim/stack.js';
import type { WebhookSender } from '../../src/sim/webhook-sender.js';
import { type LogLine, type ServiceProcess, startService } from '../../scripts/lib/service-process.js';
import { waitForDeliveries } from '../lib/deliveries.js';
import { serviceDiagnostics } from '../lib/diagnostics.js';
import { loadAverage } from '../lib/machine.js';
import type { BenchOptions } from '../lib/options.js';
import { measurePersonaRtt } from '../lib/persona-rtt.js';
import { getDecision, logsOfRunningService, serviceEnv } from '../lib/service-env.js';
import { median, percentile } from '../lib/stats.js';

export const SIM_LATENCY_MS = 50;

export interface LatencyResult {
  personaRttMs: number;
  count: number;
  ratePerSecond: number;
  /** Webhook sent → decision received by the sink, ms. */
  p50: number;
  p90: number;
  max: number;
  /** Medians of the phases: send and ack from this process, accepted/decided from the service's log timestamps (ms). */
  phases: { sendToAck: number; ackToDecided: number; decidedToSink: number };
  calls: CallsResult;
  rssKb: number | null;
  load: string;
}

export interface CallsResult {
  /** Settled inquiries (the latency run's all-passed, plus one of every other settled scenario). */
  settled: { decisions: number; calls: number; wrongOutcomes: string[] };
  /** The same settled scenarios again, each webhook carrying its evidence (`payload.included`: all). */
  included: { decisions: number; calls: number; wrongOutcomes: string[] };
  /** settles-after-polls: simulator-counted calls per inquiry, and what the service itself recorded. */
  polls: {
    decisions: number;
    callsPerInquiry: number[];
    serviceCounted: number[];
    kinds: string;
    wrongOutcomes: string[];
  };
}

const POLL_ENV = { VERIFICATION_POLL_MIN_DELAY_MS: '100', VERIFICATION_POLL_MAX_DELAY_MS: '400' };

export async function runLatency(
  options: BenchOptions,
  dir: string,
  log: (line: string) => void,
): Promise<LatencyResult> {
  // no rate limit to speak of: this phase measures latency, the burst phase measures the limit
  const stack = await startSimulatorStack({
    latencyMs: SIM_LATENCY_MS,
    rateLimit: { limit: 1_000_000, windowMs: 60_000 },
  });
  let service: ServiceProcess | null = null;
  try {
    const personaRttMs = await measurePersonaRtt(stack);
    log(`latency: Persona round trip (simulator +${SIM_LATENCY_MS} ms) ${personaRttMs.toFixed(1)} ms`);
    const diagnostics = serviceDiagnostics(options, 'latency');
    service = await startService({
      execArgv: diagnostics.execArgv,
      env: serviceEnv(dir, 'latency', { ...stack.env, ...POLL_ENV, ...diagnostics.env }),
      cwd: dir,
      logFile: join(dir, 'latency.log'),
    });
    const sender = stack.createSender(`${service.url}/webhooks/persona`);
    await warmUp(stack, sender);
    const load = loadAverage();
    log(`latency: ${options.latencyCount} all-passed webhooks at ${options.latencyRate}/s`);
    const sent = await sendSteadily(sender, options.latencyCount, options.latencyRate);
    const received = await waitForDeliveries(stack.sink, [...sent.keys()], 30_000);
    const totals = [...sent].map(([id, s]) => (received.get(id) ?? Number.NaN) - s.sentAt);
    const phases = phaseMedians(await logsOfRunningService(service), sent, received);
    const calls = await measureCalls(stack, sender, service.url, [...sent.keys()], options.pollCount, log);
    return {
      personaRttMs,
      count: sent.size,
      ratePerSecond: options.latencyRate,
      p50: percentile(totals, 50),
      p90: percentile(totals, 90),
      max: Math.max(...totals),
      phases,
      calls,
      rssKb: service.peakRssKb(),
      load,
    };
  } finally {
    await service?.stop();
    await stack.close();
  }
}

/** A few decisions first (JIT, connection pools), then a clean slate for the counters. */
async function warmUp(stack: SimulatorStack, sender: WebhookSender): Promise<void> {
  const ids = [0, 1, 2].map((i) => inquiryIdFor('all-passed', `warm${i}`));
  for (const id of ids) await sender.send(buildInquiryEvent({ inquiryId: id }));
  await waitForDeliveries(stack.sink, ids, 15_000);
  stack.sink.reset();
  stack.persona.reset();
}

interface Sent {
  sentAt: number;
  ackAt: number;
}

async function sendSteadily(sender: WebhookSender, count: number, ratePerSecond: number): Promise<Map<string, Sent>> {
  const sent = new Map<string, Sent>();
  const start = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const due = start + (i * 1000) / ratePerSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    const inquiryId = inquiryIdFor('all-passed', `lat${i}`);
    const event = buildInquiryEvent({ inquiryId });
    const sentAt = Date.now();
    inFlight.push(
      sender.send(event).then((result) => {
        if (!result.acked)
          throw new Error(`webhook for ${inquiryId} not acknowledged (${result.status ?? result.error})`);
        sent.set(inquiryId, { sentAt, ackAt: Date.now() });
      }),
    );
  }
  await Promise.all(inFlight);
  return sent;
}

function phaseMedians(
  logs: LogLine[],
  sent: Map<string, Sent>,
  received: Map<string, number>,
): LatencyResult['phases'] {
  const at = (msg: string): Map<string, number> => {
    const times = new Map<string, number>();
    for (const line of logs) {
      if (
        line.msg === msg &&
        typeof line.inquiryId === 'string' &&
        typeof line.time === 'string' &&
        !times.has(line.inquiryId)
      ) {
        times.set(line.inquiryId, Date.parse(line.time));
      }
    }
    return times;
  };
  const accepted = at('webhook accepted');
  const decided = at('inquiry decided');
  const ids = [...sent.keys()];
  const diff = (a: Map<string, number>, b: Map<string, number>): number =>
    median(ids.map((id) => (b.get(id) ?? Number.NaN) - (a.get(id) ?? Number.NaN)).filter(Number.isFinite));
  const sentAt = new Map(ids.map((id) => [id, sent.get(id)?.sentAt ?? Number.NaN]));
  const ackAt = new Map(ids.map((id) => [id, sent.get(id)?.ackAt ?? Number.NaN]));
  return {
    sendToAck: diff(sentAt, ackAt),
    ackToDecided: diff(accepted, decided),
    decidedToSink: diff(decided, received),
  };
}

async function measureCalls(
  stack: SimulatorStack,
  sender: WebhookSender,
  serviceUrl: string,
  latencyIds: string[],
  pollCount: number,
  log: (line: string) => void,
): Promise<CallsResult> {
  // one webhook each: lifecycle stories take several, and a scenario that assumes a policy needs it
  const others = listScenarios().filter(
    (s) =>
      s.key !== 'all-passed' &&
      s.key !== 'settles-after-polls' &&
      s.key !== 'never-settles' &&
      !isLifecycleScenario(s) &&
      s.policy === undefined,
  );
  const settledIds = [...latencyIds, ...others.map((s) => inquiryIdFor(s.key, 'calls0'))];
  const pollIds = Array.from({ length: pollCount }, (_, i) => inquiryIdFor('settles-after-polls', `poll${i}`));
  // the settled scenarios once more, their webhooks carrying every verification and report: zero calls expected
  const includedIds = [inquiryIdFor('all-passed', 'incl0'), ...others.map((s) => inquiryIdFor(s.key, 'incl0'))];
  log(
    `calls: ${others.length} other settled scenarios, ${pollCount} settles-after-polls inquiries, and ${includedIds.length} settled ones whose webhook carries the evidence`,
  );
  await Promise.all([
    ...[...settledIds.slice(latencyIds.length), ...pollIds].map((id) =>
      sender.send(buildInquiryEvent({ inquiryId: id })),
    ),
    ...includedIds.map((id) => sender.send(buildInquiryEvent({ inquiryId: id, included: 'all' }))),
  ]);
  await waitForDeliveries(stack.sink, [...settledIds, ...pollIds, ...includedIds], 30_000);
  const stats = stack.persona.stats().byInquiry;
  const callsOf = (id: string): number => stats[id]?.requests ?? 0;
  const wrong = async (ids: string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const id of ids) {
      const decision = await getDecision(serviceUrl, id);
      const expected = parseInquiryId(id)?.scenario.expectedOutcome;
      if (decision?.outcome !== expected)
        out.push(`${id}: ${decision?.outcome ?? 'none'} (expected ${expected ?? '?'})`);
    }
    return out;
  };
  const serviceCounted: number[] = [];
  for (const id of pollIds) serviceCounted.push((await getDecision(serviceUrl, id))?.personaCalls ?? Number.NaN);
  const kinds = pollIds.map((id) => `${stats[id]?.inquiry ?? 0}+${stats[id]?.verification ?? 0}`);
  return {
    settled: {
      decisions: settledIds.length,
      calls: settledIds.reduce((sum, id) => sum + callsOf(id), 0),
      wrongOutcomes: await wrong(settledIds),
    },
    included: {
      decisions: includedIds.length,
      calls: includedIds.reduce((sum, id) => sum + callsOf(id), 0),
      wrongOutcomes: await wrong(includedIds),
    },
    polls: {
      decisions: pollIds.length,
      callsPerInquiry: pollIds.map(callsOf),
      serviceCounted,
      kinds: [...new Set(kinds)].join(', '),
      wrongOutcomes: await wrong(pollIds),
    },
  };
}
