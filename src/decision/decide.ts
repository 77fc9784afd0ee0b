import { compareStrings, splitAttempts } from './evidence.js';
import type { Evidence, ReportEvidence, VerificationEvidence } from './evidence.js';
import { judgeReport } from './judge-report.js';
import { judgeVerification } from './judge-verification.js';
import type { Outcome } from './outcome.js';
import type { Policy } from './policy.js';
import { createReason } from './reasons.js';
import type { Reason } from './reasons.js';

export interface Decision {
  outcome: Outcome;
  /** Decisive reasons first (in precedence order), then info; stable for the same input. */
  reasons: Reason[];
  policyVersion: string;
  supersededVerificationIds: string[];
}

/**
 * The domain decision. Every piece of evidence asks for an outcome (or only informs); the policy's precedence
 * picks the winner. Pure and deterministic: no clock, no I/O, and no dependence on the order of the input arrays.
 */
export function decide(evidence: Evidence, policy: Policy): Decision {
  const { latest, superseded } = splitAttempts(evidence.verifications);
  const verificationReasons = latest.flatMap((v) => judgeVerification(v, policy));
  const reasons = [
    ...coverageReasons(latest, verificationReasons, policy),
    ...verificationReasons,
    ...sortReports(evidence.reports).map((r) => judgeReport(r, policy)),
    ...superseded.map(supersededReason),
  ];
  const outcome = pickOutcome(reasons, policy.precedence);
  return {
    outcome,
    reasons: orderReasons(withSummary(outcome, reasons), policy.precedence),
    policyVersion: policy.version,
    supersededVerificationIds: superseded.map((v) => v.id),
  };
}

/** Reasons about what is missing rather than what is there. */
function coverageReasons(latest: VerificationEvidence[], judged: Reason[], policy: Policy): Reason[] {
  const reasons: Reason[] = [];
  if (latest.length === 0) {
    reasons.push(createReason('no_verifications', 'the inquiry has no verifications'));
  } else if (judged.every((r) => r.outcome === 'info')) {
    // Only neutral evidence (e.g. every verification skipped): nothing vouches for the person.
    reasons.push(createReason('no_passing_verification', 'no verification passed or failed; all were neutral'));
  }
  for (const type of [...policy.requiredVerificationTypes].sort(compareStrings)) {
    const found = latest.find((v) => v.type === type);
    if (!found) {
      const refs = { verificationType: type };
      reasons.push(createReason('required_verification_missing', `required ${type} is missing`, refs));
    } else if (found.status === 'skipped') {
      const refs = { verificationId: found.id, verificationType: type };
      reasons.push(createReason('required_verification_skipped', `required ${type} was skipped`, refs));
    }
  }
  return reasons;
}

function supersededReason(v: VerificationEvidence): Reason {
  const refs = { verificationId: v.id, verificationType: v.type };
  const message = `an earlier ${v.type} attempt (${v.status}) was replaced by a later one`;
  return createReason('attempt_superseded', message, refs);
}

function sortReports(reports: readonly ReportEvidence[]): ReportEvidence[] {
  return [...reports].sort((a, b) => compareStrings(a.type, b.type) || compareStrings(a.id, b.id));
}

function pickOutcome(reasons: Reason[], precedence: readonly Outcome[]): Outcome {
  const asked = new Set(reasons.map((r) => r.outcome));
  // coverageReasons guarantees at least one non-info reason; the fallback is the safe answer if that ever breaks.
  return precedence.find((outcome) => asked.has(outcome)) ?? 'manual_review';
}

/** Approval gets a headline reason when nothing else asked for a different outcome. */
function withSummary(outcome: Outcome, reasons: Reason[]): Reason[] {
  const unanimous = reasons.every((r) => r.outcome === 'approved' || r.outcome === 'info');
  if (outcome !== 'approved' || !unanimous) return reasons;
  return [createReason('all_evidence_passed', 'every verification and counted report passed'), ...reasons];
}

/** Stable sort by the rank of each reason's outcome; info last. Within a rank the build order is kept. */
function orderReasons(reasons: Reason[], precedence: readonly Outcome[]): Reason[] {
  const rank = (r: Reason): number => {
    const index = r.outcome === 'info' ? -1 : precedence.indexOf(r.outcome);
    return index === -1 ? precedence.length : index;
  };
  return [...reasons].sort((a, b) => rank(a) - rank(b));
}
