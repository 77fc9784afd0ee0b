import { describe, expect, it } from 'vitest';
import { decide, needsSettledEvidence } from '../../src/decision/decide.js';
import type { Evidence } from '../../src/decision/evidence.js';
import { pendingEvidence } from '../../src/decision/evidence.js';
import type { Outcome } from '../../src/decision/outcome.js';
import { defaultPolicy, parsePolicy } from '../../src/decision/policy.js';
import type { Policy } from '../../src/decision/policy.js';
import type { ReasonCode } from '../../src/decision/reasons.js';
import {
  check,
  cleanEvidence,
  evidence,
  GOV_ID,
  report,
  SELFIE,
  verification as v,
  WATCHLIST,
} from '../helpers/decision-fixtures.js';

/**
 * The rules the Persona lifecycle adds (docs/decision-policy.md): Persona's own status, required reports, attempt
 * history and reports whose match is not adverse. One row per rule; the first reason explains the outcome.
 */
interface Row {
  name: string;
  evidence: Evidence;
  policy?: Record<string, unknown>;
  outcome: Outcome;
  first: ReasonCode;
  /** Further codes that must be present, e.g. the engine's own reasons kept as info. */
  alsoHas?: ReasonCode[];
}

const T1 = '2025-01-01T10:00:00.000Z';
const T2 = '2025-01-01T10:05:00.000Z';
const T3 = '2025-01-01T10:10:00.000Z';

const withStatus = (status: string, base: Evidence = cleanEvidence()): Evidence => ({ ...base, inquiryStatus: status });
const failedId = v(GOV_ID, 'failed', { checks: [check('id_blur_detection')] });
const matched = evidence([v(GOV_ID, 'passed'), v(SELFIE, 'passed')], [report(WATCHLIST, 'ready', true)]);
const declining = evidence([
  v(GOV_ID, 'passed'),
  v(SELFIE, 'failed', { checks: [check('selfie_liveness_detection')] }),
]);
const tamperedThenPassed = evidence([
  v(GOV_ID, 'failed', { id: 'ver_1', createdAt: T1, checks: [check('id_tamper_detection')] }),
  v(GOV_ID, 'passed', { id: 'ver_2', createdAt: T2 }),
  v(SELFIE, 'passed'),
]);
const blurryThenPassed = evidence([
  v(GOV_ID, 'failed', { id: 'ver_1', createdAt: T1, checks: [check('id_blur_detection')] }),
  v(GOV_ID, 'passed', { id: 'ver_2', createdAt: T2 }),
  v(SELFIE, 'passed'),
]);
const threeFailuresThenPass = evidence([
  v(GOV_ID, 'failed', { id: 'ver_1', createdAt: T1, checks: [check('id_blur_detection')] }),
  v(GOV_ID, 'failed', { id: 'ver_2', createdAt: T2, checks: [check('id_glare_detection')] }),
  v(GOV_ID, 'failed', { id: 'ver_3', createdAt: T3, checks: [check('id_glare_detection')] }),
  v(GOV_ID, 'passed', { id: 'ver_4', createdAt: '2025-01-01T10:15:00.000Z' }),
  v(SELFIE, 'passed'),
]);
const SENTILINK = 'report/integration/sentilink-scores';

