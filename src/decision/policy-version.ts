import { createHash } from 'node:crypto';
import type { Outcome } from './outcome.js';

/** What a policy does (policy.ts adds its version): the input of the content hash below. */
export interface PolicyContent {
  declineChecks: readonly string[];
  reportTypes: readonly string[];
  requiredVerificationTypes: readonly string[];
  /** Highest first: the first outcome in this list that any piece of evidence asks for is the decision. */
  precedence: readonly Outcome[];
}

/**
 * The version of a policy file that declares none: a hash of what the policy does, so two decisions with the same
 * policyVersion were taken under the same rules. The caller normalizes the lists (sorted, de-duplicated); the
 * JSON below is built with a fixed key order, so the key order of the file never changes the hash.
 */
export function toContentVersion(content: PolicyContent): string {
  const canonical = JSON.stringify({
    declineChecks: content.declineChecks,
    precedence: content.precedence,
    reportTypes: content.reportTypes,
    requiredVerificationTypes: content.requiredVerificationTypes,
  });
  return `sha256:${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}
