import { afterEach, describe, expect, it } from 'vitest';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { type SimulatorStack, startSimulatorStack } from '../../src/sim/stack.js';
import { type ServiceProcess, startService } from '../../scripts/lib/service-process.js';
import { pollUntil } from '../helpers/events.js';
import {
  createTempPostgresDatabase,
  POSTGRES_SKIP_REASON,
  postgresTestUrl,
  type TempDatabase,
} from '../helpers/postgres.js';
import { E2E_TIMEOUT_MS } from './harness.js';

const TOKEN = 'replica-token-0123456789abcdef0123456789';
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  cleanup = [];
});

async function replica(stack: SimulatorStack, db: TempDatabase): Promise<ServiceProcess> {
  const service = await startService({
    env: {
      ...stack.env,
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      JOB_LEASE_SECONDS: '3',
      DOWNSTREAM_RETRY_MIN_DELAY_MS: '100',
      DOWNSTREAM_RETRY_MAX_DELAY_SECONDS: '1',
    },
    readyTimeoutMs: E2E_TIMEOUT_MS,
  });
  cleanup.push(() => service.stop().then(() => undefined));
  return service;
}

describe.skipIf(!postgresTestUrl)(
  `two replicas on one PostgreSQL${postgresTestUrl ? '' : ` (skipped: ${POSTGRES_SKIP_REASON})`}`,
  { timeout: E2E_TIMEOUT_MS },
  () => {
    it('decides and delivers each inquiry once, shares the Persona budget, and loses nothing when a replica is killed', async () => {
      const db = await createTempPostgresDatabase(postgresTestUrl as string);
      cleanup.push(() => db.drop());
      // Persona's 300/min scaled down: 20 requests per 2 s, shared by both replicas
      const stack = await startSimulatorStack({ rateLimit: { limit: 20, windowMs: 2_000 }, latencyMs: 10 });
      cleanup.push(() => stack.close());
      const a = await replica(stack, db);
      const b = await replica(stack, db);

      const events = Array.from({ length: 60 }, () => buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') }));
      // an attempt waits for the answer as long as the test may run; A is sent every event until it acknowledges it
      const toA = stack.createSender(`${a.url}/webhooks/persona`, {
        timeoutMs: E2E_TIMEOUT_MS,
        retryUntilAcked: { maxAttempts: Number.POSITIVE_INFINITY, delayMs: 50 },
      });
      const toB = stack.createSender(`${b.url}/webhooks/persona`, {
        timeoutMs: E2E_TIMEOUT_MS,
        retryUntilAcked: { maxAttempts: 1 },
      });
      // every event goes to one replica and a duplicate to the other, as a load balancer would spread Persona's retries
      const viaB = toB.sendBurst(
        events.filter((_, i) => i % 2 === 0),
        { concurrency: 2 },
      );
      const viaA = toA.sendBurst(events, { concurrency: 2 });
      await b.untilLogs((l) => l.msg === 'inquiry decided', 3);
      await b.kill(); // mid-burst: B's acknowledged events and claimed jobs must be finished by A
      const [resultsA, resultsB] = await Promise.all([viaA, viaB]);
      expect(resultsA.every((r) => r.acked)).toBe(true);
      const ackedOnlyByB = resultsB.filter((r) => r.acked).length;
      expect(ackedOnlyByB).toBeGreaterThan(0);

      const decisions = new Map<string, { outcome: string; sequence: number }>();
      await pollUntil(async () => {
        for (const e of events) {
          if (decisions.has(e.inquiryId)) continue;
          const res = await fetch(`${a.url}/decisions/${e.inquiryId}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          const body = (await res.json()) as { status: string; outcome: string; sequence: number };
          if (body.status === 'decided') decisions.set(e.inquiryId, body);
        }
        const delivered = new Set(
          stack.sink
            .deliveries()
            .filter((d) => d.verified && d.status < 300)
            .map((d) => d.inquiryId),
        );
        return decisions.size === events.length && events.every((e) => delivered.has(e.inquiryId));
      });

      for (const d of decisions.values()) expect(d).toMatchObject({ outcome: 'approved', sequence: 1 });
      const webhookIds = new Map<string, Set<string | null>>();
      for (const d of stack.sink.deliveries().filter((x) => x.verified)) {
        webhookIds.set(d.inquiryId as string, (webhookIds.get(d.inquiryId as string) ?? new Set()).add(d.webhookId));
      }
      for (const e of events) expect(webhookIds.get(e.inquiryId)?.size).toBe(1);
      const totals = stack.persona.stats().totals;
      expect(totals.rateLimited).toBe(0);
      expect(totals.inquiry).toBeGreaterThanOrEqual(events.length);
    });
  },
);
