import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../src/job-kinds.js';
import type { Job } from '../../src/store/job-queue.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { deliveryJobSpec, T0, useStoreHarness } from './store-harness.js';

// JobQueue.enqueueClaimed: a job written already claimed by the worker that will run it right after the caller's
// transaction commits (a decision's delivery, sent by the worker that decided), only when it is the head of its queue.

const job = deliveryJobSpec;
const LEASE = 60_000;
const W1 = { workerId: 'w1', leaseMs: LEASE };

describe.each(storeDialects)('job queue contract: enqueueClaimed', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const h = useStoreHarness(d);

    /** enqueueClaimed in a transaction of its own, as the decision store calls it. */
    const enqueueClaimed = (spec: JobSpec, claim = W1): Promise<Job | null> =>
      h()
        .database.db.transaction()
        .execute((trx) => h().queue.enqueueClaimed(spec, claim, trx));

    const rows = () =>
      h()
        .database.db.selectFrom('jobs')
        .select(['key', 'queue', 'locked_by', 'locked_until', 'attempts'])
        .orderBy('id')
        .execute();

    it('inserts the job leased to the worker, first attempt counted, and returns it as a claim would', async () => {
      h().clock.advance(250); // created_at and the lease follow the clock, not the job's run time
      const spec = job('d1', { queue: 'deliver:inq_a', payload: { deliveryId: 'd1', clientErrors: 2 } });
      const claimed = await enqueueClaimed(spec);
      if (!claimed) throw new Error('not inserted claimed');
      expect(claimed).toEqual({
        id: expect.any(Number),
        kind: 'deliver_decision',
        key: 'd1',
        queue: 'deliver:inq_a',
        payload: { deliveryId: 'd1', clientErrors: 2 },
        attempts: 1,
        runAt: T0,
        lockedBy: 'w1',
        createdAt: T0 + 250,
      });
      const [row] = await h().database.db.selectFrom('jobs').selectAll().execute();
      expect(row).toMatchObject({
        id: claimed.id,
        key: 'd1',
        queue: 'deliver:inq_a',
        payload: JSON.stringify({ deliveryId: 'd1', clientErrors: 2 }),
        attempts: 1,
        run_at: T0,
        locked_by: 'w1',
        locked_until: T0 + 250 + LEASE,
        created_at: T0 + 250,
      });

      // while the lease holds, no claim returns it, and the worker that holds it finishes it
      expect(await h().queue.claim('w2', 10, LEASE)).toEqual([]);
      h().clock.advance(LEASE - 1);
      expect(await h().queue.claim('w2', 10, LEASE)).toEqual([]);
      expect(await h().queue.complete(claimed, 'w2')).toBe(false);
      expect(await h().queue.complete(claimed, 'w1')).toBe(true);
      expect(await h().database.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
    });

    it('returns exactly what a claim reads back from the row (only the attempt count moves on)', async () => {
      const claimed = await enqueueClaimed(job('d1', { queue: 'deliver:inq_a', runAt: T0 - 5_000 }));
      if (!claimed) throw new Error('not inserted claimed');
      h().clock.advance(LEASE + 1); // the lease ran out (the worker died): the job is claimable again
      const [reclaimed] = await h().queue.claim('w1', 10, LEASE);
      expect(reclaimed).toEqual({ ...claimed, attempts: 2 });
    });

    it('is lease-held like any claimed job: taken over by another worker only once the lease expired', async () => {
      const claimed = await enqueueClaimed(job('d1', { queue: 'deliver:inq_a' }));
      if (!claimed) throw new Error('not inserted claimed');
      expect(await h().queue.nextRunAt()).toBe(T0 + LEASE);
      h().clock.advance(LEASE + 1);
      const [taken] = await h().queue.claim('w2', 10, LEASE);
      expect(taken).toMatchObject({ id: claimed.id, key: 'd1', lockedBy: 'w2', attempts: 2 });
      expect(await h().queue.complete(claimed, 'w1')).toBe(false); // the old holder can no longer finish it
    });

    it('returns null and writes nothing when another job already waits in the same queue', async () => {
      expect(await h().queue.enqueue(job('earlier', { queue: 'deliver:inq_a', runAt: T0 + 30_000 }))).toBe(true);
      expect(await enqueueClaimed(job('later', { queue: 'deliver:inq_a' }))).toBeNull();
      expect(await rows()).toEqual([
        { key: 'earlier', queue: 'deliver:inq_a', locked_by: null, locked_until: null, attempts: 0 },
      ]);
      // nothing of "later" was written: its key is still free
      expect(await h().queue.enqueue(job('later', { queue: 'deliver:inq_a' }))).toBe(true);
      // the earlier job stays the head: "later" (due now) waits behind it, even while it is not due
      expect(await h().queue.claim('w2', 10, LEASE)).toEqual([]);
      h().clock.advance(30_000);
      expect((await h().queue.claim('w2', 10, LEASE)).map((j) => j.key)).toEqual(['earlier']);
    });

    it('returns null while an earlier job of the queue runs, and claims once the queue is empty again', async () => {
      await h().queue.enqueue(job('running', { queue: 'deliver:inq_a' }));
      const [running] = await h().queue.claim('w2', 1, LEASE);
      if (!running) throw new Error('no job');
      expect(await enqueueClaimed(job('next', { queue: 'deliver:inq_a' }))).toBeNull();
      expect((await rows()).map((r) => r.key)).toEqual(['running']);
      await h().queue.complete(running, 'w2');
      const next = await enqueueClaimed(job('next', { queue: 'deliver:inq_a' }));
      expect(next).toMatchObject({ key: 'next', lockedBy: 'w1', attempts: 1 });
    });

    it('is not held back by jobs of other queues or by unqueued jobs', async () => {
      await h().queue.enqueue(job('other-inquiry', { queue: 'deliver:inq_b' }));
      await h().queue.enqueue(job('processing', { queue: 'inquiry:inq_a' }));
      await h().queue.enqueue(job('free'));
      const claimed = await enqueueClaimed(job('d1', { queue: 'deliver:inq_a' }));
      expect(claimed).toMatchObject({ key: 'd1', lockedBy: 'w1' });
      expect((await h().queue.claim('w2', 10, LEASE)).map((j) => j.key).sort()).toEqual([
        'free',
        'other-inquiry',
        'processing',
      ]);
    });

    it('returns null for a duplicate key and leaves the existing job as it was', async () => {
      await h().queue.enqueue(job('k'));
      expect(await enqueueClaimed(job('k'))).toBeNull();
      // the key is unique across queues: an empty queue does not let a second job of the key in
      await h().queue.enqueue(job('q-key', { queue: 'deliver:inq_a', runAt: T0 + 1_000 }));
      expect(await enqueueClaimed(job('q-key', { queue: 'deliver:inq_b' }))).toBeNull();
      expect(await rows()).toEqual([
        { key: 'k', queue: null, locked_by: null, locked_until: null, attempts: 0 },
        { key: 'q-key', queue: 'deliver:inq_a', locked_by: null, locked_until: null, attempts: 0 },
      ]);
      // and a second enqueueClaimed of a key it already inserted claimed changes nothing either
      const first = await enqueueClaimed(job('c'));
      expect(first).not.toBeNull();
      expect(await enqueueClaimed(job('c'), { workerId: 'w2', leaseMs: LEASE })).toBeNull();
      const c = await h().database.db.selectFrom('jobs').selectAll().where('key', '=', 'c').execute();
      expect(c).toMatchObject([{ id: first?.id, locked_by: 'w1', attempts: 1, locked_until: T0 + LEASE }]);
    });

    it('always inserts an unqueued job claimed, whatever else waits', async () => {
      await h().queue.enqueue(job('free-waiting'));
      await h().queue.enqueue(job('queued', { queue: 'deliver:inq_a' }));
      const a = await enqueueClaimed(job('free-1'));
      const b = await enqueueClaimed(job('free-2'), { workerId: 'w3', leaseMs: LEASE });
      expect(a).toMatchObject({ key: 'free-1', queue: null, lockedBy: 'w1', attempts: 1 });
      expect(b).toMatchObject({ key: 'free-2', queue: null, lockedBy: 'w3', attempts: 1 });
      expect((await h().queue.claim('w2', 10, LEASE)).map((j) => j.key).sort()).toEqual(['free-waiting', 'queued']);
    });

    it('writes nothing when the caller’s transaction rolls back', async () => {
      await expect(
        h()
          .database.db.transaction()
          .execute(async (trx) => {
            expect(await h().queue.enqueueClaimed(job('d1', { queue: 'deliver:inq_a' }), W1, trx)).not.toBeNull();
            throw new Error('decision failed');
          }),
      ).rejects.toThrow('decision failed');
      expect(await rows()).toEqual([]);
      expect(await enqueueClaimed(job('d1', { queue: 'deliver:inq_a' }))).toMatchObject({ key: 'd1' });
    });
  });
});
