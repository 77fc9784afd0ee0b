import { createHash } from 'node:crypto';
import type { Policy } from './policy.js';

export type PolicyContent = Omit<Policy, 'version'>;

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
