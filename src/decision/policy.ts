import { z } from 'zod';
import { AppError, ErrorCodes } from '../errors.js';
import { compareStrings } from './evidence.js';
import { OUTCOMES } from './outcome.js';
import {
  PERSONA_DECISION_MODES,
  type PolicyContent,
  REPORT_MATCH_MEANINGS,
  type ReportMatchMeaning,
  toContentVersion,
} from './policy-version.js';
import { reasonCatalogue } from './reasons.js';
import { type CompiledRule, compileRule, RULE_NAME_PATTERN, RULES_TOTAL_COST_LIMIT, type RuleSpec } from './rules.js';

/**
 * The decision policy: which failed checks decline, which reports count and what their match means, what must be
 * present, how Persona's own decisions are treated, and which outcome wins when several apply. The rules
 * themselves are in docs/decision-policy.md.
 */
export interface Policy extends PolicyContent {
  /** Stamped on every decision taken with this policy: the file's `version`, else a hash of the whole file. */
  version: string;
  /** Per inquiry template id: the effective policy for that template's inquiries (the top level, overridden). */
  templates: Readonly<Record<string, PolicyContent>>;
}

/** The rules that apply to an inquiry of this template: its override, or the top level. */
export function policyFor(policy: Policy, templateId: string | null): PolicyContent {
  return (templateId === null ? undefined : policy.templates[templateId]) ?? policy;
}

