import type { Outcome } from '../decision/outcome.js';
import type { ReasonCode } from '../decision/reasons.js';
import type { CheckInput } from './persona-verifications.js';

/**
 * Named Persona inquiries, one per outcome of the default decision policy (docs/decision-policy.md). A scenario
 * lists the inquiry's verifications and reports; the simulator materialises them as spec-valid JSON
 * (scenario-objects.ts). Only verification status can change over time, and only for `pending` slots.
 */
export const SCENARIO_KEYS = [
  'all-passed',
  'retried-id-then-passed',
  'failed-liveness',
  'failed-non-decline-check',
  'latest-requires-retry',
  'watchlist-hit',
  'no-verifications',
  'settles-after-polls',
  'never-settles',
] as const;

export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

export interface VerificationSpec {
  /** Short name, unique in the scenario; part of the verification id (inquiry-ids.ts). */
  slot: string;
  type: 'verification/government-id' | 'verification/selfie' | 'verification/database';
  /** Seconds after the inquiry's creation: later attempts of a type must be created later. */
  createdAfterSeconds: number;
  /** The status once settled, with its checks. */
  status: string;
  checks: CheckInput[];
  /**
   * `settles`: served as `initiated` for the first N fetches (simulator option, default 2), then as above;
   * `never`: always `initiated`. Absent: settled from the start.
   */
  pending?: 'settles' | 'never';
}

export interface ReportSpec {
  slot: string;
  type: 'report/watchlist';
  status: 'ready';
  hasMatch: boolean;
}

export interface Scenario {
  key: ScenarioKey;
  description: string;
  /** What the default policy decides once the service has polled what it needs to. */
  expectedOutcome: Outcome;
  /** The first reason of that decision (reasons are sorted so the first one explains the outcome). */
  expectedReason: ReasonCode;
  verifications: VerificationSpec[];
  reports: ReportSpec[];
}

const passed = (...names: string[]): CheckInput[] => names.map((name) => ({ name, status: 'passed' }));

const GOV_ID_CHECKS = ['id_barcode_detection', 'id_blur_detection', 'id_expired_detection', 'id_tamper_detection'];
const SELFIE_CHECKS = ['selfie_id_comparison', 'selfie_liveness_detection', 'selfie_multiple_faces_detection'];
const DATABASE_CHECKS = ['database_address_comparison', 'database_birthdate_comparison', 'database_name_comparison'];

const govId = (over: Partial<VerificationSpec> = {}): VerificationSpec => ({
  slot: 'gov1',
  type: 'verification/government-id',
  createdAfterSeconds: 10,
  status: 'passed',
  checks: passed(...GOV_ID_CHECKS),
  ...over,
});
const selfie = (over: Partial<VerificationSpec> = {}): VerificationSpec => ({
  slot: 'selfie',
  type: 'verification/selfie',
  createdAfterSeconds: 200,
  status: 'passed',
  checks: passed(...SELFIE_CHECKS),
  ...over,
});
const database = (): VerificationSpec => ({
  slot: 'db',
  type: 'verification/database',
  createdAfterSeconds: 250,
  status: 'passed',
  checks: passed(...DATABASE_CHECKS),
});
const watchlist = (hasMatch = false): ReportSpec => ({
  slot: 'watchlist',
  type: 'report/watchlist',
  status: 'ready',
  hasMatch,
});

/** `name` failed with `reasons`, every other gov-id check passed. */
function govIdChecksFailing(name: string, reasons: string[], requirement = 'required'): CheckInput[] {
  return GOV_ID_CHECKS.map((check) =>
    check === name ? { name, status: 'failed', requirement, reasons } : { name: check, status: 'passed' },
  );
}

const SCENARIO_LIST: readonly Scenario[] = [
  {
    key: 'all-passed',
    description: 'government ID, selfie and database passed; watchlist clear',
    expectedOutcome: 'approved',
    expectedReason: 'all_evidence_passed',
    verifications: [govId(), selfie(), database()],
    reports: [watchlist()],
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

const BY_KEY = new Map<string, Scenario>(SCENARIO_LIST.map((scenario) => [scenario.key, scenario]));

/** Every scenario, in a stable order (the demo prints them in this order). */
export function listScenarios(): readonly Scenario[] {
  return SCENARIO_LIST;
}

export function findScenario(key: string): Scenario | undefined {
  return BY_KEY.get(key);
}

export function isScenarioKey(key: string): key is ScenarioKey {
  return BY_KEY.has(key);
}
