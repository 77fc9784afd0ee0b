import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import type { Evidence } from '../../src/decision/evidence.js';
import { defaultPolicy } from '../../src/decision/policy.js';
import type { Outcome } from '../../src/decision/outcome.js';
import type { Policy } from '../../src/decision/policy.js';
import type { ReasonCode } from '../../src/decision/reasons.js';
import { ADVERSE_MEDIA, DATABASE, GOV_ID, PEP, PHONE, SELFIE, WATCHLIST } from '../helpers/decision-fixtures.js';
import { check, cleanEvidence, evidence, report, verification as v } from '../helpers/decision-fixtures.js';

interface Row {
  name: string;
  outcome: Outcome;
  /** The first reason is the one that explains the outcome. */
  first: ReasonCode;
  evidence: Evidence;
  policy?: Partial<Policy>;
}

const T1 = '2025-01-01T10:00:00.000Z';
const T2 = '2025-01-01T10:05:00.000Z';
const AAMVA = 'verification/aamva';
const EMAIL = 'report/email-address';
const NEW_KIND = 'verification/brand-new-kind';
const REVIEW_FIRST: Outcome[] = ['manual_review', 'declined', 'retry', 'approved'];
const RETRY_OVER_REVIEW: Outcome[] = ['declined', 'retry', 'manual_review', 'approved'];

const passedId = v(GOV_ID, 'passed');
const passedSelfie = v(SELFIE, 'passed');
const skippedSelfie = v(SELFIE, 'skipped');
const decliningSelfie = v(SELFIE, 'failed', { checks: [check('selfie_liveness_detection')] });
const reviewDb = v(DATABASE, 'failed', { checks: [check('database_name_comparison')] });
const retrySelfie = v(SELFIE, 'requires_retry', {
  checks: [check('selfie_image_quality_detection', 'failed', 'requires_retry')],
});
const expiredNotRequired = v(GOV_ID, 'failed', { checks: [check('id_expired_detection', 'failed', 'not_required')] });
const passedButTampered = v(GOV_ID, 'passed', { checks: [check('id_tamper_detection')] });
const fabricatedNewKind = v(NEW_KIND, 'failed', { checks: [check('id_fabrication_detection')] });
const blurryThenPassed = [
  v(GOV_ID, 'failed', { id: 'ver_1', createdAt: T1, checks: [check('id_blur_detection')] }),
  v(GOV_ID, 'passed', { id: 'ver_2', createdAt: T2 }),
];
const passedThenRetry = [
  v(GOV_ID, 'passed', { id: 'ver_1', createdAt: T1 }),
  v(GOV_ID, 'requires_retry', { id: 'ver_2', createdAt: T2 }),
];
const abandonedThenPassed = [
  v(GOV_ID, 'initiated', { id: 'ver_1', createdAt: T1 }),
  v(GOV_ID, 'passed', { id: 'ver_2', createdAt: T2 }),
];
const withReports = (...reports: ReturnType<typeof report>[]): Evidence => evidence([passedId, passedSelfie], reports);

