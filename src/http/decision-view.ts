import { z } from 'zod';
import { evidenceSummarySchema, outcomeSchema, reasonSchema } from '../decision/schemas.js';
import { isOperatorReview } from '../decision/review.js';
import type { DecisionRecord } from '../store/decision-record.js';
import type { DecisionListItem } from '../store/decision-list.js';
import type { InquiryView } from '../store/decision-store.js';
import { WRITE_BACK_STATUSES } from '../store/write-back-store.js';
import { WRITE_BACK_ACTIONS } from '../job-kinds.js';

/** Persona's view of the inquiry when it was decided: its status and identifiers (not PII). */
const personaFields = {
  personaStatus: z.string().nullable(),
  referenceId: z.string().nullable(),
  accountId: z.string().nullable(),
  templateId: z.string().nullable(),
};

/** DECISION_SHADOW_POLICY_FILE: what the shadow policy decided on the same evidence; never delivered. */
const shadowViewSchema = z
  .object({
    outcome: outcomeSchema,
    reasons: z.array(reasonSchema),
    policyVersion: z.string(),
    evaluatedAt: z
      .string()
      .describe("When it was taken: the decision's `decidedAt`, or a later same-outcome re-evaluation's time."),
  })
  .nullable()
  .describe(
    "The shadow policy's decision on the latest evidence (DECISION_SHADOW_POLICY_FILE): stored, never delivered nor " +
      'written back. Null when no shadow policy ran on this decision (when it was taken or re-evaluated since).',
  );

/** An operator's review (POST /decisions/:inquiryId/review): who, their note, when. */
const reviewViewSchema = z
  .object({ actor: z.string(), note: z.string(), at: z.string() })
  .nullable()
  .describe("The operator's review when this decision is one (its reason is `operator_review`); else null.");

const historyEntrySchema = z.object({
  eventId: z.string(),
  eventName: z.string().nullable(),
  eventCreatedAt: z.string(),
  personaStatus: z.string(),
  policyVersion: z.string(),
  recordedAt: z.string(),
});

/** An inquiry's current decision; every decision field is null while it is processing or after it failed. */
export const decisionViewSchema = z.object({
  inquiryId: z.string(),
  status: z.enum(['processing', 'decided', 'failed']),
  outcome: outcomeSchema.nullable(),
  reasons: z.array(reasonSchema),
  decidedAt: z.string().nullable(),
  policyVersion: z.string().nullable(),
  sequence: z.number().int().nullable(),
  decisionId: z.string().nullable(),
  /** The Persona event that led to the decision. */
  eventId: z.string().nullable(),
  eventName: z.string().nullable(),
  ...personaFields,
  evidence: evidenceSummarySchema.nullable(),
  personaCalls: z.number().int().nullable(),
  /** Later events that re-evaluated the inquiry to the same outcome (nothing new was delivered), oldest first. */
  history: z.array(historyEntrySchema),
  /** Why processing failed (`failed` only), e.g. `PERSONA_NOT_FOUND: …`. */
  error: z.string().nullable(),
  /**
   * PERSONA_WRITE_BACK: the decision told to Persona (`POST /inquiries/{id}/approve|decline|mark-for-review`).
   * `pending` (queued or retrying, `detail` the last error), `done`, `skipped` (Persona decides it already: `detail`
   * says why), `failed` (`detail` the error). Null when the outcome is not written back.
   */
  writeBack: z
    .object({
      action: z.enum(WRITE_BACK_ACTIONS),
      status: z.enum(WRITE_BACK_STATUSES),
      detail: z.string().nullable(),
      attempts: z.number().int(),
      updatedAt: z.string(),
    })
    .nullable(),
  shadow: shadowViewSchema,
  review: reviewViewSchema,
});
export type DecisionView = z.output<typeof decisionViewSchema>;

/** One decision in a list: what was decided and why, without the evidence (GET /decisions/:inquiryId has it). */
export const decisionSummarySchema = z.object({
  decisionId: z.string(),
  inquiryId: z.string(),
  sequence: z.number().int(),
  outcome: outcomeSchema,
  reasons: z.array(reasonSchema),
  decidedAt: z.string(),
  policyVersion: z.string(),
  eventId: z.string(),
  eventName: z.string().nullable(),
  ...personaFields,
  status: z
    .enum(['processing', 'decided', 'failed'])
    .describe("The inquiry's status now (`processing` while a later event is being evaluated)."),
  review: reviewViewSchema,
});

export const decisionListSchema = z.object({
  items: z.array(decisionSummarySchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export type DecisionList = z.output<typeof decisionListSchema>;

export function toDecisionView(view: InquiryView): z.input<typeof decisionViewSchema> {
  const { inquiryId, status, error, decision: d } = view;
  return {
    inquiryId,
    status,
    outcome: d?.outcome ?? null,
    reasons: d?.reasons ?? [],
    decidedAt: d?.decidedAt ?? null,
    policyVersion: d?.policyVersion ?? null,
    sequence: d?.sequence ?? null,
    decisionId: d?.decisionId ?? null,
    eventId: d?.eventId ?? null,
    eventName: d?.eventName ?? null,
    personaStatus: d?.evidence.inquiryStatus ?? null,
    referenceId: d?.evidence.referenceId ?? null,
    accountId: d?.evidence.accountId ?? null,
    templateId: d?.evidence.templateId ?? null,
    evidence: d?.evidence ?? null,
    personaCalls: d?.personaCalls ?? null,
    history: view.history,
    error,
    writeBack: view.writeBack
      ? {
          action: view.writeBack.action,
          status: view.writeBack.status,
          detail: view.writeBack.detail,
          attempts: view.writeBack.attempts,
          updatedAt: view.writeBack.updatedAt,
        }
      : null,
    shadow: d?.shadow
      ? {
          outcome: d.shadow.outcome,
          reasons: d.shadow.reasons,
          policyVersion: d.shadow.policyVersion,
          evaluatedAt: d.shadow.evaluatedAt,
        }
      : null,
    review: d ? toReviewView(d) : null,
  };
}

function toReviewView(d: DecisionRecord): z.input<typeof reviewViewSchema> {
  const [reason] = d.reasons;
  if (!reason || !isOperatorReview(d.reasons)) return null;
  return { actor: reason.actor ?? '', note: reason.note ?? '', at: d.decidedAt };
}

export function toDecisionSummary(d: DecisionListItem): z.input<typeof decisionSummarySchema> {
  return {
    decisionId: d.decisionId,
    inquiryId: d.inquiryId,
    sequence: d.sequence,
    outcome: d.outcome,
    reasons: d.reasons,
    decidedAt: d.decidedAt,
    policyVersion: d.policyVersion,
    eventId: d.eventId,
    eventName: d.eventName,
    personaStatus: d.evidence.inquiryStatus,
    referenceId: d.evidence.referenceId,
    accountId: d.evidence.accountId,
    templateId: d.evidence.templateId,
    status: d.status,
    review: toReviewView(d),
  };
}
