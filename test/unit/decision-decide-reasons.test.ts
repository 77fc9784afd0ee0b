import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import type { Evidence } from '../../src/decision/evidence.js';
import { defaultPolicy, parsePolicy } from '../../src/decision/policy.js';
import { reasonCatalogue } from '../../src/decision/reasons.js';
import { GOV_ID, SELFIE, WATCHLIST } from '../helpers/decision-fixtures.js';
import { check, cleanEvidence, evidence, report, verification as v } from '../helpers/decision-fixtures.js';

describe('decide: reasons', () => {
  it('names the verification, its type and the check that declined', () => {
    const failed = v(SELFIE, 'failed', { id: 'ver_s', checks: [check('selfie_liveness_detection')] });
    const { reasons } = decide(evidence([failed]), defaultPolicy);
    expect(reasons[0]).toEqual({
      code: 'decline_check_failed',
      outcome: 'declined',
      message: 'required check selfie_liveness_detection failed on verification/selfie',
      verificationId: 'ver_s',
      verificationType: SELFIE,
      check: 'selfie_liveness_detection',
    });
  });

  it('gives an approved decision a headline reason and one reason per passing piece of evidence', () => {
    const codes = decide(cleanEvidence(), defaultPolicy).reasons.map((r) => r.code);
    expect(codes).toEqual([
      'all_evidence_passed',
      ...['verification_passed', 'verification_passed'],
      ...['report_clear', 'report_clear', 'report_clear'],
    ]);
  });

  it('lists superseded attempts as info reasons and by id', () => {
    const first = v(GOV_ID, 'failed', { id: 'ver_1', createdAt: '2025-01-01T10:00:00Z' });
    const second = v(GOV_ID, 'requires_retry', { id: 'ver_2', createdAt: '2025-01-01T10:01:00Z' });
    const third = v(GOV_ID, 'passed', { id: 'ver_3', createdAt: '2025-01-01T10:02:00Z' });
    const decision = decide(evidence([third, first, second]), defaultPolicy);
    expect(decision.outcome).toBe('approved');
    expect(decision.supersededVerificationIds).toEqual(['ver_1', 'ver_2']);
    const superseded = decision.reasons.filter((r) => r.code === 'attempt_superseded');
    expect(superseded.map((r) => [r.outcome, r.verificationId])).toEqual([
      ['info', 'ver_1'],
      ['info', 'ver_2'],
    ]);
  });

  it('reports failed non-required checks as info without changing the outcome', () => {
    const passed = v(GOV_ID, 'passed', { checks: [check('id_glare_detection', 'failed', 'not_required')] });
    const decision = decide(evidence([passed]), defaultPolicy);
    expect(decision.outcome).toBe('approved');
    expect(decision.reasons.at(-1)).toMatchObject({
      code: 'non_required_check_failed',
      outcome: 'info',
      check: 'id_glare_detection',
    });
  });

  it('lists a report type the policy does not count as info', () => {
    const uncounted = report('report/phone-number', 'ready', true, 'rep_p');
    const decision = decide(evidence([v(GOV_ID, 'passed')], [uncounted]), defaultPolicy);
    expect(decision.outcome).toBe('approved');
    expect(decision.reasons.at(-1)).toMatchObject({ code: 'report_not_counted', outcome: 'info', reportId: 'rep_p' });
  });

  it('orders reasons by the precedence of their outcome, info last', () => {
    const mixed = evidence(
      [v(GOV_ID, 'passed'), v(SELFIE, 'requires_retry'), v('verification/aamva', 'skipped')],
      [report(WATCHLIST, 'ready', true)],
    );
    const outcomes = decide(mixed, defaultPolicy).reasons.map((r) => r.outcome);
    expect(outcomes).toEqual(['manual_review', 'retry', 'approved', 'info']);
  });

  it('stamps the policy version on every decision', () => {
    expect(decide(cleanEvidence(), defaultPolicy).policyVersion).toBe('default-2');
    expect(decide(cleanEvidence(), parsePolicy({ version: 'strict-7' }, 'test')).policyVersion).toBe('strict-7');
  });

  it('only emits reason codes from the catalogue, with the catalogue outcome', () => {
    const mixed = evidence(
      [v(GOV_ID, 'weird'), v(SELFIE, 'failed', { checks: [check('x')] })],
      [report(WATCHLIST, 'errored', null)],
    );
    for (const reason of decide(mixed, defaultPolicy).reasons) {
      expect(reason.outcome).toBe(reasonCatalogue[reason.code as keyof typeof reasonCatalogue]);
    }
  });
});

const TYPES = [GOV_ID, SELFIE, 'verification/database', 'verification/unknown-kind'];
const STATUSES = ['passed', 'confirmed', 'failed', 'requires_retry', 'skipped', 'canceled', 'submitted', 'odd'];
const TIMES = ['2025-01-01T10:00:00Z', '2025-01-01T10:01:00Z', 'not-a-date'];
const CHECKS = ['id_expired_detection', 'database_name_comparison', 'selfie_glare_detection'];

const checkArbitrary = fc.record({
  name: fc.constantFrom(...CHECKS),
  requirement: fc.constantFrom('required', 'not_required', null),
});
const verificationArbitrary = fc.record({
  type: fc.constantFrom(...TYPES),
  status: fc.constantFrom(...STATUSES),
  createdAt: fc.constantFrom(...TIMES),
  checks: fc.array(checkArbitrary, { maxLength: 2 }),
});
const reportArbitrary = fc.record({
  status: fc.constantFrom('ready', 'pending', 'errored'),
  hasMatch: fc.constantFrom(true, false, null),
});

// Ids are unique by construction: two records with one id are the same verification, not two attempts.
const evidenceArbitrary: fc.Arbitrary<Evidence> = fc
  .record({
    verifications: fc.array(verificationArbitrary, { maxLength: 6 }),
    reports: fc.array(reportArbitrary, { maxLength: 3 }),
  })
  .map(({ verifications, reports }) =>
    evidence(
      verifications.map((x, i) =>
        v(x.type, x.status, {
          id: `ver_${i}`,
          createdAt: x.createdAt,
          checks: x.checks.map((c) => check(c.name, 'failed', c.requirement)),
        }),
      ),
      reports.map((r, i) => report(WATCHLIST, r.status, r.hasMatch, `rep_${i}`)),
    ),
  );

describe('decide: properties', () => {
  it('does not depend on the order of verifications and reports', () => {
    const shuffled = evidenceArbitrary.chain((e) =>
      fc.tuple(
        fc.constant(e),
        fc.shuffledSubarray(e.verifications, { minLength: e.verifications.length }),
        fc.shuffledSubarray(e.reports, { minLength: e.reports.length }),
      ),
    );
    fc.assert(
      fc.property(shuffled, ([e, verifications, reports]) => {
        expect(decide({ ...e, verifications, reports }, defaultPolicy)).toEqual(decide(e, defaultPolicy));
      }),
    );
  });

  it('always leads with a reason that asks for the decided outcome', () => {
    fc.assert(
      fc.property(evidenceArbitrary, (e) => {
        const decision = decide(e, defaultPolicy);
        expect(decision.reasons[0]?.outcome).toBe(decision.outcome);
      }),
    );
  });
});