/** Every report type some template counts: report events of these types are worth acting on. */
export function countedReportTypes(policy: Policy): string[] {
  return normalizeList([policy, ...Object.values(policy.templates)].flatMap((content) => content.reportTypes));
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
  rules: [],
  templates: {},
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

const ruleSchema = z.strictObject({
  name: z.string().max(50).regex(RULE_NAME_PATTERN, 'must be a snake_case rule name (the reason code is rule_<name>)'),
  when: z.string().trim().min(1),
  then: outcome,
});

/** The keys that say what the policy does: at the top level, and again (each optional) in a template override. */
const contentFields = {
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
  rules: z.array(ruleSchema).max(100).optional(),
};

/** Inquiry template ids: `itmpl_…` (dynamic flow), or `tmpl_…` for inquiries made from a legacy template. */
const templateId = z.string().regex(/^(itmpl|tmpl)_[A-Za-z0-9]+$/, 'must be an inquiry template id (itmpl_…)');

// strictObject: an unknown key is almost always a typo ("declineCheck"), and a typo must not fall back to defaults.
const policyFileSchema = z.strictObject({
  version: z.string().trim().min(1).max(100).optional(),
  ...contentFields,
  templates: z.record(templateId, z.strictObject(contentFields)).optional(),
});

type PolicyLayer = z.output<z.ZodObject<typeof contentFields>>;

/**
 * Untrusted JSON → Policy. Omitted keys take the defaults; lists are sorted and de-duplicated (their order means
 * nothing) and map keys sorted, so that equivalent files hash to the same version. A template override is laid over
 * the top level: each list it gives (rules too) replaces the top level's, each map it gives is merged into the top
 * level's, key by key. Every problem is reported at once, by key path. `source` names the file in errors.
 */
export function parsePolicy(json: unknown, source: string): Policy {
  const parsed = policyFileSchema.safeParse(json);
  if (!parsed.success) throw invalidPolicy(source, parsed.error.issues.flatMap(describeIssue));
  const { version, templates: overrides = {}, ...top } = parsed.data;
  const problems: string[] = [];
  const content = resolveContent(top, '', problems);
  const templates = sortKeys(
    Object.fromEntries(
      Object.entries(overrides).map(([id, override]) => [
        id,
        resolveContent(override, `templates.${id}.`, problems, { layer: top, content }),
      ]),
    ),
  );
  if (problems.length > 0) throw invalidPolicy(source, problems);
  return deepFreeze({ version: version ?? toContentVersion(content, templates), ...content, templates });
}

/**
 * The version a policy would carry without a declared `version`: the hash of everything it decides with. Equal to
 * `policy.version` when the file declares none.
 */
export function contentHash(policy: Policy): string {
  const { version: _version, templates, ...content } = policy;
  return toContentVersion(content, templates);
}

/**
 * One layer's effective content: `own` is what the layer wrote, `inherited` what it is laid over (the top level,
 * for a template; nothing, for the top level itself), `at` the key path prefix for problems. Lists come from the
 * layer when it gives them; maps are merged; inherited reportMatch entries for types the layer no longer counts are
 * dropped (only the entries a layer wrote itself must be counted).
 */
function resolveContent(
  own: PolicyLayer,
  at: string,
  problems: string[],
  base?: { layer: PolicyLayer; content: PolicyContent },
): PolicyContent {
  const inherited = base?.layer ?? {};
  const layer: PolicyLayer = { ...inherited, ...own };
  const reportTypes = normalizeList(layer.reportTypes ?? defaultPolicy.reportTypes);
  const explicitMatch = { ...pick(inherited.reportMatch ?? {}, reportTypes), ...own.reportMatch };
  // a layer that changes no report key has the reports of the one below, whose problems are already reported
  const changesReports = own.reportTypes ?? own.reportMatch ?? own.requiredReportTypes;
  if (!base || changesReports) problems.push(...crossFieldProblems(own, explicitMatch, reportTypes, layer, at));
  return {
    declineChecks: normalizeList(layer.declineChecks ?? defaultPolicy.declineChecks),
    reportTypes,
    // crossFieldProblems guarantees a meaning for every counted type
    reportMatch: sortKeys(
      Object.fromEntries(reportTypes.map((type) => [type, explicitMatch[type] ?? screeningMeaning(type) ?? 'review'])),
    ),
    requiredVerificationTypes: normalizeList(
      layer.requiredVerificationTypes ?? defaultPolicy.requiredVerificationTypes,
    ),
    requiredReportTypes: normalizeList(layer.requiredReportTypes ?? defaultPolicy.requiredReportTypes),
    fraudChecks: normalizeList(layer.fraudChecks ?? defaultPolicy.fraudChecks),
    maxFailedAttempts: sortKeys({ ...inherited.maxFailedAttempts, ...own.maxFailedAttempts }),
    personaDecisions: layer.personaDecisions ?? defaultPolicy.personaDecisions,
    inquiryOutcomes: {
      ...defaultPolicy.inquiryOutcomes,
      ...definedOnly(inherited.inquiryOutcomes ?? {}),
      ...definedOnly(own.inquiryOutcomes ?? {}),
    },
    precedence: [...(layer.precedence ?? defaultPolicy.precedence)],
    rules: base && !own.rules ? base.content.rules : compileRules(layer.rules ?? [], `${at}rules`, problems),
  };
}

/**
 * Rules between keys: what a match means must be known for every counted type, a reportMatch entry this layer
 * wrote must be counted, and required reports must count.
 */
function crossFieldProblems(
  own: PolicyLayer,
  explicitMatch: Readonly<Record<string, ReportMatchMeaning>>,
  reportTypes: readonly string[],
  layer: PolicyLayer,
  at: string,
): string[] {
  const problems: string[] = [];
  for (const type of reportTypes) {
    if (explicitMatch[type] === undefined && screeningMeaning(type) === undefined) {
      problems.push(
        `${at}reportTypes: ${type} is not a screening report, so its has-match is not adverse by itself; ` +
          `set reportMatch["${type}"] to "review" or "ignore"`,
      );
    }
  }
  for (const type of Object.keys(own.reportMatch ?? {})) {
    if (!reportTypes.includes(type)) problems.push(`${at}reportMatch.${type}: not in reportTypes, so never read`);
  }
  for (const type of layer.requiredReportTypes ?? []) {
    if (!reportTypes.includes(type)) problems.push(`${at}requiredReportTypes: ${type} must also be in reportTypes`);
  }
  return problems;
}

/** Compiles every rule (rules.ts), sorted by name; a duplicate name or a bad expression is a problem at its path. */
function compileRules(specs: readonly RuleSpec[], at: string, problems: string[]): CompiledRule[] {
  const compiled: CompiledRule[] = [];
  const seen = new Set<string>();
  specs.forEach((spec, index) => {
    const path = `${at}.${index}`;
    if (seen.has(spec.name)) problems.push(`${path}.name: "${spec.name}" is already the name of another rule`);
    else if (`rule_${spec.name}` in reasonCatalogue) {
      problems.push(`${path}.name: "${spec.name}" would give rule_${spec.name}, a reason code the engine uses`);
    }
    seen.add(spec.name);
    const result = compileRule(spec);
    if ('problem' in result) problems.push(`${path}.when (${spec.name}): ${result.problem}`);
    else compiled.push(result.rule);
  });
  const total = compiled.reduce((sum, rule) => sum + rule.cost, 0);
  if (total > RULES_TOTAL_COST_LIMIT) {
    problems.push(`${at}: the rules may cost ${total} evaluation steps together (at most ${RULES_TOTAL_COST_LIMIT})`);
  }
  return compiled.sort((a, b) => compareStrings(a.name, b.name));
}

function pick<V>(record: Readonly<Record<string, V>>, keys: readonly string[]): Record<string, V> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));
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
  // a bad map key ("templates.kyb"): the key's own message says what it should look like
  if (issue.code === 'invalid_key') return [`${at(issue.path)}: ${issue.issues.map((i) => i.message).join('; ')}`];
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
    ...freezeContent(policy),
    templates: Object.freeze(
      Object.fromEntries(Object.entries(policy.templates).map(([id, content]) => [id, freezeContent(content)])),
    ),
  });
}

function freezeContent(content: PolicyContent): PolicyContent {
  return Object.freeze({
    declineChecks: Object.freeze([...content.declineChecks]),
    reportTypes: Object.freeze([...content.reportTypes]),
    reportMatch: Object.freeze({ ...content.reportMatch }),
    requiredVerificationTypes: Object.freeze([...content.requiredVerificationTypes]),
    requiredReportTypes: Object.freeze([...content.requiredReportTypes]),
    fraudChecks: Object.freeze([...content.fraudChecks]),
    maxFailedAttempts: Object.freeze({ ...content.maxFailedAttempts }),
    personaDecisions: content.personaDecisions,
    inquiryOutcomes: Object.freeze({ ...content.inquiryOutcomes }),
    precedence: Object.freeze([...content.precedence]),
    rules: Object.freeze(content.rules.map((rule) => Object.freeze({ ...rule }))),
  });
}
