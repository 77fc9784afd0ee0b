import type { InquiryRef } from './inquiry-ids.js';
import { reportIdFor, verificationIdFor } from './inquiry-ids.js';
import type { PersonaResource } from './persona-objects.js';
import { accountIdFor, buildInquiry, DEFAULT_CREATED_AT } from './persona-objects.js';
import { buildVerification } from './persona-verifications.js';
import { buildReport } from './persona-reports.js';
import type { ReportSpec, VerificationSpec } from './scenario-spec.js';
import { reportsAtStep } from './scenarios.js';

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

export interface InquiryAtStep extends MaterialiseOptions {
  /** The lifecycle step (index into `scenario.steps`) whose status and reports are shown; default 0. */
  step?: number;
  /** Overrides the step's `inquiryStatus`. */
  status?: string;
}

/** The inquiry as `GET /inquiries/{id}` and an `inquiry.*` payload show it at a step: linkages only. */
export function scenarioInquiry(ref: InquiryRef, options: InquiryAtStep = {}): PersonaResource {
  const { inquiryId, scenario } = ref;
  const step = options.step ?? 0;
  return buildInquiry({
    id: inquiryId,
    status: options.status ?? scenario.steps[step]?.inquiryStatus ?? 'completed',
    createdAt: options.createdAt ?? DEFAULT_CREATED_AT,
    verifications: scenario.verifications.map((v) => ({ type: v.type, id: verificationIdFor(inquiryId, v.slot) })),
    reports: reportsAtStep(scenario, step).map((r) => ({ type: r.type, id: reportIdFor(inquiryId, r.slot) })),
    ...scenario.signals,
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

export interface ReportOptions extends MaterialiseOptions {
  /**
   * Link the report to the inquiry's account only (`inquiry: { data: null }`), as a report run by Persona's
   * account-level continuous monitoring is (`is-continuous: true`).
   */
  accountOnly?: boolean;
}

export function scenarioReport(ref: InquiryRef, spec: ReportSpec, options: ReportOptions = {}): PersonaResource {
  return buildReport({
    id: reportIdFor(ref.inquiryId, spec.slot),
    type: spec.type,
    status: spec.status,
    hasMatch: spec.hasMatch,
    createdAt: offset(options.createdAt ?? DEFAULT_CREATED_AT, REPORT_CREATED_AFTER_SECONDS),
    ...(options.accountOnly
      ? { inquiryId: null, accountId: accountIdFor(ref.inquiryId), attributes: { 'is-continuous': true } }
      : { inquiryId: ref.inquiryId }),
  });
}
