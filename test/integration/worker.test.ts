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

  it('rolls back a job result when another worker took the job over meanwhile (no double result)', async () => {
    await ctx.queue.enqueue({ kind: 'late', key: 'late:1', queue: null, payload: {}, runAt: ctx.clock.now() });
    let outcome = '';
    const worker = new Worker({
      queue: ctx.queue,
      handlers: {
        late: async (_job, { finishWithin }) => {
          ctx.clock.advance(120_000); // the lease ran out (say the process was paused) and a rival took the job
          expect(await ctx.queue.claim('rival', 1, 60_000)).toHaveLength(1);
          const write = ctx.database.db.transaction().execute(async (trx) => {
            await trx
              .insertInto('inquiries')
              .values({ inquiry_id: 'inq_late', status: 'decided', last_event_id: 'e', last_event_created_at: 'x', first_seen_at: 'x', error: null, updated_at: 'x' })
              .execute();
            await finishWithin(trx);
          });
          outcome = await write.then(() => 'committed', (error: Error) => error.message);
          return { type: 'done', finished: true };
        },
      },
      clock: ctx.clock,
      random: () => 0.5,
      logger: ctx.logger,
      concurrency: 1,
      leaseMs: 60_000,
    });
    await worker.runOnce();
    expect(outcome).toContain('taken over by another worker');
    expect(await ctx.database.db.selectFrom('inquiries').selectAll().execute()).toHaveLength(0);
    const job = await ctx.database.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.locked_by).toBe('rival');
  });
});
