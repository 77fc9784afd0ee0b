import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import type { SinkDelivery } from '../../src/sim/sink.js';
import { type SimulatorStack, startSimulatorStack } from '../../src/sim/stack.js';
import type { Job } from '../../src/store/job-queue.js';
import { createTestWorker, postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { createTestContext, TEST_WEBHOOK_SECRET, type TestContext } from '../helpers/test-app.js';
import { dialectTitle, storeDialects } from '../store/dialects.js';

// The worker that commits a new decision delivers it at once: the delivery job is written already claimed by that
// worker (in the decision's transaction) and run in the same slot right after the commit, with no claim round in
// between; unless an earlier delivery of the inquiry still waits, and then it queues behind it (order holds).
//
// The Persona simulator and the sink listen on loopback. The sink verifies each signature against the real clock, so
// the service's manual clock starts at the real time here (the deliveries are verified, not merely counted).

describe.each(storeDialects)('on $dialect', (dialect) => {
  describe.skipIf(dialect.skipReason !== null)(dialectTitle(dialect), () => {
    let ctx: TestContext | undefined;
    let stack: SimulatorStack | undefined;
    let database: { url: string; cleanup(): Promise<void> } | undefined;
    afterEach(async () => {
      vi.restoreAllMocks();
      await ctx?.cleanup();
      await stack?.close();
      await database?.cleanup();
      ctx = stack = database = undefined;
    });

    async function start(): Promise<{ c: TestContext; s: SimulatorStack }> {
      stack = await startSimulatorStack({ webhookSecret: TEST_WEBHOOK_SECRET });
      database = await dialect.createDatabase();
      ctx = await createTestContext({
        databaseUrl: database.url,
        clock: createManualClock(Date.now()),
        env: {
          PERSONA_API_URL: stack.env.PERSONA_API_URL,
          PERSONA_API_KEY: stack.env.PERSONA_API_KEY,
          DOWNSTREAM_URL: stack.env.DOWNSTREAM_URL,
          DOWNSTREAM_SIGNING_SECRET: stack.env.DOWNSTREAM_SIGNING_SECRET,
        },
      });
      return { c: ctx, s: stack };
    }

    const at = (c: TestContext, seconds = 0) => new Date(c.clock.now() + seconds * 1000).toISOString();

    /** Counts the worker's claim rounds and records what each enqueueClaimed returned. */
    function watchQueue(c: TestContext) {
      const claim = vi.spyOn(c.queue, 'claim');
      const enqueueClaimed = vi.spyOn(c.queue, 'enqueueClaimed');
      return {
        claimRounds: () => claim.mock.calls.length,
        claimedJobs: () => claim.mock.results.map((r) => r.value as Promise<Job[]>),
        enqueuedClaimed: () => Promise.all(enqueueClaimed.mock.results.map((r) => r.value as Promise<Job | null>)),
      };
    }

    const deliveryRows = (c: TestContext) =>
      c.database.db
        .selectFrom('deliveries')
        .select(['delivery_id', 'sequence', 'status', 'attempts', 'last_status'])
        .orderBy('sequence')
        .execute();

    const jobRows = (c: TestContext) =>
      c.database.db.selectFrom('jobs').select(['kind', 'queue', 'locked_by', 'attempts']).orderBy('id').execute();

    const sequenceOf = (d: SinkDelivery) => (d.body as { data: { sequence: number } }).data.sequence;

    it('decides and delivers in ONE worker round: the delivery needs no claim of its own', async () => {
      const { c, s } = await start();
      const inquiryId = inquiryIdFor('all-passed');
      const watch = watchQueue(c);
      await postWebhook(c, buildInquiryEvent({ inquiryId, createdAt: at(c) }).body);
      expect(await jobRows(c)).toEqual([
        { kind: 'process_inquiry', queue: `inquiry:${inquiryId}`, locked_by: null, attempts: 0 },
      ]);

      const worker = createTestWorker(c, { workerId: 'worker-one' });
      expect(await worker.runOnce()).toBe(1); // one job claimed: the inquiry's

      // exactly one claim, which returned the process_inquiry job only; the delivery came from enqueueClaimed
      expect(watch.claimRounds()).toBe(1);
      expect((await Promise.all(watch.claimedJobs())).flat().map((j) => j.kind)).toEqual(['process_inquiry']);
      const [preClaimed, ...more] = await watch.enqueuedClaimed();
      expect(more).toEqual([]);
      expect(preClaimed).toMatchObject({
        kind: 'deliver_decision',
        queue: `deliver:${inquiryId}`,
        attempts: 1,
        lockedBy: 'worker-one',
      });

      // the sink received the signed delivery, verified with the reference library
      const received = s.sink.deliveries();
      expect(received).toHaveLength(1);
      const rows = await deliveryRows(c);
      expect(rows).toEqual([
        {
          delivery_id: expect.stringMatching(/^msg_/),
          sequence: 1,
          status: 'delivered',
          attempts: 1,
          last_status: 204,
        },
      ]);
      expect(received[0]).toMatchObject({
        verified: true,
        status: 204,
        webhookId: rows[0]?.delivery_id,
        inquiryId,
        outcome: 'approved',
        path: '/decisions',
      });
      expect(sequenceOf(received[0] as SinkDelivery)).toBe(1);
      expect(await jobRows(c)).toEqual([]);
      expect(await c.queue.nextRunAt()).toBeNull();
      // nothing else was due: a second round claims nothing
      expect(await worker.runOnce()).toBe(0);
      expect(s.sink.deliveries()).toHaveLength(1);
    });

    it("hands the webhook's job to the running worker at intake (SQLite): no claim takes it, and it is delivered", async () => {
      const { c, s } = await start();
      const intake = c.database.intake;
      if (dialect.dialect !== 'sqlite') {
        // PostgreSQL: replicas could each find an inquiry's queue empty before the other commits; jobs are claimed
        expect(intake?.handOverTo).toBeUndefined();
        return;
      }
      const inquiryId = inquiryIdFor('all-passed');
      const watch = watchQueue(c);
      const worker = createTestWorker(c, { workerId: 'worker-live' });
      worker.start();
      intake?.handOverTo?.(worker);
      try {
        await postWebhook(c, buildInquiryEvent({ inquiryId, createdAt: at(c) }).body);
        await vi.waitFor(() => expect(s.sink.deliveries()).toHaveLength(1), { timeout: 10_000, interval: 20 });
        // the running loop's claims found nothing: the inquiry's job came from intake, its delivery from the decision
        expect((await Promise.all(watch.claimedJobs())).flat()).toEqual([]);
        expect(await watch.enqueuedClaimed()).toEqual([expect.objectContaining({ kind: 'deliver_decision' })]);
        expect(s.sink.deliveries()[0]).toMatchObject({ verified: true, status: 204, inquiryId, outcome: 'approved' });
        await vi.waitFor(async () => expect(await jobRows(c)).toEqual([]), { timeout: 10_000, interval: 20 });
      } finally {
        intake?.handOverTo?.(null);
        await worker.stop();
      }
    });

    it('queues a new delivery behind an earlier one still pending (not pre-claimed), and keeps sequence order', async () => {
      const { c, s } = await start();
      // workflow-declines: inquiry.completed → approved (delivers); inquiry.declined → declined (delivers)
      const inquiryId = inquiryIdFor('workflow-declines');
      s.sink.setFailures({ failFirst: 1, failStatus: 503 });
      const watch = watchQueue(c);
      const worker = createTestWorker(c, { workerId: 'worker-one' });

      await postWebhook(c, buildInquiryEvent({ inquiryId, step: 0, createdAt: at(c) }).body);
      expect(await worker.runOnce()).toBe(1);
      // decided and sent at once; the sink refused it: rescheduled, waiting (unlocked) in the inquiry's delivery queue
      expect(s.sink.deliveries().map((d) => [sequenceOf(d), d.outcome, d.status])).toEqual([[1, 'approved', 503]]);
      expect(await deliveryRows(c)).toMatchObject([{ sequence: 1, status: 'pending', attempts: 1, last_status: 503 }]);
      expect(await jobRows(c)).toEqual([
        { kind: 'deliver_decision', queue: `deliver:${inquiryId}`, locked_by: null, attempts: 1 },
      ]);
      const retryAt = await c.queue.nextRunAt();
      expect(retryAt).toBeGreaterThan(c.clock.now());

      // Persona declines the inquiry: a later event re-decides it with another outcome, before the retry is due
      s.persona.setStep(inquiryId, 1);
      await postWebhook(c, buildInquiryEvent({ inquiryId, step: 1, createdAt: at(c, 1) }).body);
      expect(await worker.runOnce()).toBe(1); // the inquiry's job only: the earlier delivery is not due yet

      // the new delivery was NOT written claimed: it waits behind the earlier one, and nothing more was sent
      const attempts = await watch.enqueuedClaimed();
      expect(attempts.map((j) => j?.lockedBy ?? null)).toEqual(['worker-one', null]);
      expect(s.sink.deliveries()).toHaveLength(1);
      expect(await deliveryRows(c)).toMatchObject([
        { sequence: 1, status: 'pending', attempts: 1 },
        { sequence: 2, status: 'pending', attempts: 0, last_status: null },
      ]);
      expect(await jobRows(c)).toEqual([
        { kind: 'deliver_decision', queue: `deliver:${inquiryId}`, locked_by: null, attempts: 1 },
        { kind: 'deliver_decision', queue: `deliver:${inquiryId}`, locked_by: null, attempts: 0 },
      ]);
      // the later delivery is due now, but it is not its queue's head: nothing runs before the retry's time
      expect(await c.queue.nextRunAt()).toBe(retryAt);
      expect(await worker.runOnce()).toBe(0);
      expect(s.sink.deliveries()).toHaveLength(1);

      // the sink recovered: the retry of sequence 1, then sequence 2
      await runUntilIdle(c, worker);
      expect(s.sink.deliveries().map((d) => [sequenceOf(d), d.outcome, d.status, d.verified])).toEqual([
        [1, 'approved', 503, true],
        [1, 'approved', 204, true],
        [2, 'declined', 204, true],
      ]);
      expect(await deliveryRows(c)).toMatchObject([
        { sequence: 1, status: 'delivered', attempts: 2, last_status: 204 },
        { sequence: 2, status: 'delivered', attempts: 1, last_status: 204 },
      ]);
      expect(await jobRows(c)).toEqual([]);
    });

    it('delivers at once again once the earlier delivery has gone out', async () => {
      const { c, s } = await start();
      const inquiryId = inquiryIdFor('workflow-declines');
      const watch = watchQueue(c);
      const worker = createTestWorker(c, { workerId: 'worker-one' });
      await postWebhook(c, buildInquiryEvent({ inquiryId, step: 0, createdAt: at(c) }).body);
      expect(await worker.runOnce()).toBe(1);
      s.persona.setStep(inquiryId, 1);
      await postWebhook(c, buildInquiryEvent({ inquiryId, step: 1, createdAt: at(c, 1) }).body);
      expect(await worker.runOnce()).toBe(1);
      // two decisions, two claim rounds, two deliveries each sent in its deciding round
      expect(watch.claimRounds()).toBe(2);
      expect((await watch.enqueuedClaimed()).map((j) => j?.lockedBy ?? null)).toEqual(['worker-one', 'worker-one']);
      expect(s.sink.deliveries().map((d) => [sequenceOf(d), d.outcome, d.status])).toEqual([
        [1, 'approved', 204],
        [2, 'declined', 204],
      ]);
      expect(await jobRows(c)).toEqual([]);
    });
  });
});
