import { compareStrings, type Evidence } from './evidence.js';
import type { Outcome } from './outcome.js';
import type { Reason } from './reasons.js';

/** What an operator may decide on review (POST /decisions/:inquiryId/review). */
export const REVIEW_OUTCOMES = ['approved', 'declined', 'retry'] as const satisfies readonly Outcome[];
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

/** The one reason of an operator's review: who decided, and the note they wrote. */
export function operatorReviewReason(outcome: ReviewOutcome, actor: string, note: string): Reason {
  return { code: 'operator_review', outcome, message: `reviewed by ${actor}`, actor, note };
}

/** Whether a decision is an operator's review (its first reason is `operator_review`). */
export function isOperatorReview(reasons: readonly Pick<Reason, 'code'>[]): boolean {
  return reasons[0]?.code === 'operator_review';
}

/** Persona's own final statuses: a reviewer or a Workflow decided in Persona, which replaces an operator's review. */
const PERSONA_DECIDED = new Set(['approved', 'declined']);

/**
 * Whether a re-evaluation keeps the operator's review in place (docs/decision-policy.md#operator-review): it does,
 * unless Persona approved or declined the inquiry since the review, or the evidence differs from what the review was
 * taken on. How it was fetched (polls, gatheredAt, source) does not count as different evidence.
 */
export function reviewStands(reviewed: Evidence, latest: Evidence): boolean {
  if (personaDecidedSince(reviewed, latest)) return false;
  return sameEvidence(reviewed, latest);
}

/**
 * Whether Persona's status moved to approved/declined after the review. A status the reviewed evidence already had
 * is not news: under `review_on_disagreement` an inquiry Persona approved goes to manual_review, and a reprocess, a
 * late webhook or a reconciliation of that same evidence must not undo the operator's review of it.
 */
function personaDecidedSince(reviewed: Evidence, latest: Evidence): boolean {
  return PERSONA_DECIDED.has(latest.inquiryStatus) && latest.inquiryStatus !== reviewed.inquiryStatus;
}

/** Same verifications and reports (ids, statuses, checks, matches, dismissals), tags and behaviors. */
export function sameEvidence(a: Evidence, b: Evidence): boolean {
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
}

function comparable(e: Evidence): unknown {
  const byId = <T extends { id: string }>(items: readonly T[]) => [...items].sort((x, y) => compareStrings(x.id, y.id));
  return {
    verifications: byId(e.verifications).map((v) => ({
      id: v.id,
      type: v.type,
      status: v.status,
      checks: [...v.checks]
        .sort((x, y) => compareStrings(x.name, y.name))
        .map((c) => [c.name, c.status, c.requirement, [...c.reasons].sort()]),
    })),
    reports: byId(e.reports).map((r) => ({
      id: r.id,
      type: r.type,
      status: r.status,
      hasMatch: r.hasMatch,
      matchDismissedAt: r.matchDismissedAt ?? null,
    })),
    tags: [...e.tags].sort(),
    behaviors: Object.keys(e.behaviors)
      .sort()
      .map((key) => [key, e.behaviors[key]]),
  };
}
