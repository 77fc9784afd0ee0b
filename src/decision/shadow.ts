import { z } from 'zod';
import { decide } from './decide.js';
import type { Evidence } from './evidence.js';
import type { Outcome } from './outcome.js';
import type { Policy } from './policy.js';
import { toContentVersion } from './policy-version.js';
import type { Reason } from './reasons.js';
import { outcomeSchema, reasonSchema } from './schemas.js';

/**
 * The shadow policy (DECISION_SHADOW_POLICY_FILE): every live decision is also taken under a second policy, on the
 * same evidence, and the result is kept beside it, never delivered nor written back: what the candidate policy
 * would have decided on live traffic (docs/decision-policy.md#shadow-policy).
 */
export interface ShadowDecision {
  outcome: Outcome;
  reasons: Reason[];
  policyVersion: string;
}

export const shadowDecisionSchema = z.object({
  outcome: outcomeSchema,
  reasons: z.array(reasonSchema),
  policyVersion: z.string(),
}) satisfies z.ZodType<ShadowDecision>;

/** The shadow policy's decision on the live decision's evidence; null without a shadow policy. Pure. */
export function decideShadow(evidence: Evidence, shadowPolicy: Policy | null): ShadowDecision | null {
  if (!shadowPolicy) return null;
  const { outcome, reasons, policyVersion } = decide(evidence, shadowPolicy);
  return { outcome, reasons, policyVersion };
}

/**
 * Why a shadow policy cannot be run beside the live one, or null. Its version must differ (the stored shadows and
 * the summary tell the two apart by version), and so must its rules: a policy compared with itself agrees on every
 * decision and only costs CPU. Rules are compared by their content hash, whatever versions the files declare.
 */
export function shadowPolicyProblem(live: Policy, shadow: Policy): string | null {
  if (shadow.version === live.version) {
    return `has the live policy's version (${live.version}): give the shadow policy a version of its own`;
  }
  if (toContentVersion(shadow, shadow.templates) === toContentVersion(live, live.templates)) {
    return `has the same rules as the live policy (${live.version}): it would agree on every decision`;
  }
  return null;
}
