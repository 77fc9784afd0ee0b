import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deliverDecisionJob, processInquiryJob } from '../../src/job-kinds.js';
import { type JobHandler, type JobHandlers, Worker } from '../../src/jobs/worker.js';
import type { IncomingEvent } from '../../src/store/event-store.js';
import type { JobQueue } from '../../src/store/job-queue.js';
import { createTestWorker } from '../helpers/pipeline.js';
import { createTestContext, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
beforeEach(async () => {
  ctx = await createTestContext();
});
afterEach(async () => {
  await ctx.cleanup();
});

/** Handlers for these tests: `deliver_decision` is the one under test; any other kind running is a test bug. */
function handlers(deliver: JobHandler<'deliver_decision'>): JobHandlers {
  return {
    deliver_decision: deliver,
    process_inquiry: async () => Promise.reject(new Error('unexpected process_inquiry job')),
    write_back: async () => Promise.reject(new Error('unexpected write_back job')),
    reconcile: async () => Promise.reject(new Error('unexpected reconcile job')),
  };
}

function createWorker(options: { handlers: JobHandlers; queue?: JobQueue; leaseMs?: number }): Worker {
  return new Worker({
    queue: options.queue ?? ctx.queue,
    handlers: options.handlers,
    clock: ctx.clock,
    random: () => 0.5,
    logger: ctx.logger,
    concurrency: 1,
    leaseMs: options.leaseMs ?? 60_000,
  });
}

const deliveryJob = (deliveryId: string) =>
  deliverDecisionJob({ deliveryId, inquiryId: 'inq_1', now: ctx.clock.now() });

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
    await ctx.queue.enqueue(deliveryJob('msg_slow'));
    let rivalClaims = -1;
    const slow = handlers(async () => {
      await twice;
      rivalClaims = (await ctx.queue.claim('rival', 10, 90)).length;
      return { type: 'done' };
    });
    const worker = createWorker({ queue, handlers: slow, leaseMs: 90 });
    expect(await worker.runOnce()).toBe(1);
    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(rivalClaims).toBe(0);
    expect(await ctx.queue.nextRunAt()).toBeNull();
  });

  it('keeps a job whose handler throws, and retries it later with its error recorded', async () => {
    await ctx.queue.enqueue(deliveryJob('msg_broken'));
    const worker = createWorker({ handlers: handlers(async () => Promise.reject(new Error('handler bug'))) });
    await worker.runOnce();
    const job = await ctx.database.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.last_error).toContain('handler bug');
    expect(job.locked_by).toBeNull();
    expect(job.run_at).toBeGreaterThan(ctx.clock.now());
  });

  it('rolls back a job result when another worker took the job over meanwhile (no double result)', async () => {
    await ctx.queue.enqueue(deliveryJob('msg_late'));
    let outcome = '';
    const worker = createWorker({
      handlers: handlers(async (_payload, _job, { finishWithin }) => {
        ctx.clock.advance(120_000); // the lease ran out (say the process was paused) and a rival took the job
        expect(await ctx.queue.claim('rival', 1, 60_000)).toHaveLength(1);
        const write = ctx.database.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('inquiries')
            .values({
              inquiry_id: 'inq_late',
              status: 'decided',
              last_event_id: 'e',
              last_event_created_at: 'x',
              first_seen_at: 'x',
              error: null,
              updated_at: 'x',
            })
            .execute();
          await finishWithin(trx);
        });
        outcome = await write.then(
          () => 'committed',
          (error: Error) => error.message,
        );
        return { type: 'done', finished: true };
      }),
    });
    await worker.runOnce();
    expect(outcome).toContain('taken over by another worker');
    expect(await ctx.database.db.selectFrom('inquiries').selectAll().execute()).toHaveLength(0);
    const job = await ctx.database.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.locked_by).toBe('rival');
  });

  it("hands the handler its payload parsed against the kind's schema", async () => {
    await ctx.queue.enqueue(deliveryJob('msg_typed'));
    const seen: unknown[] = [];
    const worker = createWorker({
      handlers: handlers(async (payload) => {
        seen.push(payload);
        return { type: 'done' };
      }),
    });
    expect(await worker.runOnce()).toBe(1);
    expect(seen).toEqual([{ deliveryId: 'msg_typed' }]);
  });

  it('fails a job whose stored payload does not parse, naming the field, and goes on with the next job', async () => {
    // a row as an older version might have left it: inquiryId missing, polls a string
    const { payload, ...job } = processInquiryJob({
      eventId: 'evt_old',
      eventName: 'inquiry.completed',
      inquiryId: 'inq_old',
      eventCreatedAt: '2026-11-29T09:00:00.000Z',
      now: ctx.clock.now(),
    });
    const { inquiryId: _dropped, ...withoutInquiry } = payload;
    await ctx.database.db
      .insertInto('jobs')
      .values({
        kind: job.kind,
        key: job.key,
        queue: job.queue,
        payload: JSON.stringify({ ...withoutInquiry, polls: 'one' }),
        attempts: 0,
        run_at: job.runAt,
        created_at: job.runAt,
      })
      .execute();
    await ctx.queue.enqueue(deliveryJob('msg_next'));
    const delivered: string[] = [];
    const worker = createWorker({
      handlers: handlers(async ({ deliveryId }) => {
        delivered.push(deliveryId);
        return { type: 'done' };
      }),
    });
    expect(await worker.drain()).toBe(2);
    expect(delivered).toEqual(['msg_next']);
    expect(await ctx.database.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
    const failed = await ctx.database.db.selectFrom('failed_jobs').selectAll().executeTakeFirstOrThrow();
    expect(failed).toMatchObject({
      kind: 'process_inquiry',
      key: 'process:evt_old',
      queue: 'inquiry:inq_old',
      attempts: 1,
    });
    expect(failed.last_error).toMatch(/^invalid process_inquiry payload: inquiryId: .*; polls: .*expected number/);
    const logged = ctx.logLines
      .map((line) => JSON.parse(line) as { msg: string; key?: string })
      .filter((l) => l.msg.startsWith('job failed for good'));
    expect(logged).toHaveLength(1);
    expect(logged[0]?.key).toBe('process:evt_old');
  });

  it('keeps a job of a kind this version does not know (a newer version may run it), retrying it later', async () => {
    await ctx.database.db
      .insertInto('jobs')
      .values({
        kind: 'from_the_future',
        key: 'future:1',
        queue: null,
        payload: '{}',
        attempts: 0,
        run_at: ctx.clock.now(),
        created_at: ctx.clock.now(),
      })
      .execute();
    await createWorker({ handlers: handlers(async () => ({ type: 'done' })) }).runOnce();
    const job = await ctx.database.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.last_error).toContain('no handler for job kind from_the_future');
    expect(job.run_at).toBeGreaterThan(ctx.clock.now());
    expect(await ctx.database.db.selectFrom('failed_jobs').selectAll().execute()).toEqual([]);
  });

  // SQLite keeps what it is given: damage as a broken or foreign row might carry it
  it.each([
    {
      damage: 'a created_at that is not a number',
      column: 'created_at',
      value: 'yesterday',
      error: /^job row \d+ does not parse: created_at: /,
    },
    {
      damage: 'a payload that is not JSON',
      column: 'payload',
      value: '{"deliveryId":',
      error: /^job row \d+ does not parse: payload: is not JSON$/,
    },
  ])(
    'fails only the job whose row this version cannot read ($damage); the rest of the claimed batch runs',
    async ({ column, value, error }) => {
      const bad = deliveryJob('msg_bad_row');
      const row = {
        kind: bad.kind,
        key: bad.key,
        queue: null,
        payload: JSON.stringify(bad.payload),
        attempts: 0,
        run_at: bad.runAt,
        created_at: bad.runAt,
      };
      await ctx.database.db
        .insertInto('jobs')
        .values({ ...row, [column]: value })
        .execute();
      await ctx.queue.enqueue(deliveryJob('msg_good'));
      const delivered: string[] = [];
      const worker = createWorker({
        handlers: handlers(async ({ deliveryId }) => {
          delivered.push(deliveryId);
          return { type: 'done' };
        }),
      });
      // this worker claims one job at a time: the first claim takes (and fails) the bad row, the next the good job
      expect((await worker.drain()) + (await worker.drain())).toBe(1);
      expect(delivered).toEqual(['msg_good']);
      const [failed] = await ctx.queue.listFailed(10);
      expect(failed).toMatchObject({ key: 'deliver:msg_bad_row', lastError: expect.stringMatching(error) });
      expect(await ctx.database.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
    },
  );

  it('fails a job for good when the stored row it reads does not parse, instead of retrying it forever', async () => {
    const job = deliveryJob('msg_unreadable');
    await ctx.database.db
      .insertInto('deliveries')
      .values({
        delivery_id: 'msg_unreadable',
        decision_id: 'dec_1',
        inquiry_id: 'inq_1',
        sequence: 1,
        status: 'lost' as 'pending', // a status this version does not know
        body: '{}',
        attempts: 0,
        last_status: null,
        last_error: null,
        next_attempt_at: job.runAt,
        created_at: job.runAt,
        schedule_started_at: job.runAt,
        delivered_at: null,
      })
      .execute();
    await ctx.queue.enqueue(job);
    await createTestWorker(ctx).drain();
    const [failed] = await ctx.queue.listFailed(10);
    expect(failed).toMatchObject({
      key: 'deliver:msg_unreadable',
      lastError: expect.stringContaining('STORED_ROW_INVALID: delivery row msg_unreadable does not parse: status: '),
    });
    expect(await ctx.database.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
  });

  it('reserves intake slots only while running, within its concurrency, and leaves the loop the rest', async () => {
    // concurrency 1: one slot, for a job intake writes claimed (JobTaker) or for the loop's own claim
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ran: string[] = [];
    const worker = createWorker({
      handlers: handlers(async ({ deliveryId }) => {
        ran.push(deliveryId);
        await held;
        return { type: 'done' };
      }),
    });
    expect(worker.reserve()).toBeNull(); // not started: intake enqueues as usual
    const claims = vi.spyOn(ctx.queue, 'claim');
    worker.start();
    try {
      expect(worker.reserve()).toBeNull(); // the loop's first claim is in flight: its slot is held for it
      await expect.poll(() => claims.mock.calls.length).toBe(1);
      await claims.mock.results[0]?.value;
      const claim = worker.reserve();
      expect(claim).toEqual({ workerId: worker.id, leaseMs: 60_000 });
      expect(worker.reserve()).toBeNull(); // the one slot is held
      // a job the loop could claim waits while the slot is reserved
      await ctx.queue.enqueue(deliveryJob('msg_queued'));
      worker.wake();
      const taken = await ctx.queue.enqueueClaimed(deliveryJob('msg_taken'), claim!, ctx.database.db);
      expect(taken).toBeNull(); // its queue (deliver:inq_1) has msg_queued waiting: not claimed, the slot goes back
      worker.release();
      await expect.poll(() => ran, { timeout: 5_000, interval: 10 }).toEqual(['msg_queued']);
      expect(worker.reserve()).toBeNull(); // busy with msg_queued
      release();
    } finally {
      release();
      await worker.stop();
    }
    expect(worker.reserve()).toBeNull(); // stopped
  });

  it('never runs more jobs than its concurrency when intake hands jobs over while its own claim waits', async () => {
    // SQLite: the loop's claim waits for the connection an intake batch holds; jobs handed over meanwhile must not
    // be joined by as many claimed ones as the loop counted free before the batch
    const intake = ctx.database.intake;
    const incoming = (eventId: string, inquiryId: string, seconds: number): IncomingEvent => ({
      event: {
        eventId,
        name: 'inquiry.completed',
        createdAt: new Date(ctx.clock.now() - 600_000 + seconds * 1000).toISOString(),
        objectType: 'inquiry',
        objectId: inquiryId,
        inquiryId,
      },
      disposition: 'accepted',
      attempts: { attemptsMade: 1, attemptsLeft: 7, firstAttemptedAt: null },
    });
    // inquiry A's job waits in its queue (due later, like a poll): A's next event reserves a slot and gives it back,
    // which wakes the loop in the middle of the batch
    await ctx.events.record(incoming('evt_a1', 'inq_A', 0));
    await ctx.database.db
      .updateTable('jobs')
      .set({ run_at: ctx.clock.now() + 60_000 })
      .execute();
    let running = 0;
    let most = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const claim = vi.spyOn(ctx.queue, 'claim');
    const worker = new Worker({
      queue: ctx.queue,
      handlers: {
        ...handlers(async () => ({ type: 'done' })),
        process_inquiry: async () => {
          running += 1;
          most = Math.max(most, running);
          await gate;
          running -= 1;
          return { type: 'done' };
        },
      },
      clock: ctx.clock,
      random: () => 0.5,
      logger: ctx.logger,
      concurrency: 2,
      leaseMs: 60_000,
    });
    worker.start();
    try {
      await expect.poll(() => claim.mock.calls.length).toBe(1);
      await claim.mock.results[0]?.value; // the loop found nothing due and sleeps
      intake?.handOverTo?.(worker);
      await Promise.all(
        [
          incoming('evt_a2', 'inq_A', 10),
          incoming('evt_b', 'inq_B', 10),
          incoming('evt_c', 'inq_C', 10),
          incoming('evt_d', 'inq_D', 10),
        ].map((event) => ctx.events.recordIntake(event)),
      );
      await expect.poll(() => running).toBe(2);
      await Promise.all(claim.mock.results.map((r) => r.value));
      const leased = await ctx.database.db
        .selectFrom('jobs')
        .select('key')
        .where('locked_by', '=', worker.id)
        .execute();
      expect({ running, most, leased: leased.length }).toEqual({ running: 2, most: 2, leased: 2 });
    } finally {
      intake?.handOverTo?.(null);
      open();
      await worker.stop();
    }
  });
});