const rows: Row[] = [
  // rule 3: passing and neutral statuses; nothing to go on
  {
    name: 'approves when every verification passed and no screening report matched',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: cleanEvidence(),
  },
  {
    name: 'approves a confirmed phone-number verification',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: evidence([v(PHONE, 'confirmed')]),
  },
  {
    name: 'treats a skipped verification as neutral next to a passed one',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: evidence([passedId, v(AAMVA, 'skipped')]),
  },
  {
    name: 'sends an inquiry whose only verifications were skipped to review',
    outcome: 'manual_review',
    first: 'no_passing_verification',
    evidence: evidence([v(AAMVA, 'skipped')]),
  },
  {
    name: 'sends an inquiry without verifications to review',
    outcome: 'manual_review',
    first: 'no_verifications',
    evidence: evidence([]),
  },
  {
    name: 'does not approve on clear screening reports alone',
    outcome: 'manual_review',
    first: 'no_verifications',
    evidence: evidence([], [report(WATCHLIST, 'ready', false)]),
  },
  // rule 4: failed verifications
  {
    name: 'declines when a required check in the decline list failed',
    outcome: 'declined',
    first: 'decline_check_failed',
    evidence: evidence([passedId, decliningSelfie]),
  },
  {
    name: 'sends a failed required check outside the decline list to review',
    outcome: 'manual_review',
    first: 'required_check_failed',
    evidence: evidence([passedId, reviewDb]),
  },
  {
    name: 'does not decline when the failed decline-list check was not required',
    outcome: 'manual_review',
    first: 'verification_failed',
    evidence: evidence([expiredNotRequired]),
  },
  {
    name: 'sends a failed verification without failed required checks to review',
    outcome: 'manual_review',
    first: 'verification_failed',
    evidence: evidence([v(GOV_ID, 'failed')]),
  },
  {
    name: 'sends a passed verification with a failed required check to review',
    outcome: 'manual_review',
    first: 'verification_inconsistent',
    evidence: evidence([passedButTampered]),
  },
  {
    name: 'declines on a check the policy file added to the decline list',
    outcome: 'declined',
    first: 'decline_check_failed',
    evidence: evidence([reviewDb]),
    policy: { declineChecks: ['database_name_comparison'] },
  },
  // rule 5: other statuses, unknown types
  {
    name: 'asks for a retry when the latest verification requires retry',
    outcome: 'retry',
    first: 'verification_requires_retry',
    evidence: evidence([passedId, retrySelfie]),
  },
  {
    name: 'sends a canceled verification to review',
    outcome: 'manual_review',
    first: 'verification_canceled',
    evidence: evidence([passedId, v(SELFIE, 'canceled')]),
  },
  {
    name: 'sends a verification with an unknown status to review',
    outcome: 'manual_review',
    first: 'verification_status_unknown',
    evidence: evidence([v(SELFIE, 'half_passed')]),
  },
  {
    name: 'approves an unknown verification type that passed',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: evidence([v(NEW_KIND, 'passed')]),
  },
  {
    name: 'declines an unknown verification type that failed a decline check',
    outcome: 'declined',
    first: 'decline_check_failed',
    evidence: evidence([fabricatedNewKind]),
  },
  // rule 2: only the latest attempt per type counts
  {
    name: 'approves when a failed first attempt was followed by a passed one',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: evidence(blurryThenPassed),
  },
  {
    name: 'asks for a retry when a passed attempt was followed by one that requires retry',
    outcome: 'retry',
    first: 'verification_requires_retry',
    evidence: evidence(passedThenRetry),
  },
  {
    name: 'approves when an abandoned earlier attempt is still initiated',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: evidence(abandonedThenPassed),
  },
  // screening reports
  {
    name: 'sends a watchlist match to review',
    outcome: 'manual_review',
    first: 'report_match',
    evidence: withReports(report(WATCHLIST, 'ready', true)),
  },
  {
    name: 'sends an errored PEP report to review',
    outcome: 'manual_review',
    first: 'report_errored',
    evidence: withReports(report(PEP, 'errored', null)),
  },
  {
    name: 'approves when the adverse-media report is ready without a match',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: withReports(report(ADVERSE_MEDIA, 'ready', false)),
  },
  {
    name: 'sends a report that is ready but silent about matches to review',
    outcome: 'manual_review',
    first: 'report_match_unknown',
    evidence: withReports(report(WATCHLIST, 'ready', null)),
  },
  {
    name: 'sends a report with an unknown status to review',
    outcome: 'manual_review',
    first: 'report_status_unknown',
    evidence: withReports(report(PEP, 'archived', false)),
  },
  {
    name: 'ignores a match in a report type the policy does not count',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: withReports(report(EMAIL, 'ready', true)),
  },
  {
    name: 'ignores a watchlist match when the policy counts no reports',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: withReports(report(WATCHLIST, 'ready', true)),
    policy: { reportTypes: [] },
  },
  // the polling deadline passed with evidence still pending (the timeout reason)
  {
    name: 'sends a report still pending at the deadline to review',
    outcome: 'manual_review',
    first: 'report_not_settled',
    evidence: withReports(report(WATCHLIST, 'pending', null)),
  },
  ...['initiated', 'submitted', 'tentatively_passed', 'tentatively_failed'].map((status): Row => ({
    name: `sends a verification still ${status} at the deadline to review`,
    outcome: 'manual_review',
    first: 'verification_not_settled',
    evidence: evidence([passedId, v(SELFIE, status)]),
  })),
  // required verification types
  {
    name: 'sends an inquiry missing a required verification type to review',
    outcome: 'manual_review',
    first: 'required_verification_missing',
    evidence: evidence([passedId]),
    policy: { requiredVerificationTypes: [SELFIE] },
  },
  {
    name: 'sends a skipped required verification to review',
    outcome: 'manual_review',
    first: 'required_verification_skipped',
    evidence: evidence([passedId, skippedSelfie]),
    policy: { requiredVerificationTypes: [SELFIE] },
  },
  {
    name: 'approves when the required verification type is present and passed',
    outcome: 'approved',
    first: 'all_evidence_passed',
    evidence: evidence([passedId, passedSelfie]),
    policy: { requiredVerificationTypes: [SELFIE] },
  },
  // rule 6: precedence
  {
    name: 'prefers declined over manual review',
    outcome: 'declined',
    first: 'decline_check_failed',
    evidence: evidence([decliningSelfie, reviewDb]),
  },
  {
    name: 'prefers manual review over retry',
    outcome: 'manual_review',
    first: 'required_check_failed',
    evidence: evidence([retrySelfie, reviewDb]),
  },
  {
    name: 'prefers retry over approved',
    outcome: 'retry',
    first: 'verification_requires_retry',
    evidence: evidence([passedId, retrySelfie]),
  },
  {
    name: 'follows a custom precedence that puts manual review above declined',
    outcome: 'manual_review',
    first: 'required_check_failed',
    evidence: evidence([decliningSelfie, reviewDb]),
    policy: { precedence: REVIEW_FIRST },
  },
  {
    name: 'follows a custom precedence that puts retry above manual review',
    outcome: 'retry',
    first: 'verification_requires_retry',
    evidence: evidence([retrySelfie, reviewDb]),
    policy: { precedence: RETRY_OVER_REVIEW },
  },
];

describe('decide', () => {
  it.each(rows)('$name', (row) => {
    const decision = decide(row.evidence, { ...defaultPolicy, ...row.policy });
    expect(decision.outcome).toBe(row.outcome);
    expect(decision.reasons[0]?.code).toBe(row.first);
  });

  it.each(defaultPolicy.declineChecks)('declines when the required check %s failed', (name) => {
    const decision = decide(evidence([v(GOV_ID, 'failed', { checks: [check(name)] })]), defaultPolicy);
    expect(decision.outcome).toBe('declined');
    expect(decision.reasons[0]).toMatchObject({ code: 'decline_check_failed', check: name });
  });
});
