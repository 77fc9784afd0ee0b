import type { Outcome } from '../decision/outcome.js';
import type { ReasonCode } from '../decision/reasons.js';
import type { CheckInput } from './persona-verifications.js';

/**
 * The vocabulary scenarios are written in (scenarios.ts, lifecycle-scenarios.ts): verifications, reports and the
 * lifecycle steps of an inquiry, plus small builders for the usual passing objects.
 */
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
  /** Short name, unique in the scenario; part of the report id (inquiry-ids.ts). */
  slot: string;
  /** Any report type; persona-reports.ts fills type-specific attributes for watchlist, PEP and adverse media. */
  type: 'report/watchlist' | (string & {});
  status: 'ready' | 'pending';
  /** Absent on a pending report, as Persona serves it. */
  hasMatch?: boolean;
}

/**
 * One state of an inquiry in Persona, announced by one webhook. The simulator serves the state of the step it was
 * last set to (PUT /_sim/inquiries/:inquiryId/step), so the service, which fetches the inquiry on every event,
 * sees what Persona would show after that event.
 */
export interface LifecycleStep {
  /** The webhook sent for this step: `inquiry.*` or `report/<type>.ready|matched|dismissed|errored`. */
  event: string;
  /** The inquiry's `status` from this step on (https://docs.withpersona.com/model-lifecycle). */
  inquiryStatus: string;
  /** The reports linked to the inquiry from this step on; default the scenario's `reports`. */
  reports?: ReportSpec[];
  /** For `report/*` events: the slot of the report the event is about (linked at this step). */
  reportSlot?: string;
  /** What the service decides after this step's event (default policy plus the scenario's `policy`). */
  expectedOutcome: Outcome;
  /** The first reason of that decision. */
  expectedReason: ReasonCode;
  /**
   * true: this step makes a new decision (the next sequence) that is delivered downstream; false: the outcome
   * stays the current decision's, and nothing is delivered.
   */
  delivers: boolean;
}

/** Decision-policy keys a scenario's expectations assume, over the default policy. */
export interface ScenarioPolicy {
  requiredReportTypes?: string[];
}

export interface ScenarioDefinition<Key extends string> {
  key: Key;
  description: string;
  /** What the service decides in the end: the last step's outcome (the only step's, without `steps`). */
  expectedOutcome: Outcome;
  /** The first reason of that decision (reasons are sorted so the first one explains the outcome). */
  expectedReason: ReasonCode;
  verifications: VerificationSpec[];
  /** The reports linked to the inquiry, unless a step says otherwise. */
  reports: ReportSpec[];
  /** Absent: one `inquiry.completed` step with the scenario's expectations (see withSteps in scenarios.ts). */
  steps?: LifecycleStep[];
  policy?: ScenarioPolicy;
  /** The inquiry's tags and risk signals (`behaviors`, merged over the simulator's defaults); none by default. */
  signals?: { tags?: string[]; behaviors?: Record<string, number | boolean> };
}

export const passed = (...names: string[]): CheckInput[] => names.map((name) => ({ name, status: 'passed' }));

export const GOV_ID_CHECKS = [
  'id_barcode_detection',
  'id_blur_detection',
  'id_expired_detection',
  'id_tamper_detection',
];
export const SELFIE_CHECKS = ['selfie_id_comparison', 'selfie_liveness_detection', 'selfie_multiple_faces_detection'];
const DATABASE_CHECKS = ['database_address_comparison', 'database_birthdate_comparison', 'database_name_comparison'];

export const govId = (over: Partial<VerificationSpec> = {}): VerificationSpec => ({
  slot: 'gov1',
  type: 'verification/government-id',
  createdAfterSeconds: 10,
  status: 'passed',
  checks: passed(...GOV_ID_CHECKS),
  ...over,
});

export const selfie = (over: Partial<VerificationSpec> = {}): VerificationSpec => ({
  slot: 'selfie',
  type: 'verification/selfie',
  createdAfterSeconds: 200,
  status: 'passed',
  checks: passed(...SELFIE_CHECKS),
  ...over,
});

export const database = (): VerificationSpec => ({
  slot: 'db',
  type: 'verification/database',
  createdAfterSeconds: 250,
  status: 'passed',
  checks: passed(...DATABASE_CHECKS),
});

export const watchlist = (hasMatch = false): ReportSpec => ({
  slot: 'watchlist',
  type: 'report/watchlist',
  status: 'ready',
  hasMatch,
});

/** `name` failed with `reasons`, every other gov-id check passed. */
export function govIdChecksFailing(name: string, reasons: string[], requirement = 'required'): CheckInput[] {
  return GOV_ID_CHECKS.map((check) =>
    check === name ? { name, status: 'failed', requirement, reasons } : { name: check, status: 'passed' },
  );
}
