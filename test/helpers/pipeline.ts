import type { Policy } from '../../src/decision/policy.js';
import { createWorker } from '../../src/deps.js';
import type { Worker } from '../../src/jobs/worker.js';
import { signedWebhookRequest } from './persona-webhook.js';
import { TEST_WEBHOOK_SECRET, type TestContext } from './test-app.js';

/** The service's worker (createWorker, as main.ts), on the test context's deps: manual clock, instant sleeps. */
export function createTestWorker(
  ctx: TestContext,
  options: { policy?: Policy; concurrency?: number; workerId?: string } = {},
): Worker {
  return createWorker(
    { ...ctx.deps, policy: options.policy ?? ctx.deps.policy },
    { concurrency: options.concurrency ?? 4, ...(options.workerId ? { workerId: options.workerId } : {}) },
  );
}

export async function postWebhook(ctx: TestContext, body: object): Promise<{ status: string }> {
  const request = signedWebhookRequest(body, {
    secrets: [TEST_WEBHOOK_SECRET],
    timestampSeconds: Math.floor(ctx.clock.now() / 1000),
  });
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/webhooks/persona',
    payload: request.payload,
    headers: request.headers,
  });
  if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** Runs the worker, moving the manual clock to each rescheduled job's run time, until the queue is empty. */
export async function runUntilIdle(ctx: TestContext, worker = createTestWorker(ctx), maxRounds = 50): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    await worker.drain();
    const next = await ctx.queue.nextRunAt();
    if (next === null) return;
    if (next > ctx.clock.now()) ctx.clock.set(next);
  }
  throw new Error('queue did not empty');
}
