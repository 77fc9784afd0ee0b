import { LIFECYCLE_SCENARIO_KEYS, LIFECYCLE_SCENARIOS } from './lifecycle-scenarios.js';
import type { LifecycleStep, ReportSpec, ScenarioDefinition } from './scenario-spec.js';
import {
  database,
  GOV_ID_CHECKS,
  govId,
  govIdChecksFailing,
  passed,
  SELFIE_CHECKS,
  selfie,
  watchlist,
} from './scenario-spec.js';

/**
 * Named Persona inquiries, one per outcome of the default decision policy (docs/decision-policy.md), plus the
 * lifecycle scenarios (lifecycle-scenarios.ts). A scenario lists the inquiry's verifications and reports; the
 * simulator materialises them as spec-valid JSON (scenario-objects.ts). Two things change over time: a `pending`
 * verification's status (after N fetches), and the inquiry's lifecycle step (its status and linked reports), which
 * the simulator is told to move (PUT /_sim/inquiries/:inquiryId/step).
 */
const COMPLETED_SCENARIO_KEYS = [
  'all-passed',
  'risk-signals',
  'retried-id-then-passed',
  'failed-liveness',
  'failed-non-decline-check',
  'latest-requires-retry',
  'watchlist-hit',
  'no-verifications',
  'settles-after-polls',
  'never-settles',
] as const;

export const SCENARIO_KEYS = [...COMPLETED_SCENARIO_KEYS, ...LIFECYCLE_SCENARIO_KEYS] as const;

export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

/** A scenario with its steps spelt out: one `inquiry.completed` step unless it has a lifecycle. */
export interface Scenario extends ScenarioDefinition<ScenarioKey> {
  steps: LifecycleStep[];
}

const COMPLETED_SCENARIOS: readonly ScenarioDefinition<ScenarioKey>[] = [
  {
    key: 'all-passed',
    description: 'government ID, selfie and database passed; watchlist clear',
    expectedOutcome: 'approved',
    expectedReason: 'all_evidence_passed',
    verifications: [govId(), selfie(), database()],
    reports: [watchlist()],
  },
  {
    key: 'risk-signals',
    description: 'everything passed, but a high bot score and a vip tag: approved unless a policy rule reads them',
    expectedOutcome: 'approved',
    expectedReason: 'all_evidence_passed',
    verifications: [govId(), selfie(), database()],
    reports: [watchlist()],
    signals: { tags: ['vip'], behaviors: { 'bot-score': 91 } },
  },
  {
    key: 'retried-id-then-passed',
    description: 'first ID photo was blurry (failed), the second attempt passed',
    expectedOutcome: 'approved',
    expectedReason: 'all_evidence_passed',
    verifications: [
      govId({ status: 'failed', checks: govIdChecksFailing('id_blur_detection', ['too_blurry']) }),
      govId({ slot: 'gov2', createdAfterSeconds: 120 }),
      selfie(),
      database(),
    ],
    reports: [watchlist()],
  },
  {
    key: 'failed-liveness',
    description: 'selfie failed the required liveness check (on the decline list)',
    expectedOutcome: 'declined',
    expectedReason: 'decline_check_failed',
    verifications: [
      govId(),
      selfie({
        status: 'failed',
        checks: SELFIE_CHECKS.map((name) =>
          name === 'selfie_liveness_detection'
            ? { name, status: 'failed', reasons: ['replica_detected'] }
            : { name, status: 'passed' },
        ),
      }),
      database(),
    ],
    reports: [watchlist()],
  },
  {
    key: 'failed-non-decline-check',
    description: 'ID failed a required check that is not on the decline list (barcode)',
    expectedOutcome: 'manual_review',
    expectedReason: 'required_check_failed',
    verifications: [
      govId({ status: 'failed', checks: govIdChecksFailing('id_barcode_detection', ['barcode_not_decoded']) }),
      selfie(),
      database(),
    ],
    reports: [watchlist()],
  },
  {
    key: 'latest-requires-retry',
    description: 'both ID attempts asked the user to retry (blur, then glare)',
    expectedOutcome: 'retry',
    expectedReason: 'verification_requires_retry',
    verifications: [
      govId({
        status: 'requires_retry',
        checks: govIdChecksFailing('id_blur_detection', ['too_blurry'], 'requires_retry'),
      }),
      govId({
        slot: 'gov2',
        createdAfterSeconds: 120,
        status: 'requires_retry',
        checks: [
          ...passed(...GOV_ID_CHECKS),
          { name: 'id_glare_detection', status: 'failed', requirement: 'requires_retry', reasons: ['too_much_glare'] },
        ],
      }),
      selfie(),
      database(),
    ],
    reports: [watchlist()],
  },
  {
    key: 'watchlist-hit',
    description: 'every verification passed, but the watchlist report found a possible match',
    expectedOutcome: 'manual_review',
    expectedReason: 'report_match',
    verifications: [govId(), selfie(), database()],
    reports: [watchlist(true)],
  },
  {
    key: 'no-verifications',
    description: 'the inquiry has no verifications at all (watchlist clear)',
    expectedOutcome: 'manual_review',
    expectedReason: 'no_verifications',
    verifications: [],
    reports: [watchlist()],
  },
  {
    key: 'settles-after-polls',
    description: 'the selfie stays initiated for the first N fetches (default 2), then passes',
    expectedOutcome: 'approved',
    expectedReason: 'all_evidence_passed',
    verifications: [govId(), selfie({ pending: 'settles' }), database()],
    reports: [watchlist()],
  },
  {
    key: 'never-settles',
    description: 'the selfie stays initiated forever: manual review once the poll timeout passes',
    expectedOutcome: 'manual_review',
    expectedReason: 'verification_not_settled',
    verifications: [govId(), selfie({ pending: 'never' }), database()],
    reports: [watchlist()],
  },
];

const SCENARIO_LIST: readonly Scenario[] = [...COMPLETED_SCENARIOS, ...LIFECYCLE_SCENARIOS].map(withSteps);

/** Every scenario without `steps` is about what happens after `inquiry.completed`: one step, delivered. */
function withSteps(definition: ScenarioDefinition<ScenarioKey>): Scenario {
  const { expectedOutcome, expectedReason } = definition;
  const completed = { event: 'inquiry.completed', inquiryStatus: 'completed', expectedOutcome, expectedReason };
  return { ...definition, steps: definition.steps ?? [{ ...completed, delivers: true }] };
}

const BY_KEY = new Map<string, Scenario>(SCENARIO_LIST.map((scenario) => [scenario.key, scenario]));

/** Every scenario, in a stable order (the demo prints them in this order). */
export function listScenarios(): readonly Scenario[] {
  return SCENARIO_LIST;
}

/**
 * The scenarios whose expectations hold under the default decision policy (no scenario `policy`): what `npm run
 * demo` plays and `fire --scenario demo` sends to a service left on its defaults (the compose demo).
 */
export function defaultPolicyScenarios(): readonly Scenario[] {
  return SCENARIO_LIST.filter((scenario) => scenario.policy === undefined);
}

export function findScenario(key: string): Scenario | undefined {
  return BY_KEY.get(key);
}

export function isScenarioKey(key: string): key is ScenarioKey {
  return BY_KEY.has(key);
}

/** More than one step: the inquiry changes in Persona after the first webhook. */
export function isLifecycleScenario(scenario: Scenario): boolean {
  return scenario.steps.length > 1;
}

/** The reports linked to the inquiry at `step` (an index into `scenario.steps`). */
export function reportsAtStep(scenario: Scenario, step: number): ReportSpec[] {
  return scenario.steps[step]?.reports ?? scenario.reports;
}
