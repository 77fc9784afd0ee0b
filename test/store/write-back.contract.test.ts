import { describe, expect, it } from 'vitest';
import { createDecisionStore } from '../../src/store/decision-store.js';
import { createWriteBackStore } from '../../src/store/write-back-store.js';
import { cleanEvidence, engineDecision } from '../helpers/decision-fixtures.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { useStoreHarness } from './store-harness.js';

// The write-back store on each dialect: its outbox writes the write-back (and its job) with the decision, a
// decision that follows Persona is skipped at once, and a finished write-back is final.
describe.each(storeDialects)('write-back store', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const store = useStoreHarness(d);
    const stores = () => {
      const { database, queue, clock } = store();
      const writeBacks = createWriteBackStore({
        db: database.db,
        queue,
        clock,
        outcomes: new Set(['approved', 'declined'] as const),
      });
      const decisions = createDecisionStore({ db: database.db, clock, writeBack: writeBacks.outbox });
      return { writeBacks, decisions };
    };
    const jobKeys = async () =>
      (
        await store().database.db.selectFrom('jobs').select(['kind', 'key']).where('kind', '=', 'write_back').execute()
      ).map((j) => j.key);

    it('writes a pending write-back and its job in the decision transaction, for a listed outcome only', async () => {
      const { writeBacks, decisions } = stores();
      const approved = await decisions.save(
        engineDecision({ inquiryId: 'inq_wb1', eventId: 'evt_wb1', eventCreatedAt: '2026-11-29T09:00:00.000Z' }),
      );
      if (!approved) throw new Error('not saved');
      expect(approved.outcome).toBe('approved');
      expect(await writeBacks.get(approved.decisionId)).toMatchObject({
        inquiryId: 'inq_wb1',
        action: 'approve',
        status: 'pending',
        detail: null,
        attempts: 0,
      });
      expect(await jobKeys()).toEqual([`writeback:${approved.decisionId}`]);

      const noVerifications = { ...cleanEvidence(), verifications: [] }; // manual_review: not listed
      const review = await decisions.save(
        engineDecision({
          inquiryId: 'inq_wb2',
          eventId: 'evt_wb2',
          eventCreatedAt: '2026-11-29T09:00:00.000Z',
          evidence: noVerifications,
        }),
      );
      if (!review) throw new Error('not saved');
      expect(review.outcome).toBe('manual_review');
      expect(await writeBacks.get(review.decisionId)).toBeNull();
      expect(await jobKeys()).toHaveLength(1);
    });

    it('skips at once, with no job, a decision made on a status other than completed', async () => {
      const { writeBacks, decisions } = stores();
      const evidence = { ...cleanEvidence(), inquiryStatus: 'approved' };
      const followed = await decisions.save(
        engineDecision({
          inquiryId: 'inq_wb3',
          eventId: 'evt_wb3',
          eventCreatedAt: '2026-11-29T09:00:00.000Z',
          evidence,
        }),
      );
      if (!followed) throw new Error('not saved');
      expect(await writeBacks.get(followed.decisionId)).toMatchObject({
        status: 'skipped',
        detail: "Persona's status was approved when decided: Persona decides it already",
      });
      expect(await jobKeys()).toEqual([]);
    });

    it('counts attempts while pending; a finished write-back stays as it ended', async () => {
      const { writeBacks, decisions } = stores();
      const decision = await decisions.save(
        engineDecision({ inquiryId: 'inq_wb4', eventId: 'evt_wb4', eventCreatedAt: '2026-11-29T09:00:00.000Z' }),
      );
      if (!decision) throw new Error('not saved');
      await writeBacks.noteAttempt(decision.decisionId, 'PERSONA_UNAVAILABLE: Persona answered 503');
      expect(await writeBacks.get(decision.decisionId)).toMatchObject({ status: 'pending', attempts: 1 });
      await writeBacks.finish(decision.decisionId, 'done', "Persona's status is approved");
      await writeBacks.finish(decision.decisionId, 'failed', 'late');
      await writeBacks.noteAttempt(decision.decisionId, 'late');
      expect(await writeBacks.get(decision.decisionId)).toMatchObject({
        status: 'done',
        detail: "Persona's status is approved",
        attempts: 2,
      });
    });
  });
});
