import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/decision/policy.js';
import { decideShadow, type ShadowDecision } from '../../src/decision/shadow.js';
import type { NewDecision } from '../../src/store/decision-store.js';
import { createShadowStore, type ShadowCursor, type ShadowWindow } from '../../src/store/shadow-store.js';
import { cleanEvidence, engineDecision, evidence } from '../helpers/decision-fixtures.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { T0, useStoreHarness } from './store-harness.js';

// The shadow policy's decision stored with the live one (DECISION_SHADOW_POLICY_FILE), on both databases: written
// with the decision, kept up to date by same-outcome re-evaluations, never in the delivery, and read back a page at
// a time for GET /shadow/summary.
const shadowPolicy = parsePolicy({ version: 'shadow-1', requiredVerificationTypes: ['verification/database'] }, 'test');

/** A live decision of the default policy with the shadow policy's decision on the same evidence. */
function withShadow(input: Parameters<typeof engineDecision>[0]): NewDecision & { shadow: ShadowDecision } {
  const live = engineDecision(input);
  const shadow = decideShadow({ ...(input.evidence ?? cleanEvidence()), inquiryId: input.inquiryId }, shadowPolicy);
  if (!shadow) throw new Error('a shadow policy decides');
  return { ...live, shadow };
}

const at = (ms: number) => new Date(T0 + ms).toISOString();

