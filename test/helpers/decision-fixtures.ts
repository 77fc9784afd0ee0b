import type { CheckEvidence, Evidence, ReportEvidence, VerificationEvidence } from '../../src/decision/evidence.js';
import { decide } from '../../src/decision/decide.js';
import { defaultPolicy, type Policy } from '../../src/decision/policy.js';
import type { NewDecision } from '../../src/store/decision-store.js';

/** Small builders for decision tests: PII-free evidence, realistic type and status names. */
export const GOV_ID = 'verification/government-id';
export const SELFIE = 'verification/selfie';
export const DATABASE = 'verification/database';
export const PHONE = 'verification/phone-number';
export const WATCHLIST = 'report/watchlist';
export const PEP = 'report/politically-exposed-person';
export const ADVERSE_MEDIA = 'report/adverse-media';

export function check(name: string, status = 'failed', requirement: string | null = 'required'): CheckEvidence {
  return { name, status, requirement, reasons: [] };
}

export function verification(
  type: string,
  status: string,
  options: { id?: string; createdAt?: string; checks?: CheckEvidence[] } = {},
): VerificationEvidence {
  return {
    id: options.id ?? `ver_${type.replace('verification/', '')}`,
    type,
    status,
    createdAt: options.createdAt ?? '2025-01-01T10:00:00.000Z',
    completedAt: null,
    checks: options.checks ?? [],
  };
}

export function report(type: string, status: string, hasMatch: boolean | null, id?: string): ReportEvidence {
  return {
    id: id ?? `rep_${type.replace('report/', '')}`,
    type,
    status,
    hasMatch,
    createdAt: '2025-01-01T10:00:00.000Z',
    completedAt: null,
  };
}

export function evidence(
  verifications: VerificationEvidence[],
  reports: ReportEvidence[] = [],
  inquiryStatus = 'completed',
): Evidence {
  return {
    inquiryId: 'inq_test',
    inquiryStatus,
    referenceId: 'user-test',
    accountId: 'act_test',
    templateId: 'itmpl_test',
    tags: [],
    behaviors: {},
    verifications,
    reports,
  };
}

/** The happy path: ID and selfie passed, all three screening reports ready without a match. */
export function cleanEvidence(): Evidence {
  return evidence(
    [verification(GOV_ID, 'passed'), verification(SELFIE, 'passed')],
    [report(WATCHLIST, 'ready', false), report(PEP, 'ready', false), report(ADVERSE_MEDIA, 'ready', false)],
  );
}

/**
 * A decision as the pipeline stores it: the engine's own outcome and reasons for `input.evidence` (clean by
 * default), never hand-written values decide() could not return.
 */
export function engineDecision(input: {
  inquiryId: string;
  eventId: string;
  eventCreatedAt: string;
  eventName?: string;
  evidence?: Evidence;
  polls?: number;
  /** The policy deciding (the default policy when not given). */
  policy?: Policy;
}): NewDecision {
  const gathered = { ...(input.evidence ?? cleanEvidence()), inquiryId: input.inquiryId };
  const decision = decide(gathered, input.policy ?? defaultPolicy);
  return {
    inquiryId: input.inquiryId,
    eventId: input.eventId,
    eventName: input.eventName ?? 'inquiry.completed',
    eventCreatedAt: input.eventCreatedAt,
    outcome: decision.outcome,
    reasons: decision.reasons,
    policyVersion: decision.policyVersion,
    evidence: {
      ...gathered,
      supersededVerificationIds: decision.supersededVerificationIds,
      polls: input.polls ?? 0,
      source: 'api',
      gatheredAt: input.eventCreatedAt,
    },
    personaCalls: 1,
  };
}
