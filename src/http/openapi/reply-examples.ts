import type { DeliveryView } from '../delivery-view.js';
import { type DecisionList, type DecisionView, decisionViewSchema, toDecisionView } from '../decision-view.js';
import { EXAMPLE_IDS as ids, EXAMPLE_TIME } from './examples.js';
import { DECIDED_SHADOW } from './shadow-examples.js';

/** What the read and operations API answer, for the contract's examples (the shapes are checked by the compiler). */
const reasons: DecisionView['reasons'] = [
  { code: 'all_evidence_passed', outcome: 'approved', message: 'every verification and counted report passed' },
  {
    code: 'verification_passed',
    outcome: 'approved',
    message: 'verification/government-id passed',
    verificationId: 'ver_Lq4nW8zR2xTc6VbM9kHs3JdY',
    verificationType: 'verification/government-id',
  },
  {
    code: 'report_clear',
    outcome: 'approved',
    message: 'report/watchlist found no match',
    reportId: 'rep_Xb7kP2mQ9wRt4NcV6zLs8HdJ',
    reportType: 'report/watchlist',
  },
];

const decided = {
  decisionId: ids.decisionId,
  inquiryId: ids.inquiryId,
  sequence: 1,
  outcome: 'approved',
  reasons,
  decidedAt: EXAMPLE_TIME,
  policyVersion: 'default-2',
  eventId: ids.eventId,
  eventName: 'inquiry.completed',
  personaStatus: 'completed',
  referenceId: ids.referenceId,
  accountId: ids.accountId,
  templateId: ids.templateId,
  status: 'decided',
  review: null,
} as const satisfies DecisionList['items'][number];

export const DECIDED_VIEW: DecisionView = {
  ...decided,
  reasons,
  status: 'decided',
  evidence: {
    inquiryId: ids.inquiryId,
    inquiryStatus: 'completed',
    referenceId: ids.referenceId,
    accountId: ids.accountId,
    templateId: ids.templateId,
    tags: ['returning-customer'],
    behaviors: { 'bot-score': 4, 'completion-time': 310.5, 'request-spoof-attempts': 0 },
    verifications: [
      {
        id: 'ver_Lq4nW8zR2xTc6VbM9kHs3JdY',
        type: 'verification/government-id',
        status: 'passed',
        createdAt: '2026-11-29T09:57:12.000Z',
        completedAt: '2026-11-29T09:58:40.000Z',
        checks: [
          { name: 'id_barcode_inconsistency_detection', status: 'passed', requirement: 'required', reasons: [] },
        ],
      },
    ],
    reports: [
      {
        id: 'rep_Xb7kP2mQ9wRt4NcV6zLs8HdJ',
        type: 'report/watchlist',
        status: 'ready',
        hasMatch: false,
        createdAt: '2026-11-29T09:59:01.000Z',
        completedAt: '2026-11-29T09:59:03.000Z',
      },
    ],
    supersededVerificationIds: [],
    polls: 0,
    source: 'api',
    gatheredAt: '2026-11-29T10:00:00.410Z',
  },
  personaCalls: 1,
  history: [],
  error: null,
  writeBack: null,
  shadow: DECIDED_SHADOW,
  review: null,
};

/** The queue's reviewer: the token name the examples' operator token has (test/integration/openapi-examples.test.ts). */
export const EXAMPLE_ACTOR = 'alice';
export const EXAMPLE_NOTE = 'Watchlist hit is a namesake: different date of birth.';

/** The answer to an operator's review: the next sequence, the reviewer's outcome and one `operator_review` reason. */
export const REVIEWED_VIEW: DecisionView = {
  ...DECIDED_VIEW,
  inquiryId: ids.reviewInquiryId,
  decisionId: 'dec_1d8e5b7a93c24f60a8b2e4c9d1f7a356',
  sequence: 2,
  outcome: 'approved',
  reasons: [
    {
      code: 'operator_review',
      outcome: 'approved',
      message: `reviewed by ${EXAMPLE_ACTOR}`,
      actor: EXAMPLE_ACTOR,
      note: EXAMPLE_NOTE,
    },
  ],
  eventName: null,
  personaCalls: 0,
  shadow: null,
  review: { actor: EXAMPLE_ACTOR, note: EXAMPLE_NOTE, at: EXAMPLE_TIME },
};

/** The review queue: current decisions that are manual_review and not reviewed, oldest first. */
export const REVIEW_QUEUE: DecisionList = {
  items: [
    {
      ...decided,
      inquiryId: ids.reviewInquiryId,
      decisionId: 'dec_8c3f0a6e2d1b47959e4a7c2b5d0f1e93',
      outcome: 'manual_review',
      reasons: [
        {
          code: 'report_match',
          outcome: 'manual_review',
          message: 'report/watchlist found a possible match',
          reportId: 'rep_Xb7kP2mQ9wRt4NcV6zLs8HdJ',
          reportType: 'report/watchlist',
        },
      ],
    },
  ],
  nextCursor: null,
};

/** A decision still processing: the view of an inquiry without a decision, every decision field null. */
export const PROCESSING_VIEW: DecisionView = decisionViewSchema.parse(
  toDecisionView({
    inquiryId: ids.processingInquiryId,
    status: 'processing',
    error: null,
    decision: null,
    history: [],
    writeBack: null,
  }),
);

export const DECISION_LIST: DecisionList = {
  items: [{ ...decided, reasons }],
  nextCursor: 'MjAyNi0xMS0yOVQxMDowMDowMC4wMDBafGRlY182ZjJiOGE0MWM5ZDM0ZTdmOWExNWIzYzA3ZDJlOGY2NA',
};

export const PENDING_DELIVERY: DeliveryView = {
  deliveryId: ids.deliveryId,
  webhookId: ids.deliveryId,
  decisionId: ids.decisionId,
  inquiryId: ids.inquiryId,
  sequence: 1,
  status: 'pending',
  attempts: 0,
  lastStatus: null,
  lastError: null,
  nextAttemptAt: EXAMPLE_TIME,
  createdAt: EXAMPLE_TIME,
  deliveredAt: null,
};

export const FAILED_DELIVERY: DeliveryView = {
  ...PENDING_DELIVERY,
  status: 'failed',
  attempts: 12,
  lastStatus: 503,
  lastError: 'HTTP 503',
  nextAttemptAt: null,
};
