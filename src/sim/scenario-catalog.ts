import { parseInquiryId, parseResourceId } from './inquiry-ids.js';
import type { InquiryRef } from './inquiry-ids.js';
import type { PersonaDocument, PersonaResource } from './persona-objects.js';
import { buildInquiryResponse, buildResourceResponse } from './persona-objects.js';
import type { MaterialiseOptions } from './scenario-objects.js';
import { isServedPending, scenarioInquiry, scenarioReport, scenarioVerification } from './scenario-objects.js';
import { reportsAtStep } from './scenarios.js';

/**
 * The simulator's only domain state: how many times each pending verification has been served, so
 * `settles-after-polls` flips from `initiated` to `passed` after N fetches (a verification counts as fetched when
 * its full object is served, by `GET /verifications/{id}` or inside `included`; a bare linkage does not count), and
 * the lifecycle step each inquiry is at (default 0), whose status and linked reports are served.
 */
export interface ScenarioCatalog {
  /** null: no such inquiry (404). `include` holds relationship names (`verifications`, `reports`). */
  inquiry(inquiryId: string, include: ReadonlySet<string>): PersonaDocument | null;
  verification(verificationId: string): { data: PersonaResource } | null;
  /** null also for a report the inquiry has no link to at its current step. */
  report(reportId: string): { data: PersonaResource } | null;
  /** Moves the inquiry to `step` (an index into its scenario's `steps`). */
  setStep(inquiryId: string, step: number): SetStepResult;
  /**
   * `POST /inquiries/{id}/approve|decline|mark-for-review`: from then on the inquiry's status is the action's
   * (approved, declined, needs_review), whatever its step says. Only from `completed` or `needs_review`, as Persona
   * (anything else answers 422). The same Idempotency-Key again answers as the first time and changes nothing.
   */
  review(inquiryId: string, action: ReviewAction, idempotencyKey: string | undefined): ReviewResult;
  /** The reviews received, in order (what a write-back test reads). */
  reviews(): readonly { inquiryId: string; action: ReviewAction; idempotencyKey: string | undefined }[];
  reset(): void;
}

export type ReviewAction = 'approve' | 'decline' | 'mark-for-review';
export type ReviewResult =
  | { ok: true; document: PersonaDocument }
  | { ok: false; reason: 'unknown_inquiry' | 'not_reviewable'; status?: string };
const STATUS_AFTER: Record<ReviewAction, string> = {
  approve: 'approved',
  decline: 'declined',
  'mark-for-review': 'needs_review',
};

export type SetStepResult = { ok: true } | { ok: false; reason: 'unknown_inquiry' | 'step_out_of_range' };

export interface ScenarioCatalogOptions extends MaterialiseOptions {
  /** How many fetches a `settles` verification stays `initiated` for. */
  pendingFetches: number;
}

export function createScenarioCatalog(options: ScenarioCatalogOptions): ScenarioCatalog {
  const served = new Map<string, number>();
  const steps = new Map<string, number>();
  const stepOf = (ref: InquiryRef): number => steps.get(ref.inquiryId) ?? 0;
  const reviewed = new Map<string, string>(); // inquiry id → status after a review
  const byKey = new Map<string, PersonaDocument>(); // idempotency key → the first answer
  const reviewLog: { inquiryId: string; action: ReviewAction; idempotencyKey: string | undefined }[] = [];
  const statusOf = (ref: InquiryRef): string | undefined => reviewed.get(ref.inquiryId);
  const inquiryAt = (ref: InquiryRef) => {
    const status = statusOf(ref);
    return scenarioInquiry(ref, { ...options, step: stepOf(ref), ...(status ? { status } : {}) });
  };

  function serveVerification(ref: InquiryRef, slot: string): PersonaResource | null {
    const spec = ref.scenario.verifications.find((v) => v.slot === slot);
    if (!spec) return null;
    const key = `${ref.inquiryId}/${slot}`;
    const before = served.get(key) ?? 0;
    served.set(key, before + 1);
    return scenarioVerification(ref, spec, isServedPending(spec, before, options.pendingFetches), options);
  }

  function serveReport(ref: InquiryRef, slot: string): PersonaResource | null {
    const spec = reportsAtStep(ref.scenario, stepOf(ref)).find((r) => r.slot === slot);
    return spec ? scenarioReport(ref, spec, options) : null;
  }

  function resolve(id: string, kind: 'verification' | 'report'): { ref: InquiryRef; slot: string } | null {
    const parsed = parseResourceId(id);
    const ref = parsed?.kind === kind ? parseInquiryId(parsed.inquiryId) : null;
    return parsed && ref ? { ref, slot: parsed.slot } : null;
  }

  return {
    inquiry(inquiryId, include) {
      const ref = parseInquiryId(inquiryId);
      if (!ref) return null;
      const step = stepOf(ref);
      // Since API 2025-10-27 `included` holds only what `include` names
      // (docs/persona-notes.md#api-versions-and-included).
      const verifications = include.has('verifications') ? ref.scenario.verifications : [];
      const reports = include.has('reports') ? reportsAtStep(ref.scenario, step) : [];
      const included = [
        ...verifications.flatMap((v) => serveVerification(ref, v.slot) ?? []),
        ...reports.flatMap((r) => serveReport(ref, r.slot) ?? []),
      ];
      return buildInquiryResponse(inquiryAt(ref), included);
    },
    verification(verificationId) {
      const found = resolve(verificationId, 'verification');
      const resource = found ? serveVerification(found.ref, found.slot) : null;
      return resource ? buildResourceResponse(resource) : null;
    },
    report(reportId) {
      const found = resolve(reportId, 'report');
      const resource = found ? serveReport(found.ref, found.slot) : null;
      return resource ? buildResourceResponse(resource) : null;
    },
    setStep(inquiryId, step) {
      const ref = parseInquiryId(inquiryId);
      if (!ref) return { ok: false, reason: 'unknown_inquiry' };
      if (!(Number.isInteger(step) && step >= 0 && step < ref.scenario.steps.length)) {
        return { ok: false, reason: 'step_out_of_range' };
      }
      steps.set(inquiryId, step);
      return { ok: true };
    },
    review(inquiryId, action, idempotencyKey) {
      const ref = parseInquiryId(inquiryId);
      if (!ref) return { ok: false, reason: 'unknown_inquiry' };
      reviewLog.push({ inquiryId, action, idempotencyKey });
      const replay = idempotencyKey === undefined ? undefined : byKey.get(idempotencyKey);
      if (replay) return { ok: true, document: replay };
      const status = statusOf(ref) ?? ref.scenario.steps[stepOf(ref)]?.inquiryStatus ?? 'completed';
      if (status !== 'completed' && status !== 'needs_review') return { ok: false, reason: 'not_reviewable', status };
      reviewed.set(inquiryId, STATUS_AFTER[action]);
      const document = buildInquiryResponse(inquiryAt(ref), []);
      if (idempotencyKey !== undefined) byKey.set(idempotencyKey, document);
      return { ok: true, document };
    },
    reviews: () => [...reviewLog],
    reset() {
      served.clear();
      steps.clear();
      reviewed.clear();
      byKey.clear();
      reviewLog.length = 0;
    },
  };
}
