import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Worker } from '../../src/jobs/worker.js';
import type { JobQueue } from '../../src/store/job-queue.js';
import { createTestContext, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
beforeEach(async () => {
  ctx = await createTestContext();
});
afterEach(async () => {
  await ctx.cleanup();
});

describe('Worker', () => {
  it('renews the lease of a long-running job so no other worker takes it over', async () => {
    let renewals = 0;
    let renewedTwice: () => void = () => undefined;
    const twice = new Promise<void>((resolve) => (renewedTwice = resolve));
    const queue: JobQueue = {
      ...ctx.queue,
      extendLease: async (job, workerId, leaseMs) => {
        ctx.clock.advance(leaseMs); // each renewal happens "a lease later": without it, the lease would have expired
        const held = await ctx.queue.extendLease(job, workerId, leaseMs);
        if (++renewals === 2) renewedTwice();
        return held;
      },
    };
    await ctx.queue.enqueue({ kind: 'slow', key: 'slow:1', queue: null, payload: {}, runAt: ctx.clock.now() });
    let rivalClaims = -1;
    const worker = new Worker({
      queue,
      handlers: {
        slow: async () => {
          await twice;
          rivalClaims = (await ctx.queue.claim('rival', 10, 90)).length;
          return { type: 'done' };
        },
      },
      clock: ctx.clock,
      random: () => 0.5,
      logger: ctx.logger,
      concurrency: 1,
      leaseMs: 90,
    });
    expect(await worker.runOnce()).toBe(1);
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(rivalClaims).toBe(0);
    expect(await ctx.queue.nextRunAt()).toBeNull();
  });

  it('keeps a job whose handler throws, and retries it later with its error recorded', async () => {
    await ctx.queue.enqueue({ kind: 'broken', key: 'broken:1', queue: null, payload: {}, runAt: ctx.clock.now() });
    const worker = new Worker({
      queue: ctx.queue,
      handlers: { broken: async () => Promise.reject(new Error('handler bug')) },
      clock: ctx.clock,
      random: () => 0.5,
      logger: ctx.logger,
      concurrency: 1,
      leaseMs: 60_000,
    });
    await worker.runOnce();
    const job = await ctx.database.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.last_error).toContain('handler bug');
    expect(job.locked_by).toBeNull();
    expect(job.run_at).toBeGreaterThan(ctx.clock.now());
  });
});