const rows: Row[] = [
  // Persona's terminal statuses
  {
    name: 'an inquiry Persona failed is declined, keeping which verification failed',
    evidence: withStatus('failed', evidence([failedId])),
    outcome: 'declined',
    first: 'inquiry_failed',
    alsoHas: ['required_check_failed'],
  },
  {
    name: 'an expired inquiry asks the user to retry',
    evidence: withStatus('expired', evidence([v(GOV_ID, 'passed')])),
    outcome: 'retry',
    first: 'inquiry_expired',
    alsoHas: ['verification_passed'],
  },
  {
    name: 'the policy may remap a failed inquiry',
    evidence: withStatus('failed', evidence([failedId])),
    policy: { inquiryOutcomes: { failed: 'manual_review' } },
    outcome: 'manual_review',
    first: 'inquiry_failed',
  },
  {
    name: 'the policy may remap an expired inquiry',
    evidence: withStatus('expired', evidence([])),
    policy: { inquiryOutcomes: { expired: 'declined' } },
    outcome: 'declined',
    first: 'inquiry_expired',
  },
  // Persona decided: follow (default)
  {
    name: 'follow: a reviewer approval in Persona closes a manual review',
    evidence: withStatus('approved', matched),
    outcome: 'approved',
    first: 'persona_approved',
    alsoHas: ['engine_disagrees', 'report_match'],
  },
  {
    name: 'follow: a Workflow decline wins over clean evidence',
    evidence: withStatus('declined'),
    outcome: 'declined',
    first: 'persona_declined',
    alsoHas: ['engine_disagrees', 'all_evidence_passed'],
  },
  {
    name: 'follow: marked for review in Persona',
    evidence: withStatus('needs_review', matched),
    outcome: 'manual_review',
    first: 'persona_marked_for_review',
    alsoHas: ['report_match'],
  },
  // review_on_disagreement
  {
    name: 'review_on_disagreement: Persona approved and the evidence agrees',
    evidence: withStatus('approved'),
    policy: { personaDecisions: 'review_on_disagreement' },
    outcome: 'approved',
    first: 'persona_approved',
  },
  {
    name: 'review_on_disagreement: Persona approved but the evidence declines',
    evidence: withStatus('approved', declining),
    policy: { personaDecisions: 'review_on_disagreement' },
    outcome: 'manual_review',
    first: 'persona_engine_disagree',
    alsoHas: ['decline_check_failed'],
  },
  // ignore
  {
    name: 'ignore: Persona approved, the evidence decides',
    evidence: withStatus('approved', declining),
    policy: { personaDecisions: 'ignore' },
    outcome: 'declined',
    first: 'decline_check_failed',
  },
  // Required reports
  {
    name: 'a required report that was never linked',
    evidence: evidence([v(GOV_ID, 'passed'), v(SELFIE, 'passed')]),
    policy: { requiredReportTypes: [WATCHLIST] },
    outcome: 'manual_review',
    first: 'required_report_missing',
  },
  {
    name: 'a required report that is linked and clear',
    evidence: evidence([v(GOV_ID, 'passed')], [report(WATCHLIST, 'ready', false)]),
    policy: { requiredReportTypes: [WATCHLIST] },
    outcome: 'approved',
    first: 'all_evidence_passed',
  },
  {
    name: 'a required report still pending at the deadline',
    evidence: evidence([v(GOV_ID, 'passed')], [report(WATCHLIST, 'pending', null)]),
    policy: { requiredReportTypes: [WATCHLIST] },
    outcome: 'manual_review',
    first: 'report_not_settled',
  },
  // Attempt history
  {
    name: 'an earlier tampered ID followed by a passing one',
    evidence: tamperedThenPassed,
    outcome: 'manual_review',
    first: 'earlier_attempt_fraud_signal',
    alsoHas: ['attempt_superseded'],
  },
  {
    name: 'an earlier blurry ID followed by a passing one stays approved',
    evidence: blurryThenPassed,
    outcome: 'approved',
    first: 'all_evidence_passed',
  },
  {
    name: 'an earlier tampered ID with an emptied fraud list stays approved',
    evidence: tamperedThenPassed,
    policy: { fraudChecks: [] },
    outcome: 'approved',
    first: 'all_evidence_passed',
  },
  {
    name: 'more failed attempts than maxFailedAttempts allows',
    evidence: threeFailuresThenPass,
    policy: { maxFailedAttempts: { [GOV_ID]: 2 } },
    outcome: 'manual_review',
    first: 'failed_attempts_exceeded',
  },
  {
    name: 'as many failed attempts as maxFailedAttempts allows',
    evidence: threeFailuresThenPass,
    policy: { maxFailedAttempts: { [GOV_ID]: 3 } },
    outcome: 'approved',
    first: 'all_evidence_passed',
  },
  {
    name: 'requires_retry still maps to retry (deprecated by Persona, sent by older templates)',
    evidence: evidence([v(GOV_ID, 'requires_retry')]),
    outcome: 'retry',
    first: 'verification_requires_retry',
  },
  // Vocabulary
  {
    name: 'a failed required document_fabrication_detection declines by default',
    evidence: evidence([v('verification/document', 'failed', { checks: [check('document_fabrication_detection')] })]),
    outcome: 'declined',
    first: 'decline_check_failed',
  },
  {
    name: 'a failed required id_nfc_expired_detection declines by default',
    evidence: evidence([
      v('verification/government-id-nfc', 'failed', { checks: [check('id_nfc_expired_detection')] }),
    ]),
    outcome: 'declined',
    first: 'decline_check_failed',
  },
  {
    name: 'a business watchlist match asks for review by default',
    evidence: evidence([v(GOV_ID, 'passed')], [report('report/business-watchlist', 'ready', true)]),
    outcome: 'manual_review',
    first: 'report_match',
  },
  {
    name: 'a non-screening report whose match the policy ignores: ready counts as passed',
    evidence: evidence([v(GOV_ID, 'passed')], [report(SENTILINK, 'ready', true)]),
    policy: { reportTypes: [WATCHLIST, SENTILINK], reportMatch: { [SENTILINK]: 'ignore' } },
    outcome: 'approved',
    first: 'all_evidence_passed',
    alsoHas: ['report_ready'],
  },
  {
    name: 'a non-screening report whose match the policy reviews',
    evidence: evidence([v(GOV_ID, 'passed')], [report(SENTILINK, 'ready', true)]),
    policy: { reportTypes: [SENTILINK], reportMatch: { [SENTILINK]: 'review' } },
    outcome: 'manual_review',
    first: 'report_match',
  },
];

