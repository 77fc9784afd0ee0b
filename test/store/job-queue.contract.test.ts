import { describe, expect, it } from 'vitest';
import { dialectTitle, storeDialects } from './dialects.js';
import { deliveryJobSpec, T0, useStoreHarness } from './store-harness.js';

const job = deliveryJobSpec;
const LEASE = 60_000;

describe.each(storeDialects)('job queue contract', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const h = useStoreHarness(d);

    it('enqueues a key once: a second enqueue is a no-op', async () => {
      expect(await h().queue.enqueue(job('k1'))).toBe(true);
      expect(await h().queue.enqueue(job('k1', { payload: { deliveryId: 'other' } }))).toBe(false);
      const rows = await h().database.db.selectFrom('jobs').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0]?.payload ?? '')).toEqual({ deliveryId: 'k1' }); // the first enqueue's payload stays
      expect(typeof rows[0]?.id).toBe('number');
      expect(rows[0]?.run_at).toBe(T0);
    });

    it('claims only due jobs, leases them, and counts the attempt', async () => {
      await h().queue.enqueue(job('due'));
      await h().queue.enqueue(job('later', { runAt: T0 + 5_000 }));
      const claimed = await h().queue.claim('w1', 10, LEASE);
      expect(claimed.map((j) => [j.key, j.attempts, j.lockedBy])).toEqual([['due', 1, 'w1']]);
      expect(claimed[0]?.payload).toEqual({ deliveryId: 'due' });
      expect(await h().queue.claim('w2', 10, LEASE)).toEqual([]);
    });

    it('lets another worker take over a job whose lease expired; the old holder can no longer finish it', async () => {
      await h().queue.enqueue(job('k'));
      const [first] = await h().queue.claim('w1', 1, LEASE);
      h().clock.advance(LEASE - 1);
      expect(await h().queue.claim('w2', 1, LEASE)).toEqual([]);
      h().clock.advance(2);
      const [second] = await h().queue.claim('w2', 1, LEASE);
      expect(second).toMatchObject({ key: 'k', lockedBy: 'w2', attempts: 2 });
      expect(first && (await h().queue.complete(first, 'w1'))).toBe(false);
      expect(second && (await h().queue.complete(second, 'w2'))).toBe(true);
      expect(await h().database.db.selectFrom('jobs').selectAll().execute()).toEqual([]);
    });

    it('reschedules a job: released, due later, attempts reset on request', async () => {
      await h().queue.enqueue(job('k'));
      const [claimed] = await h().queue.claim('w1', 1, LEASE);
      if (!claimed) throw new Error('no job');
      expect(
        await h().queue.reschedule(claimed, 'w1', {
          runAt: T0 + 1_000,
          payload: { deliveryId: 'k', clientErrors: 1 },
          resetAttempts: true,
          error: 'pending',
        }),
      ).toBe(true);
      expect(await h().queue.claim('w1', 1, LEASE)).toEqual([]);
      h().clock.advance(1_000);
      const [again] = await h().queue.claim('w1', 1, LEASE);
      expect(again).toMatchObject({ key: 'k', attempts: 1, payload: { deliveryId: 'k', clientErrors: 1 } });
    });

    it('fails a job for good: out of the queue into failed_jobs, and its queue goes on', async () => {
      await h().queue.enqueue(job('bad', { queue: 'q' }));
      await h().queue.enqueue(job('next', { queue: 'q' }));
      const [bad] = await h().queue.claim('w1', 2, LEASE);
      if (!bad) throw new Error('no job');
      expect(await h().queue.fail(bad, 'someone-else', 'x')).toBe(false); // only the lease holder may fail it
      h().clock.advance(5);
      expect(await h().queue.fail(bad, 'w1', 'invalid deliver_decision payload: deliveryId: required')).toBe(true);
      const failed = await h().database.db.selectFrom('failed_jobs').selectAll().execute();
      expect(failed).toEqual([
        {
          id: bad.id,
          kind: 'deliver_decision',
          key: 'bad',
          queue: 'q',
          payload: JSON.stringify({ deliveryId: 'bad' }),
          attempts: 1,
          last_error: 'invalid deliver_decision payload: deliveryId: required',
          created_at: T0,
          failed_at: T0 + 5,
        },
      ]);
      expect((await h().queue.claim('w1', 2, LEASE)).map((j) => j.key)).toEqual(['next']);
      expect(await h().queue.listFailed(10)).toEqual([
        {
          id: bad.id,
          kind: 'deliver_decision',
          key: 'bad',
          queue: 'q',
          attempts: 1,
          lastError: 'invalid deliver_decision payload: deliveryId: required',
          createdAt: T0,
          failedAt: T0 + 5,
        },
      ]);
    });

    it('runs the jobs of one queue one at a time, oldest first, and other queues alongside', async () => {
      await h().queue.enqueue(job('a1', { queue: 'inquiry:a' }));
      await h().queue.enqueue(job('a2', { queue: 'inquiry:a' }));
      await h().queue.enqueue(job('b1', { queue: 'inquiry:b' }));
      await h().queue.enqueue(job('free'));
      const first = await h().queue.claim('w1', 10, LEASE);
      expect(first.map((j) => j.key).sort()).toEqual(['a1', 'b1', 'free']);
      expect(await h().queue.claim('w2', 10, LEASE)).toEqual([]);
      const a1 = first.find((j) => j.key === 'a1');
      if (!a1) throw new Error('no a1');
      await h().queue.complete(a1, 'w1');
      expect((await h().queue.claim('w2', 10, LEASE)).map((j) => j.key)).toEqual(['a2']);
    });

    it('does not claim a job whose queue already has a job running, even an older id committed late', async () => {
      await h().queue.enqueue(job('placeholder', { queue: 'inquiry:a' }));
      await h().database.db.deleteFrom('jobs').execute();
      await h().queue.enqueue(job('a-newer', { queue: 'inquiry:a' }));
      const [running] = await h().queue.claim('w1', 1, LEASE);
      if (!running) throw new Error('no job');
      // an older id of the same queue becomes visible only now (PostgreSQL: commits out of id order)
      await h()
        .database.db.insertInto('jobs')
        .values({
          id: running.id - 1,
          kind: 'test',
          key: 'a-older',
          queue: 'inquiry:a',
          payload: '{}',
          attempts: 0,
          run_at: T0,
          created_at: T0,
        })
        .execute();
      expect(await h().queue.claim('w2', 10, LEASE)).toEqual([]);
      expect(await h().queue.nextRunAt()).toBeNull(); // not "due now": an idle worker would spin
      await h().queue.complete(running, 'w1');
      expect((await h().queue.claim('w2', 10, LEASE)).map((j) => j.key)).toEqual(['a-older']);
    });

    it('reports when the next job becomes claimable: a run time, a lease expiry, or nothing', async () => {
      expect(await h().queue.nextRunAt()).toBeNull();
      await h().queue.enqueue(job('soon', { runAt: T0 + 7_000 }));
      await h().queue.enqueue(job('head', { runAt: T0 + 9_000, queue: 'q' }));
      await h().queue.enqueue(job('queued-behind', { runAt: T0 + 1_000, queue: 'q' }));
      expect(await h().queue.nextRunAt()).toBe(T0 + 7_000);
      await h().queue.enqueue(job('now'));
      await h().queue.claim('w1', 1, LEASE);
      expect(await h().queue.nextRunAt()).toBe(T0 + 7_000);
      h().clock.advance(8_000);
      await h().queue.claim('w1', 1, LEASE); // takes "soon"; "now" is leased until T0 + LEASE
      expect(await h().queue.nextRunAt()).toBe(T0 + 9_000);
    });

    it('makes a waiting job due at once (retry now), but not one that is running', async () => {
      await h().queue.enqueue(job('waiting', { runAt: T0 + 60_000 }));
      expect(await h().queue.runNow('waiting')).toBe(true);
      const [claimed] = await h().queue.claim('w1', 1, LEASE);
      expect(claimed?.key).toBe('waiting');
      expect(await h().queue.runNow('waiting')).toBe(false);
    });

    it('gives each of 100 jobs to exactly one of 10 workers claiming at once', async () => {
      for (let i = 0; i < 100; i++) await h().queue.enqueue(job(`j${i}`));
      const claimedBy = new Map<string, string[]>();
      const claimer = async (workerId: string) => {
        for (;;) {
          const jobs = await h().queue.claim(workerId, 3, LEASE);
          if (jobs.length === 0) return;
          for (const j of jobs) claimedBy.set(j.key, [...(claimedBy.get(j.key) ?? []), workerId]);
        }
      };
      await Promise.all(Array.from({ length: 10 }, (_, i) => claimer(`w${i}`)));
      expect(claimedBy.size).toBe(100);
      expect([...claimedBy.values()].filter((owners) => owners.length !== 1)).toEqual([]);
      const rows = await h().database.db.selectFrom('jobs').select(['key', 'locked_by', 'attempts']).execute();
      for (const row of rows) {
        expect(row.attempts).toBe(1);
        expect([row.locked_by]).toEqual(claimedBy.get(row.key));
      }
    });
  });
});
