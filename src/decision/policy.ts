import { z } from 'zod';
import { AppError, ErrorCodes } from '../errors.js';
import { OUTCOMES } from './outcome.js';
import { type PolicyContent, toContentVersion } from './policy-version.js';

/**
 * The decision policy: which failed checks decline, which screening reports count, which verification types must
 * be present, and which outcome wins when several apply. The rules themselves are in docs/decision-policy.md.
 */
export interface Policy extends PolicyContent {
  /** Stamped on every decision taken with this policy: the file's `version`, else a hash of the content. */
  version: string;
}

/** Bump the version whenever a value below changes: it is stamped on every decision taken with it. */
export const defaultPolicy: Policy = deepFreeze({
  version: 'default-1',
  declineChecks: [
    'id_expired_detection',
    'id_fabrication_detection',
    'id_tamper_detection',
    'id_electronic_replica_detection',
    'id_compromised_detection',
    'selfie_liveness_detection',
    'selfie_suspicious_entity_detection',
    'database_deceased_detection',
  ],
  // Persona screens watchlists as Reports, not as verification checks (docs/persona-notes.md#objects).
  reportTypes: ['report/watchlist', 'report/politically-exposed-person', 'report/adverse-media'],
  requiredVerificationTypes: [],
  precedence: ['declined', 'manual_review', 'retry', 'approved'],
});

// Shapes are checked, not just types: a file saying "watchlist" instead of "report/watchlist" would otherwise
// silently stop counting screening reports.
const checkName = z.string().regex(/^[a-z0-9]+(_[a-z0-9]+)*$/, 'must be a snake_case check name');
const reportType = z.string().regex(/^report\/[a-z0-9-]+$/, 'must look like "report/watchlist"');
const verificationType = z.string().regex(/^verification\/[a-z0-9-]+$/, 'must look like "verification/selfie"');
const precedence = z
  .array(z.enum(OUTCOMES))
  .refine((list) => list.length === OUTCOMES.length && new Set(list).size === OUTCOMES.length, {
    error: `must list each of ${OUTCOMES.join(', ')} exactly once`,
  });

// strictObject: an unknown key is almost always a typo ("declineCheck"), and a typo must not fall back to defaults.
const policyFileSchema = z.strictObject({
  version: z.string().trim().min(1).max(100).optional(),
  declineChecks: z.array(checkName).optional(),
  reportTypes: z.array(reportType).optional(),
  requiredVerificationTypes: z.array(verificationType).optional(),
  precedence: precedence.optional(),
});

/**
 * Untrusted JSON → Policy. Omitted keys take the defaults; lists are sorted and de-duplicated (their order means
 * nothing) so that equivalent files hash to the same version. `source` names the file in errors.
 */
export function parsePolicy(json: unknown, source: string): Policy {
  const parsed = policyFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap(describeIssue);
    throw new AppError(
      ErrorCodes.POLICY_INVALID,
      `Invalid decision policy in ${source}:\n  - ${problems.join('\n  - ')}`,
    );
  }
  const file = parsed.data;
  const content = {
    declineChecks: normalizeList(file.declineChecks ?? defaultPolicy.declineChecks),
    reportTypes: normalizeList(file.reportTypes ?? defaultPolicy.reportTypes),
    requiredVerificationTypes: normalizeList(file.requiredVerificationTypes ?? defaultPolicy.requiredVerificationTypes),
    precedence: [...(file.precedence ?? defaultPolicy.precedence)],
  };
  return deepFreeze({ version: file.version ?? toContentVersion(content), ...content });
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[]): string => path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${at([...issue.path, key])}: unknown key`);
  }
  return [`${at(issue.path)}: ${issue.message}`];
}

function normalizeList(list: readonly string[]): string[] {
  return [...new Set(list)].sort();
}

function deepFreeze(policy: Policy): Policy {
  return Object.freeze({
    version: policy.version,
    declineChecks: Object.freeze([...policy.declineChecks]),
    reportTypes: Object.freeze([...policy.reportTypes]),
    requiredVerificationTypes: Object.freeze([...policy.requiredVerificationTypes]),
    precedence: Object.freeze([...policy.precedence]),
  });
}
