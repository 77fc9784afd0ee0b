import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverDecisionJob } from '../../src/job-kinds.js';
import { type JobHandler, type JobHandlers, Worker } from '../../src/jobs/worker.js';
import type { JobQueue } from '../../src/store/job-queue.js';
import { createTestContext, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
beforeEach(async () => {
  ctx = await createTestContext();
});
afterEach(async () => {
  await ctx.cleanup();
});

const LEASE_MS = 120_000;

/** The real queue, except that every write of a job's outcome fails while `down` is set (a database outage). */
function createFlakyQueue(): { queue: JobQueue; setDown: (down: boolean) => void } {
  let down = false;
  const refuse = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
  const queue: JobQueue = {
    ...ctx.queue,
    complete: (...args) => (down ? refuse() : ctx.queue.complete(...args)),
    reschedule: (...args) => (down ? refuse() : ctx.queue.reschedule(...args)),
    fail: (...args) => (down ? refuse() : ctx.queue.fail(...args)),
  };
  return { queue, setDown: (value) => (down = value) };
}

function createWorker(queue: JobQueue, deliver: JobHandler<'deliver_decision'>): Worker {
  const handlers: JobHandlers = {
    deliver_decision: deliver,
    process_inquiry: async () => Promise.reject(new Error('unexpected process_inquiry job')),
    write_back: async () => Promise.reject(new Error('unexpected write_back job')),
    reconcile: async () => Promise.reject(new Error('unexpected reconcile job')),
  };
  return new Worker({
    queue,
    handlers,
    clock: ctx.clock,
    random: () => 0.5,
    logger: ctx.logger,
    concurrency: 4,
    leaseMs: LEASE_MS,
  });
}

const enqueue = (deliveryId: string) =>
  ctx.queue.enqueue(deliverDecisionJob({ deliveryId, inquiryId: 'inq_1', now: ctx.clock.now() }));
const jobRows = () => ctx.database.db.selectFrom('jobs').selectAll().execute();

describe('a job whose result could not be saved while the database was down', () => {
  it('is saved as soon as the database answers, not after its lease: a finished job is gone at once', async () => {
    const { queue, setDown } = createFlakyQueue();
    await enqueue('msg_done');
    let runs = 0;
    const worker = createWorker(queue, async () => {
      runs += 1;
      setDown(true); // the database goes away while the job runs
      return { type: 'done' };
    });
    await worker.runOnce();
    expect(
      ctx.logLines.some((l) => l.includes('job result not saved; saving it again once the database answers')),
    ).toBe(true);
    setDown(false); // back, long before the lease (the clock has not moved)
    expect(await worker.runOnce()).toBe(0); // saves the result first: nothing is left to claim
    expect(runs).toBe(1);
    expect(await jobRows()).toEqual([]);
    expect(ctx.logLines.some((l) => l.includes('job result saved after the database came back'))).toBe(true);
  });

  it('runs again at its rescheduled time, not after its lease, when it was to be retried', async () => {
    const { queue, setDown } = createFlakyQueue();
    await enqueue('msg_retry');
    let runs = 0;
    const worker = createWorker(queue, async () => {
      runs += 1;
      if (runs > 1) return { type: 'done' };
      setDown(true);
      return { type: 'reschedule', runAt: ctx.clock.now() + 1_000, error: 'the database went away' };
    });
    await worker.runOnce();
    setDown(false);
    ctx.clock.advance(1_000); // its retry time: a thousandth of its lease
    expect(await worker.runOnce()).toBe(1);
    expect(runs).toBe(2);
    expect(await jobRows()).toEqual([]);
  });

  it('keeps waiting while the database stays down, and loses nothing', async () => {
    const { queue, setDown } = createFlakyQueue();
    await enqueue('msg_wait');
    const worker = createWorker(queue, async () => {
      setDown(true);
      return { type: 'done' };
    });
    await worker.runOnce();
    await expect(worker.runOnce()).rejects.toThrow('ECONNREFUSED');
    setDown(false);
    await worker.runOnce();
    expect(await jobRows()).toEqual([]);
  });

  it('changes nothing with a kept result when another worker took the job over after its lease', async () => {
    const { queue, setDown } = createFlakyQueue();
    await enqueue('msg_late');
    const worker = createWorker(queue, async () => {
      setDown(true); // unreachable for this worker only (a network partition), for longer than the lease
      return { type: 'done' };
    });
    await worker.runOnce();
    ctx.clock.advance(LEASE_MS + 1);
    const [taken] = await ctx.queue.claim('rival', 1, LEASE_MS);
    expect(taken).toBeDefined();
    setDown(false);
    expect(await worker.runOnce()).toBe(0); // the kept result is tried, and refused: the rival holds the job
    expect(ctx.logLines.some((l) => l.includes('job lease was lost before it finished'))).toBe(true);
    expect(await ctx.database.db.selectFrom('jobs').select('locked_by').execute()).toEqual([{ locked_by: 'rival' }]);
  });
});
