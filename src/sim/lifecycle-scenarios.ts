import type { ScenarioDefinition } from './scenario-spec.js';
import { database, govId, govIdChecksFailing, selfie, watchlist } from './scenario-spec.js';

/**
 * Scenarios about Persona's side of an inquiry's life: the statuses Persona sets (failed, expired, its reviewers'
 * and workflows' decisions), reports that arrive or change after `inquiry.completed`, and evidence the default
 * scenarios do not cover (an earlier fraud signal, a required report that never came). A scenario with several
 * `steps` sends one webhook per step (https://docs.withpersona.com/model-lifecycle for the statuses; OAS `webhooks`
 * `report/watchlist.ready|matched|dismissed` for the report events).
 */
export const LIFECYCLE_SCENARIO_KEYS = [
  'inquiry-failed',
  'inquiry-expired',
  'reviewer-approves',
  'workflow-declines',
  'watchlist-late',
  'tampered-then-passed',
  'required-watchlist-missing',
] as const;

export type LifecycleScenarioKey = (typeof LIFECYCLE_SCENARIO_KEYS)[number];

const allPassed = () => [govId(), selfie(), database()];

export const LIFECYCLE_SCENARIOS: readonly ScenarioDefinition<LifecycleScenarioKey>[] = [
  {
    key: 'inquiry-failed',
    description: 'Persona failed the inquiry: the ID photo was blurry (a required check), no selfie was taken',
    expectedOutcome: 'declined',
    expectedReason: 'inquiry_failed',
    verifications: [govId({ status: 'failed', checks: govIdChecksFailing('id_blur_detection', ['too_blurry']) })],
    reports: [],
    steps: [
      {
        event: 'inquiry.failed',
        inquiryStatus: 'failed',
        expectedOutcome: 'declined',
        expectedReason: 'inquiry_failed',
        delivers: true,
      },
    ],
  },
  {
    key: 'inquiry-expired',
    description: 'the user left after a passing ID and never took the selfie: Persona expired the inquiry',
    expectedOutcome: 'retry',
    expectedReason: 'inquiry_expired',
    verifications: [govId()],
    reports: [],
    steps: [
      {
        event: 'inquiry.expired',
        inquiryStatus: 'expired',
        expectedOutcome: 'retry',
        expectedReason: 'inquiry_expired',
        delivers: true,
      },
    ],
  },
  {
    key: 'reviewer-approves',
    description: 'watchlist match sends the inquiry to review in Persona, where a reviewer approves it',
    expectedOutcome: 'approved',
    expectedReason: 'persona_approved',
    verifications: allPassed(),
    reports: [watchlist(true)],
    steps: [
      {
        event: 'inquiry.completed',
        inquiryStatus: 'completed',
        expectedOutcome: 'manual_review',
        expectedReason: 'report_match',
        delivers: true,
      },
      {
        event: 'inquiry.marked-for-review',
        inquiryStatus: 'needs_review',
        expectedOutcome: 'manual_review',
        expectedReason: 'persona_marked_for_review',
        delivers: false,
      },
      {
        event: 'inquiry.approved',
        inquiryStatus: 'approved',
        expectedOutcome: 'approved',
        expectedReason: 'persona_approved',
        delivers: true,
      },
    ],
  },
  {
    key: 'workflow-declines',
    description: 'everything passed and the watchlist is clear, then a Persona workflow declines the inquiry',
    expectedOutcome: 'declined',
    expectedReason: 'persona_declined',
    verifications: allPassed(),
    reports: [watchlist()],
    steps: [
      {
        event: 'inquiry.completed',
        inquiryStatus: 'completed',
        expectedOutcome: 'approved',
        expectedReason: 'all_evidence_passed',
        delivers: true,
      },
      {
        event: 'inquiry.declined',
        inquiryStatus: 'declined',
        expectedOutcome: 'declined',
        expectedReason: 'persona_declined',
        delivers: true,
      },
    ],
  },
  {
    key: 'watchlist-late',
    description: 'the watchlist report arrives after completion (clear), then matches, then the match is dismissed',
    expectedOutcome: 'approved',
    expectedReason: 'all_evidence_passed',
    verifications: allPassed(),
    reports: [watchlist()],
    steps: [
      {
        event: 'inquiry.completed',
        inquiryStatus: 'completed',
        reports: [],
        expectedOutcome: 'approved',
        expectedReason: 'all_evidence_passed',
        delivers: true,
      },
      {
        event: 'report/watchlist.ready',
        inquiryStatus: 'completed',
        reports: [watchlist(false)],
        reportSlot: 'watchlist',
        expectedOutcome: 'approved',
        expectedReason: 'all_evidence_passed',
        delivers: false,
      },
      {
        event: 'report/watchlist.matched',
        inquiryStatus: 'completed',
        reports: [watchlist(true)],
        reportSlot: 'watchlist',
        expectedOutcome: 'manual_review',
        expectedReason: 'report_match',
        delivers: true,
      },
      {
        // Persona keeps has-match true on a dismissed report (OAS examples report-*-dismissed-webhook-body): only
        // the event says the reviewer dismissed the match
        event: 'report/watchlist.dismissed',
        inquiryStatus: 'completed',
        reports: [watchlist(true)],
        reportSlot: 'watchlist',
        expectedOutcome: 'approved',
        expectedReason: 'all_evidence_passed',
        delivers: true,
      },
    ],
  },
  {
    key: 'tampered-then-passed',
    description: 'the first ID failed the required tamper check, a second ID passed: the earlier fraud signal counts',
    expectedOutcome: 'manual_review',
    expectedReason: 'earlier_attempt_fraud_signal',
    verifications: [
      govId({ status: 'failed', checks: govIdChecksFailing('id_tamper_detection', []) }),
      govId({ slot: 'gov2', createdAfterSeconds: 120 }),
      selfie(),
      database(),
    ],
    reports: [watchlist()],
  },
  {
    key: 'required-watchlist-missing',
    description: 'every verification passed, but the watchlist report the policy requires was never run',
    expectedOutcome: 'manual_review',
    expectedReason: 'required_report_missing',
    verifications: allPassed(),
    reports: [],
    policy: { requiredReportTypes: ['report/watchlist'] },
  },
];
