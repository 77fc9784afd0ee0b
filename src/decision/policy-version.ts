import { createHash } from 'node:crypto';
import type { Outcome } from './outcome.js';

/** Whose decision counts when Persona (a Workflow or a reviewer) approved, declined or marked an inquiry for review. */
export const PERSONA_DECISION_MODES = ['follow', 'review_on_disagreement', 'ignore'] as const;
export type PersonaDecisionMode = (typeof PERSONA_DECISION_MODES)[number];

/** What a match on a counted report means: `review` asks for manual_review, `ignore` means nothing. */
export const REPORT_MATCH_MEANINGS = ['review', 'ignore'] as const;
export type ReportMatchMeaning = (typeof REPORT_MATCH_MEANINGS)[number];

/** What a policy does (policy.ts adds its version): the input of the content hash below. */
export interface PolicyContent {
  declineChecks: readonly string[];
  reportTypes: readonly string[];
  /** Per counted report type (every one of them): whether a match asks for review. */
  reportMatch: Readonly<Record<string, ReportMatchMeaning>>;
  requiredVerificationTypes: readonly string[];
  /** Report types that must be linked and settled before deciding; absent at the deadline → manual_review. */
  requiredReportTypes: readonly string[];
  /** Checks whose failure on an earlier, superseded attempt still asks for review. */
  fraudChecks: readonly string[];
  /** Per verification type: more failed attempts than this asks for review. */
  maxFailedAttempts: Readonly<Record<string, number>>;
  personaDecisions: PersonaDecisionMode;
  /** The outcome of an inquiry Persona failed (the user ran out of attempts) or that expired (the user left). */
  inquiryOutcomes: Readonly<{ failed: Outcome; expired: Outcome }>;
  /** Highest first: the first outcome in this list that any piece of evidence asks for is the decision. */
  precedence: readonly Outcome[];
}

/**
 * The version of a policy file that declares none: a hash of what the policy does, so two decisions with the same
 * policyVersion were taken under the same rules. The caller normalizes the lists (sorted, de-duplicated) and the
 * maps (keys sorted); the JSON below is built with a fixed key order, so the key order of the file never changes
 * the hash.
 */
export function toContentVersion(content: PolicyContent): string {
  const canonical = JSON.stringify({
    declineChecks: content.declineChecks,
    fraudChecks: content.fraudChecks,
    inquiryOutcomes: { expired: content.inquiryOutcomes.expired, failed: content.inquiryOutcomes.failed },
    maxFailedAttempts: content.maxFailedAttempts,
    personaDecisions: content.personaDecisions,
    precedence: content.precedence,
    reportMatch: content.reportMatch,
    reportTypes: content.reportTypes,
    requiredReportTypes: content.requiredReportTypes,
    requiredVerificationTypes: content.requiredVerificationTypes,
  });
  return `sha256:${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}
