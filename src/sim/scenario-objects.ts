import type { InquiryRef } from './inquiry-ids.js';
import { reportIdFor, verificationIdFor } from './inquiry-ids.js';
import type { PersonaResource } from './persona-objects.js';
import { buildInquiry, DEFAULT_CREATED_AT } from './persona-objects.js';
import { buildVerification } from './persona-verifications.js';
import { buildReport } from './persona-reports.js';
import type { ReportSpec, VerificationSpec } from './scenarios.js';

/**
 * Turns a scenario inquiry into the Persona objects the simulator serves and the webhook sender embeds. Pure:
 * the only state that matters (how often a pending verification was served) is passed in.
 */

export interface MaterialiseOptions {
  /** The inquiry's `created-at`; every other timestamp is an offset from it. */
  createdAt?: string;
}

// Reports run after the last verification in a real flow.
const REPORT_CREATED_AFTER_SECONDS = 300;

function offset(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

/** The inquiry as `GET /inquiries/{id}` and the `inquiry.completed` payload show it: linkages only. */
export function scenarioInquiry(
  ref: InquiryRef,
  options: MaterialiseOptions & { status?: string } = {},
): PersonaResource {
  const { inquiryId, scenario } = ref;
  return buildInquiry({
    id: inquiryId,
    // Every scenario is about what happens after `inquiry.completed`.
    status: options.status ?? 'completed',
    createdAt: options.createdAt ?? DEFAULT_CREATED_AT,
    verifications: scenario.verifications.map((v) => ({ type: v.type, id: verificationIdFor(inquiryId, v.slot) })),
    reports: scenario.reports.map((r) => ({ type: r.type, id: reportIdFor(inquiryId, r.slot) })),
  });
}

/** Still `initiated` while it has been served fewer than `pendingFetches` times (always, for `never`). */
export function isServedPending(spec: VerificationSpec, servedBefore: number, pendingFetches: number): boolean {
  if (spec.pending === 'never') return true;
  return spec.pending === 'settles' && servedBefore < pendingFetches;
}

export function scenarioVerification(
  ref: InquiryRef,
  spec: VerificationSpec,
  pending: boolean,
  options: MaterialiseOptions = {},
): PersonaResource {
  return buildVerification({
    id: verificationIdFor(ref.inquiryId, spec.slot),
    type: spec.type,
    status: pending ? 'initiated' : spec.status,
    createdAt: offset(options.createdAt ?? DEFAULT_CREATED_AT, spec.createdAfterSeconds),
    checks: pending ? [] : spec.checks,
    inquiryId: ref.inquiryId,
  });
}

export function scenarioReport(ref: InquiryRef, spec: ReportSpec, options: MaterialiseOptions = {}): PersonaResource {
  return buildReport({
    id: reportIdFor(ref.inquiryId, spec.slot),
    type: spec.type,
    status: spec.status,
    hasMatch: spec.hasMatch,
    createdAt: offset(options.createdAt ?? DEFAULT_CREATED_AT, REPORT_CREATED_AFTER_SECONDS),
    inquiryId: ref.inquiryId,
  });
}
