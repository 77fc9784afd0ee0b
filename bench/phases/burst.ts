import { join } from 'node:path';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { startSimulatorStack } from '../../src/sim/stack.js';
import { type LogLine, type ServiceProcess, startService } from '../../scripts/lib/service-process.js';
import { waitForDeliveries } from '../lib/deliveries.js';
import { serviceDiagnostics } from '../lib/diagnostics.js';
import { loadAverage } from '../lib/machine.js';
import type { BenchOptions } from '../lib/options.js';
import { measurePersonaRtt } from '../lib/persona-rtt.js';
import { getDecision, logsOfRunningService, serviceEnv } from '../lib/service-env.js';
import { median } from '../lib/stats.js';

/** Persona's 300 requests per 60 s, scaled down in time by 10. */
export const BURST_LIMIT = { limit: 30, windowMs: 6_000 };
const WORKER_CONCURRENCY = 4;

export interface BurstResult {
  inquiries: number;
  /** All webhooks acknowledged, from the first send. */
  ingestMs: number;
  /** First webhook sent → last decision stored (its decidedAt). */
  wallMs: number;
  /** First webhook sent → last decision received by the sink. */
  lastDeliveryMs: number;
  theoretical: { ms: number; windows: number; lastWindowCalls: number; rttMs: number };
  personaCalls: number;
  rateLimited: number;
  /** Reconstructed from the service's per-call log lines: when each simulator window opened, ms from the first call. */
  windowStarts: number[];
  /** Median time from a window's end to the first call of the next: what the client-side budget waits past the reset. */
  medianResetWaitMs: number;
  rssKb: number | null;
  load: string;
}

export async function runBurst(options: BenchOptions, dir: string, log: (line: string) => void): Promise<BurstResult> {
  const stack = await startSimulatorStack({ rateLimit: BURST_LIMIT });
  let service: ServiceProcess | null = null;
  try {
    const rttMs = await measurePersonaRtt(stack);
    const diagnostics = serviceDiagnostics(options, 'burst');
    service = await startService({
      execArgv: diagnostics.execArgv,
      // debug: one 'persona response' line per call, to see when each rate-limit window opened
      env: serviceEnv(dir, 'burst', {
        ...stack.env,
        WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
        LOG_LEVEL: 'debug',
        ...diagnostics.env,
      }),
      cwd: dir,
      logFile: join(dir, 'burst.log'),
    });
    const sender = stack.createSender(`${service.url}/webhooks/persona`);
    const ids = Array.from({ length: options.burstCount }, (_, i) => inquiryIdFor('all-passed', `burst${i}`));
    const theoretical = theoreticalMinimum(ids.length, rttMs);
    log(
      `burst: ${ids.length} all-passed inquiries, simulator limited to ${BURST_LIMIT.limit} per ${BURST_LIMIT.windowMs / 1000} s (minimum ≈ ${(theoretical.ms / 1000).toFixed(1)} s)`,
    );
    const load = loadAverage();
    const t0 = Date.now();
    const results = await sender.sendBurst(
      ids.map((inquiryId) => buildInquiryEvent({ inquiryId })),
      { concurrency: 16 },
    );
    const ingestMs = Date.now() - t0;
    const unacked = results.filter((r) => !r.acked).length;
    if (unacked > 0) throw new Error(`${unacked} burst webhooks not acknowledged`);
    const received = await waitForDeliveries(stack.sink, ids, theoretical.ms * 3 + 30_000);
    let lastDecidedAt = 0;
    for (const id of ids)
      lastDecidedAt = Math.max(lastDecidedAt, Date.parse((await getDecision(service.url, id))?.decidedAt ?? ''));
    const stats = stack.persona.stats().totals;
    const calls = callTimes(await logsOfRunningService(service));
    const windows = windowStarts(calls);
    return {
      inquiries: ids.length,
      ingestMs,
      wallMs: lastDecidedAt - t0,
      lastDeliveryMs: Math.max(...received.values()) - t0,
      theoretical,
      personaCalls: stats.requests,
      rateLimited: stats.rateLimited,
      windowStarts: windows.map((w) => w - (calls[0] ?? 0)),
      medianResetWaitMs: median(windows.slice(1).map((start, i) => start - ((windows[i] ?? 0) + BURST_LIMIT.windowMs))),
      rssKb: service.peakRssKb(),
      load,
    };
  } finally {
    await service?.stop();
    await stack.close();
  }
}

/**
 * The simulator's window opens at the first request and admits `limit` requests; the next window opens at the
 * first request after it ended. So with one call per decision, call k (1-based) can go out no earlier than
 * floor((k-1)/limit) windows after the first: the last window opens after (ceil(calls/limit) - 1) full windows,
 * and its calls then take ceil(lastWindowCalls / concurrency) round trips.
 */
function theoreticalMinimum(calls: number, rttMs: number): BurstResult['theoretical'] {
  const windows = Math.ceil(calls / BURST_LIMIT.limit);
  const lastWindowCalls = calls - (windows - 1) * BURST_LIMIT.limit;
  const ms = (windows - 1) * BURST_LIMIT.windowMs + Math.ceil(lastWindowCalls / WORKER_CONCURRENCY) * rttMs;
  return { ms, windows, lastWindowCalls, rttMs };
}

/** Unix ms of every Persona response the service logged (debug level), in order. */
function callTimes(logs: LogLine[]): number[] {
  return logs
    .filter((l) => l.msg === 'persona response' && typeof l.time === 'string')
    .map((l) => Date.parse(l.time as string))
    .sort((a, b) => a - b);
}

/** Window openings as the simulator's fixed window sees them (a response time stands in for its request). */
function windowStarts(calls: number[]): number[] {
  const starts: number[] = [];
  for (const t of calls) {
    const current = starts[starts.length - 1];
    if (current === undefined || t >= current + BURST_LIMIT.windowMs) starts.push(t);
  }
  return starts;
}
