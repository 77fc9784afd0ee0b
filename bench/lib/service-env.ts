import { join } from 'node:path';
import type { LogLine } from '../../scripts/lib/service-process.js';
import { LOG_FLUSH_INTERVAL_MS } from '../../src/logger.js';
import { SIM_DEFAULTS } from '../../src/sim/stack.js';

export const API_TOKEN = 'bench-read-token-0123456789abcdef0123456789';

/** The service's environment for a benchmark: SQLite FILE in the run's temp folder, loopback only. */
export function serviceEnv(dir: string, name: string, extra: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`,
    API_TOKENS: API_TOKEN,
    PERSONA_WEBHOOK_SECRET: SIM_DEFAULTS.webhookSecret,
    PERSONA_API_KEY: SIM_DEFAULTS.apiKey,
    // never called when WORKER_CONCURRENCY=0; port 9 (discard) refuses if it ever were
    PERSONA_API_URL: 'http://127.0.0.1:9/api/v1',
    // no reconciliation sweep: its GET /events would take from the simulator's window the burst is measured against
    RECONCILE_INTERVAL_SECONDS: '0',
    ...extra,
    // e.g. BENCH_SERVICE_ENV='PERSONA_RATE_LOW_WATER_PERCENT=0,PERSONA_RATE_RESET_GUARD_MS=0' to compare settings
    ...Object.fromEntries(
      (process.env.BENCH_SERVICE_ENV ?? '')
        .split(',')
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
    ),
  };
}

export interface DecisionView {
  status: string;
  outcome?: string;
  decidedAt?: string;
  personaCalls?: number;
}

/** GET /decisions/:inquiryId; null for 404. */
export async function getDecision(serviceUrl: string, inquiryId: string): Promise<DecisionView | null> {
  const res = await fetch(`${serviceUrl}/decisions/${encodeURIComponent(inquiryId)}`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw new Error(`GET /decisions/${inquiryId} answered ${res.status}`);
  return (await res.json()) as DecisionView;
}

/**
 * The service's log lines so far, read once what it wrote in the last moments is out: the service writes its log
 * in batches at least every LOG_FLUSH_INTERVAL_MS (src/logger.ts), so the last lines can be a batch away.
 */
export async function logsOfRunningService(service: { readLogs(): LogLine[] }): Promise<LogLine[]> {
  await new Promise((resolve) => setTimeout(resolve, 3 * LOG_FLUSH_INTERVAL_MS));
  return service.readLogs();
}
