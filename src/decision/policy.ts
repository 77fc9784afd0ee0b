import { z } from 'zod';
import { AppError, ErrorCodes } from '../errors.js';
import { OUTCOMES } from './outcome.js';
import {
  PERSONA_DECISION_MODES,
  type PolicyContent,
  REPORT_MATCH_MEANINGS,
  type ReportMatchMeaning,
  toContentVersion,
} from './policy-version.js';

/**
 * The decision policy: which failed checks decline, which reports count and what their match means, what must be
 * present, how Persona's own decisions are treated, and which outcome wins when several apply. The rules
 * themselves are in docs/decision-policy.md.
 */
export interface Policy extends PolicyContent {
  /** Stamped on every decision taken with this policy: the file's `version`, else a hash of the content. */
  version: string;
}

/**
 * Screening reports: the report types Persona sends `.matched` events for (OAS `webhooks`, persona-openapi
 * 2025-12-08; all but the crypto-address watchlist also `.dismissed`), where `has-match` means a possible hit on a list. Any other counted report type must
 * say in `reportMatch` what its match means: for a phone or email lookup a "match" is not adverse.
 */
export const SCREENING_REPORT_TYPES: readonly string[] = [
  'report/adverse-media',
  'report/business-adverse-media',
  'report/business-watchlist',
  'report/crypto-address-watchlist',
  'report/politically-exposed-person',
  'report/watchlist',
];

const DEFAULT_REPORT_TYPES = [...SCREENING_REPORT_TYPES];

/** Bump the version whenever a value below changes: it is stamped on every decision taken with it. */
export const defaultPolicy: Policy = deepFreeze({
  version: 'default-2',
  declineChecks: [
    'database_deceased_detection',
    'document_expired_detection',
    'document_fabrication_detection',
    'id_compromised_detection',
    'id_electronic_replica_detection',
    'id_expired_detection',
    'id_fabrication_detection',
    'id_nfc_expired_detection',
    'id_tamper_detection',
    'selfie_liveness_detection',
    'selfie_suspicious_entity_detection',
  ],
  // Persona screens watchlists as Reports, not as verification checks (docs/persona-notes.md#objects).
  reportTypes: DEFAULT_REPORT_TYPES,
  reportMatch: Object.fromEntries(DEFAULT_REPORT_TYPES.map((type) => [type, 'review' as const])),
  requiredVerificationTypes: [],
  requiredReportTypes: [],
  fraudChecks: [
    'document_fabrication_detection',
    'id_compromised_detection',
    'id_electronic_replica_detection',
    'id_fabrication_detection',
    'id_tamper_detection',
    'selfie_suspicious_entity_detection',
  ],
  maxFailedAttempts: {},
  personaDecisions: 'follow',
  inquiryOutcomes: { failed: 'declined', expired: 'retry' },
  precedence: ['declined', 'manual_review', 'retry', 'approved'],
});

// Shapes are checked, not just types: a file saying "watchlist" instead of "report/watchlist" would otherwise
// silently stop counting screening reports. Report types may have several segments (report/integration/…).
const checkName = z.string().regex(/^[a-z0-9]+(_[a-z0-9]+)*$/, 'must be a snake_case check name');
const reportType = z.string().regex(/^report(\/[a-z0-9-]+)+$/, 'must look like "report/watchlist"');
const verificationType = z.string().regex(/^verification\/[a-z0-9-]+$/, 'must look like "verification/selfie"');
const outcome = z.enum(OUTCOMES);
const precedence = z
  .array(outcome)
  .refine((list) => list.length === OUTCOMES.length && new Set(list).size === OUTCOMES.length, {
    error: `must list each of ${OUTCOMES.join(', ')} exactly once`,
  });

// strictObject: an unknown key is almost always a typo ("declineCheck"), and a typo must not fall back to defaults.
const policyFileSchema = z.strictObject({
  version: z.string().trim().min(1).max(100).optional(),
  declineChecks: z.array(checkName).optional(),
  reportTypes: z.array(reportType).optional(),
  reportMatch: z.record(reportType, z.enum(REPORT_MATCH_MEANINGS)).optional(),
  requiredVerificationTypes: z.array(verificationType).optional(),
  requiredReportTypes: z.array(reportType).optional(),
  fraudChecks: z.array(checkName).optional(),
  maxFailedAttempts: z.record(verificationType, z.number().int().min(0).max(1000)).optional(),
  personaDecisions: z.enum(PERSONA_DECISION_MODES).optional(),
  inquiryOutcomes: z.strictObject({ failed: outcome.optional(), expired: outcome.optional() }).optional(),
  precedence: precedence.optional(),
});

