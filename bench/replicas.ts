/**
 * npm run bench:replicas — one replica versus two on one PostgreSQL (issue "Scale out on PostgreSQL").
 * Needs DATABASE_URL_BENCH (a role that may CREATE DATABASE), e.g. from scripts/pg-test-cluster.sh up "$(mktemp -d)".
 * Each run gets a fresh database. Prints a markdown table; figures, not assertions.
 */
import { buildInquiryEvent } from '../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../src/sim/inquiry-ids.js';
import { startSimulatorStack } from '../src/sim/stack.js';
import { formatTable } from '../scripts/lib/report.js';
import { type ServiceProcess, startService } from '../scripts/lib/service-process.js';
import { createTempPostgresDatabase } from '../test/helpers/postgres.js';
import { waitForDeliveries } from './lib/deliveries.js';
import { loadAverage } from './lib/machine.js';
import { API_TOKEN } from './lib/service-env.js';

interface Run {
  label: string;
  replicas: number;
  rateLimit: { limit: number; windowMs: number };
  inquiries: number;
}

const adminUrl = process.env.DATABASE_URL_BENCH ?? process.env.DATABASE_URL_TEST;
if (!adminUrl) {
  console.error('set DATABASE_URL_BENCH (scripts/pg-test-cluster.sh up "$(mktemp -d)" prints one)');
  process.exit(2);
}

const only = process.env.BENCH_ONLY; // e.g. "unlimited"
const allRuns: Run[] = [
  {
    label: 'unlimited Persona (50 ms per call)',
    replicas: 1,
    rateLimit: { limit: 100_000, windowMs: 60_000 },
    inquiries: 400,
  },
  {
    label: 'unlimited Persona (50 ms per call)',
    replicas: 2,
    rateLimit: { limit: 100_000, windowMs: 60_000 },
    inquiries: 400,
  },
  { label: 'Persona limited to 30 per 6 s', replicas: 1, rateLimit: { limit: 30, windowMs: 6_000 }, inquiries: 90 },
  { label: 'Persona limited to 30 per 6 s', replicas: 2, rateLimit: { limit: 30, windowMs: 6_000 }, inquiries: 90 },
];
const runs = only ? allRuns.filter((r) => r.label.includes(only)) : allRuns;

async function measure(run: Run): Promise<string[]> {
  const db = await createTempPostgresDatabase(adminUrl as string);
  const stack = await startSimulatorStack({ rateLimit: run.rateLimit, latencyMs: 50 });
  const services: ServiceProcess[] = [];
  try {
    for (let i = 0; i < run.replicas; i++) {
      const env = {
        ...stack.env,
        DATABASE_URL: db.url,
        API_TOKENS: API_TOKEN,
        WORKER_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY ?? '4',
      };
      services.push(await startService({ env }));
    }
    const senders = services.map((s) => stack.createSender(`${s.url}/webhooks/persona`));
    const ids = Array.from({ length: run.inquiries }, () => inquiryIdFor('all-passed'));
    const load = loadAverage();
    const t0 = Date.now();
    // a load balancer in front: webhooks spread round-robin over the replicas
    await Promise.all(
      senders.map((sender, r) =>
        sender.sendBurst(
          ids.filter((_, i) => i % senders.length === r).map((inquiryId) => buildInquiryEvent({ inquiryId })),
          { concurrency: 8 },
        ),
      ),
    );
    const received = await waitForDeliveries(stack.sink, ids, 300_000);
    const wallS = (Math.max(...received.values()) - t0) / 1000;
    const totals = stack.persona.stats().totals;
    return [
      run.label,
      String(run.replicas),
      String(run.inquiries),
      wallS.toFixed(2),
      (run.inquiries / wallS).toFixed(1),
      String(totals.requests),
      String(totals.rateLimited),
      load,
    ];
  } finally {
    for (const s of services) await s.stop();
    await stack.close();
    await db.drop();
  }
}

const rows: string[][] = [];
for (const run of runs) {
  console.error(`▸ ${run.label}, ${run.replicas} replica(s), ${run.inquiries} inquiries`);
  rows.push(await measure(run));
}
console.log(
  formatTable(
    [
      'Persona',
      'replicas',
      'inquiries',
      'wall s (first webhook → last delivery)',
      'decisions/s',
      'Persona calls',
      '429s',
      'load avg',
    ],
    rows,
  ),
);
