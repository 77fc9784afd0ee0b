import type { Outcome } from './outcome.js';

/**
 * Every reason code the engine emits, with the outcome it asks for ('info' explains without deciding). A code
 * carries this outcome, so consumers can branch on the code alone, with three documented exceptions
 * (docs/decision-policy.md#reason-codes): `inquiry_failed` and `inquiry_expired` carry the outcome the policy maps
 * them to, `operator_review` carries the reviewer's outcome, and in a decision taken on Persona's view the engine's
 * own reasons are `info` (their `engineOutcome` says what they asked for). Codes are a public contract (stored with each decision, sent downstream): add new ones,
 * never rename.
 */
export const reasonCatalogue = {
  // approved
  all_evidence_passed: 'approved',
  verification_passed: 'approved',
  report_clear: 'approved',
  report_ready: 'approved',
  report_match_dismissed: 'approved',
  persona_approved: 'approved',
  // an operator's review (POST /decisions/:inquiryId/review): its outcome is the reviewer's choice (approved,
  // declined or retry), a documented exception like inquiry_failed
  operator_review: 'approved',
  // declined
  decline_check_failed: 'declined',
  inquiry_failed: 'declined',
  persona_declined: 'declined',
  // manual_review
  required_check_failed: 'manual_review',
  verification_failed: 'manual_review',
  verification_inconsistent: 'manual_review',
  verification_canceled: 'manual_review',
  verification_status_unknown: 'manual_review',
  verification_not_settled: 'manual_review',
  no_verifications: 'manual_review',
  no_passing_verification: 'manual_review',
  required_verification_missing: 'manual_review',
  required_verification_skipped: 'manual_review',
  report_match: 'manual_review',
  report_match_unknown: 'manual_review',
  report_errored: 'manual_review',
  report_status_unknown: 'manual_review',
  report_not_settled: 'manual_review',
  required_report_missing: 'manual_review',
  earlier_attempt_fraud_signal: 'manual_review',
  failed_attempts_exceeded: 'manual_review',
  persona_marked_for_review: 'manual_review',
  persona_engine_disagree: 'manual_review',
  // retry
  verification_requires_retry: 'retry',
  inquiry_expired: 'retry',
  // info
  attempt_superseded: 'info',
  verification_skipped: 'info',
  non_required_check_failed: 'info',
  required_check_failed_info: 'info',
  report_not_counted: 'info',
  engine_disagrees: 'info',
  rule_error: 'info',
} as const satisfies Record<string, Outcome | 'info'>;

export type ReasonCode = keyof typeof reasonCatalogue;

/** A policy rule's own code: `rule_<name>`, with the outcome the rule asks for (docs/decision-policy.md#rules). */
export type RuleReasonCode = `rule_${string}`;

export interface Reason {
  code: ReasonCode | RuleReasonCode;
  outcome: Outcome | 'info';
  message: string;
  verificationId?: string;
  verificationType?: string;
  reportId?: string;
  reportType?: string;
  check?: string;
  /**
   * Only in a decision Persona's view took (its first reason is `persona_*`, `inquiry_failed` or `inquiry_expired`):
   * the engine's own reasons are kept as `info`, and this names the outcome each asked for; on `engine_disagrees`,
   * the engine's outcome.
   */
  engineOutcome?: Outcome;
  /** On `rule_<name>` and `rule_error`: the policy rule's name. */
  rule?: string;
  /** On `operator_review`: the operator (the token's name in API_TOKENS). */
  actor?: string;
  /** On `operator_review`: the operator's note. */
  note?: string;
}

export type ReasonRefs = Pick<Reason, 'verificationId' | 'verificationType' | 'reportId' | 'reportType' | 'check'>;

export function createReason(code: ReasonCode, message: string, refs: ReasonRefs = {}): Reason {
  return { code, outcome: reasonCatalogue[code], message, ...refs };
}
