import { z } from 'zod';
import type { EvidenceSummary } from '../decision/evidence.js';
import type { Outcome } from '../decision/outcome.js';
import type { Reason } from '../decision/reasons.js';
import { isOperatorReview } from '../decision/review.js';
import { storedEvidenceSummarySchema, outcomeSchema, reasonSchema } from '../decision/schemas.js';
import { type ShadowDecision, shadowDecisionSchema } from '../decision/shadow.js';
import type { DecisionTable } from './database.js';
import { jsonText, parseRow } from './parse-row.js';

/** A stored decision: the domain's types, unchanged through the store. */
export interface DecisionRecord {
  decisionId: string;
  inquiryId: string;
  /** 1, 2, … per inquiry: a later event or a re-evaluation makes a new decision. */
  sequence: number;
  eventId: string;
  /** The Persona event that led to this decision (`inquiry.completed`, …); null on decisions from before it was kept. */
  eventName: string | null;
  eventCreatedAt: string;
  outcome: Outcome;
  reasons: Reason[];
  policyVersion: string;
  evidence: EvidenceSummary;
  personaCalls: number;
  decidedAt: string;
  /**
   * DECISION_SHADOW_POLICY_FILE: the shadow policy's decision at the latest evaluation that took one (this decision's
   * own, or a later same-outcome re-evaluation's), when it was taken; null when no shadow policy ever ran on it.
   */
  shadow: ShadowRecord | null;
}

/** A stored shadow decision and when it was taken (the decision's `decidedAt`, or its history entry's `recordedAt`). */
export interface ShadowRecord extends ShadowDecision {
  evaluatedAt: string;
}

export const shadowRecordSchema = shadowDecisionSchema.extend({
  evaluatedAt: z.string(),
}) satisfies z.ZodType<ShadowRecord>;

const count = z.number().int().nonnegative();

const decisionRowSchema = z
  .object({
    decision_id: z.string(),
    inquiry_id: z.string(),
    sequence: count,
    event_id: z.string(),
    event_name: z.string().nullable(),
    event_created_at: z.string(),
    outcome: outcomeSchema,
    reasons: jsonText(z.array(reasonSchema)),
    policy_version: z.string(),
    evidence: jsonText(storedEvidenceSummarySchema),
    persona_calls: count,
    decided_at: z.string(),
    // null: no shadow policy ran on this decision (decisions stored before the shadow migration among them)
    shadow: jsonText(shadowRecordSchema).nullable(),
  })
  .transform((row): DecisionRecord => ({
    decisionId: row.decision_id,
    inquiryId: row.inquiry_id,
    sequence: row.sequence,
    eventId: row.event_id,
    eventName: row.event_name,
    eventCreatedAt: row.event_created_at,
    outcome: row.outcome,
    reasons: row.reasons,
    policyVersion: row.policy_version,
    evidence: row.evidence,
    personaCalls: row.persona_calls,
    decidedAt: row.decided_at,
    shadow: row.shadow,
  }));

export function toDecisionRecord(row: DecisionTable): DecisionRecord {
  return parseRow(decisionRowSchema, row, `decision row ${row.decision_id} (inquiry ${row.inquiry_id})`);
}

export function toDecisionRow(record: DecisionRecord): DecisionTable {
  return {
    decision_id: record.decisionId,
    inquiry_id: record.inquiryId,
    sequence: record.sequence,
    event_id: record.eventId,
    event_name: record.eventName,
    event_created_at: record.eventCreatedAt,
    outcome: record.outcome,
    reasons: JSON.stringify(record.reasons),
    policy_version: record.policyVersion,
    evidence: JSON.stringify(record.evidence),
    persona_calls: record.personaCalls,
    decided_at: record.decidedAt,
    reference_id: record.evidence.referenceId,
    shadow: record.shadow === null ? null : JSON.stringify(record.shadow),
    reviewed_by: isOperatorReview(record.reasons) ? (record.reasons[0]?.actor ?? null) : null,
  };
}
