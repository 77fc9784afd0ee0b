import { describe, expect, it } from 'vitest';
import { createReconciliationStore } from '../../src/store/reconciliation-store.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { useStoreHarness } from './store-harness.js';

// The sweep's runs on each dialect: the checkpoint is the newest event of a completed run only, runs list newest first.
describe.each(storeDialects)('reconciliation store', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const store = useStoreHarness(d);
    const runs = () => createReconciliationStore({ db: store().database.db, clock: store().clock });

    it('keeps each run and its counts; the checkpoint is the newest event a completed run saw', async () => {
      const r = runs();
      expect(await r.checkpoint()).toBeNull();
      await r.start('rec_a', '2026-11-26T10:00:00.000Z');
      await r.update(
        'rec_a',
        { pages: 2, found: 150, newEvents: 3, newestEventAt: '2026-11-29T09:58:00.000Z' },
        { status: 'completed' },
      );
      store().clock.advance(60_000);
      await r.start('rec_b', '2026-11-29T09:48:00.000Z');
      await r.update('rec_b', { pages: 1, found: 5, newEvents: 0, newestEventAt: '2026-11-29T09:59:30.000Z' });
      store().clock.advance(60_000);
      await r.start('rec_c', '2026-11-29T09:48:00.000Z');
      await r.update(
        'rec_c',
        { pages: 0, found: 0, newEvents: 0, newestEventAt: null },
        { status: 'failed', error: 'PERSONA_UNAUTHORIZED: key rejected' },
      );

      // rec_b is still running: its newest event is no checkpoint yet
      expect(await r.checkpoint()).toBe('2026-11-29T09:58:00.000Z');
      const listed = await r.list(10);
      expect(listed.map((run) => [run.runId, run.status])).toEqual([
        ['rec_c', 'failed'],
        ['rec_b', 'running'],
        ['rec_a', 'completed'],
      ]);
      expect(listed[2]).toMatchObject({
        pages: 2,
        found: 150,
        newEvents: 3,
        finishedAt: expect.any(String),
        error: null,
      });
      expect(listed[0]).toMatchObject({ error: 'PERSONA_UNAUTHORIZED: key rejected' });
      expect(await r.list(1)).toHaveLength(1);
    });
  });
});
