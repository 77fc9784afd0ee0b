import type { Outcome } from './outcome.js';
import type { Policy } from './policy.js';
import { type PolicyContent, ruleSpec } from './policy-version.js';
import type { RuleSpec } from './rules.js';

/** A policy's effective content as plain JSON: rules as written (no compiled form), every default filled in. */
export interface PolicyContentJson {
  declineChecks: string[];
  reportTypes: string[];
  reportMatch: Record<string, string>;
  requiredVerificationTypes: string[];
  requiredReportTypes: string[];
  fraudChecks: string[];
  maxFailedAttempts: Record<string, number>;
  personaDecisions: string;
  inquiryOutcomes: { failed: Outcome; expired: Outcome };
  precedence: Outcome[];
  rules: RuleSpec[];
}

export interface PolicyJson extends PolicyContentJson {
  version: string;
  templates: Record<string, PolicyContentJson>;
}

/**
 * The normalized policy (`npm run policy -- check`): the version, then the keys in the policy file's order, each
 * template as its effective content (its overrides laid over the top level). The result is itself a policy file
 * that loads to the same policy.
 */
export function toPolicyJson(policy: Policy): PolicyJson {
  return {
    version: policy.version,
    ...toContentJson(policy),
    templates: Object.fromEntries(
      Object.entries(policy.templates).map(([id, content]) => [id, toContentJson(content)]),
    ),
  };
}

function toContentJson(content: PolicyContent): PolicyContentJson {
  return {
    declineChecks: [...content.declineChecks],
    reportTypes: [...content.reportTypes],
    reportMatch: { ...content.reportMatch },
    requiredVerificationTypes: [...content.requiredVerificationTypes],
    requiredReportTypes: [...content.requiredReportTypes],
    fraudChecks: [...content.fraudChecks],
    maxFailedAttempts: { ...content.maxFailedAttempts },
    personaDecisions: content.personaDecisions,
    inquiryOutcomes: { failed: content.inquiryOutcomes.failed, expired: content.inquiryOutcomes.expired },
    precedence: [...content.precedence],
    rules: content.rules.map(ruleSpec),
  };
}