describe('decide: the Persona lifecycle', () => {
  it.each(rows)('$name → $outcome ($first)', (row) => {
    const policy: Policy = row.policy ? parsePolicy(row.policy, 'test') : defaultPolicy;
    const decision = decide(row.evidence, policy);
    expect(decision.outcome).toBe(row.outcome);
    expect(decision.reasons[0]?.code).toBe(row.first);
    const codes = decision.reasons.map((r) => r.code);
    for (const code of row.alsoHas ?? []) expect(codes).toContain(code);
  });

  it("keeps the engine's reasons as info naming what each asked for, and says how the engine disagrees", () => {
    const decision = decide(withStatus('approved', declining), defaultPolicy);
    const [first, disagrees, ...kept] = decision.reasons;
    expect(first).toMatchObject({ code: 'persona_approved', outcome: 'approved' });
    expect(disagrees).toMatchObject({ code: 'engine_disagrees', outcome: 'info', engineOutcome: 'declined' });
    expect(kept.find((r) => r.code === 'decline_check_failed')).toMatchObject({
      outcome: 'info',
      engineOutcome: 'declined',
      check: 'selfie_liveness_detection',
    });
    expect(kept.every((r) => r.outcome === 'info')).toBe(true);
  });

  it('adds no engine_disagrees when the engine agrees with Persona', () => {
    const codes = decide(withStatus('approved'), defaultPolicy).reasons.map((r) => r.code);
    expect(codes).not.toContain('engine_disagrees');
  });

  it('reads the remapped outcome on the reason itself', () => {
    const policy = parsePolicy({ inquiryOutcomes: { failed: 'manual_review' } }, 'test');
    expect(decide(withStatus('failed'), policy).reasons[0]).toMatchObject({
      code: 'inquiry_failed',
      outcome: 'manual_review',
    });
  });

  it('leaves other statuses to the evidence (completed, and statuses Persona may add)', () => {
    for (const status of ['completed', 'pending', 'some_new_status']) {
      expect(decide(withStatus(status), defaultPolicy)).toEqual(decide(cleanEvidence(), defaultPolicy));
    }
  });
});

describe('needsSettledEvidence: polling only when the evidence decides', () => {
  const review = parsePolicy({ personaDecisions: 'review_on_disagreement' }, 'test');
  const ignore = parsePolicy({ personaDecisions: 'ignore' }, 'test');
  it.each([
    ['completed', 'follow', defaultPolicy, true],
    ['failed', 'follow', defaultPolicy, false],
    ['expired', 'follow', defaultPolicy, false],
    ['approved', 'follow', defaultPolicy, false],
    ['declined', 'follow', defaultPolicy, false],
    ['needs_review', 'follow', defaultPolicy, false],
    ['approved', 'review_on_disagreement', review, true],
    ['failed', 'review_on_disagreement', review, false],
    ['approved', 'ignore', ignore, true],
  ] as const)('%s under %s', (status, _mode, policy, expected) => {
    expect(needsSettledEvidence(status, policy)).toBe(expected);
  });
});

describe('pendingEvidence: required reports', () => {
  it('names a required report type that is not linked, and a linked one that is pending', () => {
    const policy = parsePolicy({ requiredReportTypes: [WATCHLIST, 'report/adverse-media'] }, 'test');
    const pending = pendingEvidence(
      evidence([v(GOV_ID, 'passed')], [report('report/adverse-media', 'pending', null, 'rep_am')]),
      policy,
    );
    expect(pending).toEqual({ verificationIds: [], reportIds: ['rep_am'], missingReportTypes: [WATCHLIST] });
  });
});