describe.each(storeDialects)('shadow decisions store contract', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const h = useStoreHarness(d);

    it('stores the shadow with the decision, stamped with its time; a decision without one reads back null', async () => {
      const saved = await h().decisions.save(
        withShadow({ inquiryId: 'inq_s1', eventId: 'evt_s1', eventCreatedAt: at(-60_000) }),
      );
      expect(saved?.outcome).toBe('approved');
      const stored = await h().decisions.latestDecision('inq_s1');
      expect(stored?.shadow).toEqual({
        outcome: 'manual_review',
        reasons: expect.arrayContaining([
          expect.objectContaining({ code: 'required_verification_missing', verificationType: 'verification/database' }),
        ]) as unknown,
        policyVersion: 'shadow-1',
        evaluatedAt: saved?.decidedAt,
      });
      expect(stored?.shadow?.evaluatedAt).toBe(at(0));

      await h().decisions.save(engineDecision({ inquiryId: 'inq_s2', eventId: 'evt_s2', eventCreatedAt: at(0) }));
      expect((await h().decisions.latestDecision('inq_s2'))?.shadow).toBeNull();
    });

    it('never puts the shadow in the delivery body', async () => {
      await h().decisions.save(withShadow({ inquiryId: 'inq_s1', eventId: 'evt_s1', eventCreatedAt: at(0) }));
      const [delivery] = await h().database.db.selectFrom('deliveries').select('body').execute();
      const body = JSON.parse(delivery?.body ?? '{}') as { data: Record<string, unknown> };
      expect(body.data.outcome).toBe('approved');
      expect(delivery?.body).not.toMatch(/shadow|required_verification_missing/);
    });

    it('updates the current decision’s shadow on a same-outcome re-evaluation; one without a shadow keeps it', async () => {
      await h().events.record({
        event: {
          eventId: 'evt_1',
          name: 'inquiry.completed',
          createdAt: at(-60_000),
          objectType: 'inquiry',
          objectId: 'inq_1',
          inquiryId: 'inq_1',
        },
        disposition: 'accepted',
        attempts: { attemptsMade: 1, attemptsLeft: 7, firstAttemptedAt: null },
      });
      const first = await h().decisions.saveEvaluation(
        withShadow({ inquiryId: 'inq_1', eventId: 'evt_1', eventCreatedAt: at(-60_000) }),
      );
      expect(first.status).toBe('decided');

      // Persona approved it meanwhile: the live outcome stays approved (history only), the shadow follows Persona too
      h().clock.advance(5_000);
      const approvedInPersona = evidence(cleanEvidence().verifications, cleanEvidence().reports, 'approved');
      const again = withShadow({
        inquiryId: 'inq_1',
        eventId: 'evt_2',
        eventCreatedAt: at(-30_000),
        eventName: 'inquiry.approved',
        evidence: approvedInPersona,
      });
      expect([again.outcome, again.shadow.outcome]).toEqual(['approved', 'approved']);
      expect(await h().decisions.saveEvaluation(again)).toMatchObject({ status: 'unchanged' });
      const updated = await h().decisions.getInquiryView('inq_1');
      expect(updated?.decision).toMatchObject({ sequence: 1, outcome: 'approved', eventId: 'evt_1' });
      expect(updated?.decision?.reasons[0]?.code).toBe('all_evidence_passed');
      expect(updated?.decision?.shadow).toEqual({ ...again.shadow, evaluatedAt: at(5_000) });
      expect(updated?.history.map((e) => [e.eventId, e.recordedAt])).toEqual([['evt_2', at(5_000)]]);

      // an evaluation taken without a shadow policy leaves the last shadow as it was
      h().clock.advance(5_000);
      const unshadowed = engineDecision({
        inquiryId: 'inq_1',
        eventId: 'evt_3',
        eventCreatedAt: at(-10_000),
        evidence: approvedInPersona,
      });
      expect(await h().decisions.saveEvaluation(unshadowed)).toMatchObject({ status: 'unchanged' });
      expect((await h().decisions.latestDecision('inq_1'))?.shadow).toEqual({
        ...again.shadow,
        evaluatedAt: at(5_000),
      });

      // a stale evaluation changes nothing, its shadow included
      const stale = withShadow({ inquiryId: 'inq_1', eventId: 'evt_0', eventCreatedAt: at(-120_000) });
      expect(await h().decisions.saveEvaluation(stale)).toEqual({ status: 'stale' });
      expect((await h().decisions.latestDecision('inq_1'))?.shadow?.evaluatedAt).toBe(at(5_000));
    });

    it('pages through the current decisions that have a shadow, in the window, oldest first', async () => {
      const save = async (inquiryId: string, offsetMs: number, shadowed = true, ev = cleanEvidence()) => {
        h().clock.set(T0 + offsetMs);
        const input = {
          inquiryId,
          eventId: `evt_${inquiryId}_${offsetMs}`,
          eventCreatedAt: at(offsetMs),
          evidence: ev,
        };
        const saved = await h().decisions.save(shadowed ? withShadow(input) : engineDecision(input));
        if (!saved) throw new Error('not saved');
        return saved;
      };
      await save('inq_before', -3_600_000); // before the window
      const a = await save('inq_a', 0);
      const b = await save('inq_b', 1_000);
      const c = await save('inq_c', 1_000); // same millisecond as b: the decision id breaks the tie
      await save('inq_replaced', 2_000); // replaced below by its sequence 2
      await save('inq_plain', 3_000, false); // no shadow
      const replaced = await save('inq_replaced', 4_000, true, evidence([], [], 'declined'));
      expect(replaced.sequence).toBe(2);
      await save('inq_until', 10_000); // at `until`: outside

      const shadows = createShadowStore({ db: h().database.db });
      const window: ShadowWindow = { since: at(0), until: at(10_000) };
      const pages: string[][] = [];
      let after: ShadowCursor | null = null;
      do {
        const page = await shadows.page(window, after, 2);
        pages.push(page.items.map((item) => (item.ok ? item.pair.decisionId : `unreadable ${item.decisionId}`)));
        after = page.next;
      } while (after !== null);
      const tied = [b.decisionId, c.decisionId].sort();
      expect(pages).toEqual([[a.decisionId, tied[0]], [tied[1], replaced.decisionId], []]);

      const first = await shadows.page(window, null, 10);
      expect(first.next).toBeNull();
      expect(first.items[0]).toEqual({
        ok: true,
        pair: {
          decisionId: a.decisionId,
          inquiryId: 'inq_a',
          decidedAt: at(0),
          outcome: 'approved',
          reasons: a.reasons,
          policyVersion: 'default-2',
          shadow: a.shadow,
        },
      });
      const last = first.items.at(-1);
      expect(last?.ok && [last.pair.outcome, last.pair.shadow.outcome]).toEqual(['declined', 'declined']);
    });

    it('reports a row that does not parse instead of failing the page', async () => {
      const saved = await h().decisions.save(
        withShadow({ inquiryId: 'inq_bad', eventId: 'evt_b', eventCreatedAt: at(0) }),
      );
      await h()
        .database.db.updateTable('decisions')
        .set({
          shadow: JSON.stringify({ outcome: 'maybe', reasons: [], policyVersion: 'shadow-1', evaluatedAt: at(0) }),
        })
        .execute();
      const page = await createShadowStore({ db: h().database.db }).page({ since: at(0), until: at(1) }, null, 10);
      expect(page.items).toEqual([
        {
          ok: false,
          decisionId: saved?.decisionId,
          problem: expect.stringMatching(/^decision row dec_\w+ \(inquiry inq_bad\) does not parse: shadow\.outcome/),
        },
      ]);
    });
  });
});
