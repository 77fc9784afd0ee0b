import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../src/store/decision-record.js';
import { engineDecision } from '../helpers/decision-fixtures.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { useStoreHarness } from './store-harness.js';

const attempt = (attempts: number, lastStatus: number | null, lastError: string | null = null) => ({
  attempts,
  lastStatus,
  lastError,
});

describe.each(storeDialects)('delivery store contract', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const h = useStoreHarness(d);

    async function decideAndDeliver(inquiryId: string): Promise<{ decision: DecisionRecord; deliveryId: string }> {
      const decision = await h().decisions.save(
        engineDecision({ inquiryId, eventId: `evt_${inquiryId}`, eventCreatedAt: '2026-11-29T09:00:00.000Z' }),
      );
      if (!decision) throw new Error('no decision');
      const row = await h()
        .database.db.selectFrom('deliveries')
        .select('delivery_id')
        .where('decision_id', '=', decision.decisionId)
        .executeTakeFirstOrThrow();
      return { decision, deliveryId: row.delivery_id };
    }

    it('lists deliveries newest first, page by page, filtered by status', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await decideAndDeliver(`inq_${i}`)).deliveryId);
        h().clock.advance(i === 2 ? 0 : 1_000); // two share a created_at: the id breaks the tie
      }
      await h().deliveries.markDelivered(ids[0] as string, attempt(1, 200));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 5; page++) {
        const result = await h().deliveries.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...result.items.map((x) => x.deliveryId));
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      const createdAts = await Promise.all(seen.map(async (id) => (await h().deliveries.get(id))?.createdAt ?? 0));
      expect([...createdAts].sort((a, b) => b - a)).toEqual(createdAts);
      const pending = await h().deliveries.list({ status: 'pending', limit: 10 });
      expect(pending.items.map((x) => x.deliveryId).sort()).toEqual(ids.slice(1).sort());
      expect(pending.nextCursor).toBeNull();
    });

    it('records attempts: retrying, then dead-lettered with numbers intact', async () => {
      const { deliveryId } = await decideAndDeliver('inq_1');
      await h().deliveries.markRetrying(deliveryId, attempt(1, 503, 'unavailable'), h().clock.now() + 2_000);
      expect(await h().deliveries.get(deliveryId)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastStatus: 503,
        nextAttemptAt: h().clock.now() + 2_000,
      });
      await h().deliveries.markFailed(deliveryId, attempt(2, 410, 'gone'));
      expect(await h().deliveries.get(deliveryId)).toMatchObject({
        status: 'failed',
        attempts: 2,
        lastStatus: 410,
        lastError: 'gone',
        nextAttemptAt: null,
      });
    });

    it('retries a dead-lettered delivery now with a fresh schedule, and refuses a delivered one', async () => {
      const { deliveryId } = await decideAndDeliver('inq_1');
      const [job] = await h().queue.claim('w1', 1, 60_000);
      if (!job) throw new Error('no job');
      await h().deliveries.markFailed(deliveryId, attempt(3, 400));
      await h().queue.complete(job, 'w1');
      h().clock.advance(10_000);
      expect(await h().deliveries.retryNow(deliveryId)).toBe('requeued');
      expect(await h().deliveries.get(deliveryId)).toMatchObject({
        status: 'pending',
        attempts: 0,
        scheduleStartedAt: h().clock.now(),
      });
      expect((await h().queue.claim('w1', 1, 60_000)).map((j) => j.key)).toEqual([`deliver:${deliveryId}`]);
      await h().deliveries.markDelivered(deliveryId, attempt(1, 204));
      expect(await h().deliveries.retryNow(deliveryId)).toBe('already_delivered');
      expect(await h().deliveries.retryNow('msg_unknown')).toBe('not_found');
    });

    it('makes a waiting delivery job due at once when retried', async () => {
      const { deliveryId } = await decideAndDeliver('inq_1');
      const [job] = await h().queue.claim('w1', 1, 60_000);
      if (!job) throw new Error('no job');
      await h().queue.reschedule(job, 'w1', { runAt: h().clock.now() + 3_600_000 });
      expect(await h().deliveries.retryNow(deliveryId)).toBe('requeued');
      expect((await h().queue.claim('w1', 1, 60_000)).map((j) => j.key)).toEqual([`deliver:${deliveryId}`]);
    });

    it('redelivers a decision under a new delivery id, with its own job', async () => {
      const { decision, deliveryId } = await decideAndDeliver('inq_1');
      const again = await h().deliveries.redeliver(decision);
      if (!again) throw new Error('redelivery refused');
      expect(again.deliveryId).not.toBe(deliveryId);
      expect(again).toMatchObject({ decisionId: decision.decisionId, status: 'pending', sequence: 1 });
      const keys = (await h().database.db.selectFrom('jobs').select('key').execute()).map((j) => j.key).sort();
      expect(keys).toEqual([`deliver:${again.deliveryId}`, `deliver:${deliveryId}`].sort());
    });
  });
});
