import { createHash } from 'node:crypto';
import type { Outcome } from './outcome.js';
import type { CompiledRule, RuleSpec } from './rules.js';

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
  /** CEL rules (rules.ts), sorted by name; each asks for its outcome when its expression is true. */
  rules: readonly CompiledRule[];
}

/**
 * The version of a policy file that declares none: a hash of what the policy does, so two decisions with the same
 * policyVersion were taken under the same rules. The caller normalizes the lists (sorted, de-duplicated) and the
 * maps (keys sorted); the JSON below is built with a fixed key order, so the key order of the file never changes
 * the hash. `rules` and `templates` join the hash only when present, so a file without them keeps the hash it had
 * before they existed.
 */
export function toContentVersion(content: PolicyContent, templates: Readonly<Record<string, PolicyContent>>): string {
  const canonical = JSON.stringify({
    ...canonicalContent(content),
    ...(Object.keys(templates).length === 0
      ? {}
      : {
          templates: Object.fromEntries(
            Object.entries(templates).map(([id, template]) => [id, canonicalContent(template)]),
          ),
        }),
  });
  return `sha256:${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}

function canonicalContent(content: PolicyContent): Record<string, unknown> {
  return {
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
    ...(content.rules.length === 0 ? {} : { rules: content.rules.map(ruleSpec) }),
  };
}

/** A rule as written (name, when, then), without its compiled form. */
export function ruleSpec(rule: RuleSpec): RuleSpec {
  return { name: rule.name, when: rule.when, then: rule.then };
}