type PolicyFile = z.output<typeof policyFileSchema>;

/**
 * Untrusted JSON → Policy. Omitted keys take the defaults; lists are sorted and de-duplicated (their order means
 * nothing) and map keys sorted, so that equivalent files hash to the same version. `source` names the file in errors.
 */
export function parsePolicy(json: unknown, source: string): Policy {
  const parsed = policyFileSchema.safeParse(json);
  if (!parsed.success) throw invalidPolicy(source, parsed.error.issues.flatMap(describeIssue));
  const file = parsed.data;
  const reportTypes = normalizeList(file.reportTypes ?? defaultPolicy.reportTypes);
  const problems = crossFieldProblems(file, reportTypes);
  if (problems.length > 0) throw invalidPolicy(source, problems);
  const content: PolicyContent = {
    declineChecks: normalizeList(file.declineChecks ?? defaultPolicy.declineChecks),
    reportTypes,
    // crossFieldProblems guarantees a meaning for every counted type
    reportMatch: sortKeys(
      Object.fromEntries(
        reportTypes.map((type) => [type, file.reportMatch?.[type] ?? screeningMeaning(type) ?? 'review']),
      ),
    ),
    requiredVerificationTypes: normalizeList(file.requiredVerificationTypes ?? defaultPolicy.requiredVerificationTypes),
    requiredReportTypes: normalizeList(file.requiredReportTypes ?? defaultPolicy.requiredReportTypes),
    fraudChecks: normalizeList(file.fraudChecks ?? defaultPolicy.fraudChecks),
    maxFailedAttempts: sortKeys(file.maxFailedAttempts ?? defaultPolicy.maxFailedAttempts),
    personaDecisions: file.personaDecisions ?? defaultPolicy.personaDecisions,
    inquiryOutcomes: { ...defaultPolicy.inquiryOutcomes, ...definedOnly(file.inquiryOutcomes ?? {}) },
    precedence: [...(file.precedence ?? defaultPolicy.precedence)],
  };
  return deepFreeze({ version: file.version ?? toContentVersion(content), ...content });
}

/** Rules between keys: what a match means must be known for every counted type, and required reports must count. */
function crossFieldProblems(file: PolicyFile, reportTypes: readonly string[]): string[] {
  const problems: string[] = [];
  for (const type of reportTypes) {
    if (file.reportMatch?.[type] === undefined && screeningMeaning(type) === undefined) {
      problems.push(
        `reportTypes: ${type} is not a screening report, so its has-match is not adverse by itself; ` +
          `set reportMatch["${type}"] to "review" or "ignore"`,
      );
    }
  }
  for (const type of Object.keys(file.reportMatch ?? {})) {
    if (!reportTypes.includes(type)) problems.push(`reportMatch.${type}: not in reportTypes, so never read`);
  }
  for (const type of file.requiredReportTypes ?? []) {
    if (!reportTypes.includes(type)) problems.push(`requiredReportTypes: ${type} must also be in reportTypes`);
  }
  return problems;
}

function screeningMeaning(type: string): ReportMatchMeaning | undefined {
  return SCREENING_REPORT_TYPES.includes(type) ? 'review' : undefined;
}

function invalidPolicy(source: string, problems: string[]): AppError {
  return new AppError(
    ErrorCodes.POLICY_INVALID,
    `Invalid decision policy in ${source}:\n  - ${problems.join('\n  - ')}`,
  );
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

function sortKeys<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function deepFreeze(policy: Policy): Policy {
  return Object.freeze({
    version: policy.version,
    declineChecks: Object.freeze([...policy.declineChecks]),
    reportTypes: Object.freeze([...policy.reportTypes]),
    reportMatch: Object.freeze({ ...policy.reportMatch }),
    requiredVerificationTypes: Object.freeze([...policy.requiredVerificationTypes]),
    requiredReportTypes: Object.freeze([...policy.requiredReportTypes]),
    fraudChecks: Object.freeze([...policy.fraudChecks]),
    maxFailedAttempts: Object.freeze({ ...policy.maxFailedAttempts }),
    personaDecisions: policy.personaDecisions,
    inquiryOutcomes: Object.freeze({ ...policy.inquiryOutcomes }),
    precedence: Object.freeze([...policy.precedence]),
  });
}
