import { compareStrings, splitAttempts } from './evidence.js';
import type { Evidence, ReportEvidence, VerificationEvidence } from './evidence.js';
import { judgeReport } from './judge-report.js';
import { judgeVerification } from './judge-verification.js';
import type { Outcome } from './outcome.js';
import { type Policy, policyFor } from './policy.js';
import type { PolicyContent } from './policy-version.js';
import { evaluateRules } from './rules.js';
import { createReason } from './reasons.js';
import type { Reason, ReasonCode } from './reasons.js';

export interface Decision {
  outcome: Outcome;
  /** Decisive reasons first (in precedence order), then info; stable for the same input. */
  reasons: Reason[];
  policyVersion: string;
  supersededVerificationIds: string[];
}

/**
 * The domain decision. Persona's view of the inquiry comes first (a status Persona failed, expired or decided,
 * under the policy's `inquiryOutcomes` and `personaDecisions`); otherwise every piece of evidence asks for an
 * outcome (or only informs) and the policy's precedence picks the winner. Pure and deterministic: no clock, no
 * I/O, and no dependence on the order of the input arrays.
 */
export function decide(evidence: Evidence, policy: Policy): Decision {
  // the inquiry's template picks the rules (policy `templates`); the version covers the whole file
  const rules = policyFor(policy, evidence.templateId);
  const engine = evaluateEvidence(evidence, rules, policy.version);
  const persona = personaView(evidence.inquiryStatus, rules);
  if (persona === null) return engine;
  const kept = engine.reasons.map(asInfo);
  if (persona.kind === 'terminal') {
    return { ...engine, outcome: persona.reason.outcome as Outcome, reasons: [persona.reason, ...kept] };
  }
  const agrees = engine.outcome === persona.outcome;
  if (rules.personaDecisions === 'review_on_disagreement' && !agrees) {
    const message = `Persona's inquiry is ${evidence.inquiryStatus} but the evidence says ${engine.outcome}`;
    const disagreement = { ...createReason('persona_engine_disagree', message), engineOutcome: engine.outcome };
    return { ...engine, outcome: 'manual_review', reasons: [disagreement, ...kept] };
  }
  const disagrees = agrees
    ? []
    : [
        {
          ...createReason(
            'engine_disagrees',
            `the evidence alone says ${engine.outcome}; Persona's decision is followed`,
          ),
          engineOutcome: engine.outcome,
        },
      ];
  return { ...engine, outcome: persona.outcome, reasons: [persona.reason, ...disagrees, ...kept] };
}

type PersonaView = { kind: 'terminal'; reason: Reason } | { kind: 'decided'; outcome: Outcome; reason: Reason } | null;

/**
 * What Persona's status says under the policy; null when the evidence decides (completed, and any status this
 * engine does not act on). https://docs.withpersona.com/model-lifecycle
 */
function personaView(inquiryStatus: string, policy: PolicyContent): PersonaView {
  switch (inquiryStatus) {
    case 'failed':
    case 'expired': {
      const code = inquiryStatus === 'failed' ? 'inquiry_failed' : 'inquiry_expired';
      const message =
        inquiryStatus === 'failed'
          ? 'Persona failed the inquiry: the user ran out of attempts'
          : 'the inquiry expired before the user finished it';
      // The policy may remap both; the reason then carries the outcome it maps to.
      return {
        kind: 'terminal',
        reason: { ...createReason(code, message), outcome: policy.inquiryOutcomes[inquiryStatus] },
      };
    }
    case 'approved':
    case 'declined':
    case 'needs_review': {
      if (policy.personaDecisions === 'ignore') return null;
      const decided = PERSONA_DECISIONS[inquiryStatus];
      return { kind: 'decided', outcome: decided.outcome, reason: createReason(decided.code, decided.message) };
    }
    default:
      return null;
  }
}

const PERSONA_DECISIONS = {
  approved: {
    outcome: 'approved',
    code: 'persona_approved',
    message: 'approved in Persona (a Workflow or a reviewer)',
  },
  declined: {
    outcome: 'declined',
    code: 'persona_declined',
    message: 'declined in Persona (a Workflow or a reviewer)',
  },
  needs_review: {
    outcome: 'manual_review',
    code: 'persona_marked_for_review',
    message: 'marked for review in Persona (a Workflow or a reviewer)',
  },
} as const satisfies Record<string, { outcome: Outcome; code: ReasonCode; message: string }>;

/** Persona statuses of an inquiry the user has not finished (https://docs.withpersona.com/model-lifecycle). */
const IN_PROGRESS_STATUSES = new Set(['created', 'pending']);

/**
 * Whether an inquiry can be decided at all: not while the user is still in the flow (a report event can arrive
 * mid-flow, and an expired inquiry can be resumed). Persona sends an inquiry event when the flow ends.
 */
export function isDecidableStatus(inquiryStatus: string): boolean {
  return !IN_PROGRESS_STATUSES.has(inquiryStatus);
}

/**
 * Whether the decision waits for pending evidence to settle: not when Persona's own status decides it (the engine's
 * reasons are then only kept for the record), so following Persona costs no polling.
 */
export function needsSettledEvidence(inquiryStatus: string, policy: PolicyContent): boolean {
  const view = personaView(inquiryStatus, policy);
  return view === null || (view.kind === 'decided' && policy.personaDecisions === 'review_on_disagreement');
}

/** An engine reason kept in a decision Persona's view took: informational, naming what it asked for. */
function asInfo(reason: Reason): Reason {
  return reason.outcome === 'info' ? reason : { ...reason, outcome: 'info', engineOutcome: reason.outcome };
}

/** The engine's own evaluation of the evidence. */
function evaluateEvidence(evidence: Evidence, policy: PolicyContent, policyVersion: string): Decision {
  const { latest, superseded } = splitAttempts(evidence.verifications);
  const verificationReasons = latest.flatMap((v) => judgeVerification(v, policy));
  const reasons = [
    ...coverageReasons(latest, verificationReasons, policy),
    ...reportCoverageReasons(evidence.reports, policy),
    ...verificationReasons,
    ...attemptHistoryReasons(evidence.verifications, superseded, policy),
    ...sortReports(evidence.reports).map((r) => judgeReport(r, policy)),
    ...superseded.map(supersededReason),
    ...ruleReasons(evidence, policy),
  ];
  const outcome = pickOutcome(reasons, policy.precedence);
  return {
    outcome,
    reasons: orderReasons(withSummary(outcome, reasons), policy.precedence),
    policyVersion,
    supersededVerificationIds: superseded.map((v) => v.id),
  };
}

/**
 * The policy's CEL rules (rules.ts): a rule whose expression is true asks for its outcome (`rule_<name>`); one that
 * cannot be evaluated (a missing behavior key, a wrong type) is an info `rule_error` naming it: never a crash, and
 * never an approval by omission.
 */
function ruleReasons(evidence: Evidence, policy: PolicyContent): Reason[] {
  return evaluateRules(policy.rules, evidence).flatMap((result): Reason[] => {
    const { name, then } = result.rule;
    if ('error' in result) {
      return [{ ...createReason('rule_error', `rule ${name} could not be evaluated: ${result.error}`), rule: name }];
    }
    if (!result.matched) return [];
    return [{ code: `rule_${name}`, outcome: then, message: `rule ${name} matched: ${then}`, rule: name }];
  });
}

/** A required report type with no report linked at the deadline (a linked but pending one is report_not_settled). */
function reportCoverageReasons(reports: readonly ReportEvidence[], policy: PolicyContent): Reason[] {
  return policy.requiredReportTypes
    .filter((type) => !reports.some((r) => r.type === type))
    .map((type) =>
      createReason('required_report_missing', `required ${type} was not linked to the inquiry`, { reportType: type }),
    );
}

/**
 * Earlier attempts tell a story the latest one does not: a failed fraud check on a replaced attempt (someone tried
 * a forged ID, then a real one), or more failed attempts of a type than the policy allows.
 */
function attemptHistoryReasons(
  all: readonly VerificationEvidence[],
  superseded: readonly VerificationEvidence[],
  policy: PolicyContent,
): Reason[] {
  const fraud = superseded.flatMap((v) =>
    v.checks
      .filter((c) => c.status === 'failed' && policy.fraudChecks.includes(c.name))
      .sort((a, b) => compareStrings(a.name, b.name))
      .map((c) =>
        createReason('earlier_attempt_fraud_signal', `an earlier ${v.type} attempt failed ${c.name}`, {
          verificationId: v.id,
          verificationType: v.type,
          check: c.name,
        }),
      ),
  );
  const tooMany = Object.entries(policy.maxFailedAttempts).flatMap(([type, max]) => {
    const failed = all.filter((v) => v.type === type && v.status === 'failed').length;
    if (failed <= max) return [];
    const message = `${failed} failed ${type} attempts (the policy allows ${max})`;
    return [createReason('failed_attempts_exceeded', message, { verificationType: type })];
  });
  return [...fraud, ...tooMany];
}

/** Reasons about what is missing rather than what is there. */
function coverageReasons(latest: VerificationEvidence[], judged: Reason[], policy: PolicyContent): Reason[] {
  const reasons: Reason[] = [];
  if (latest.length === 0) {
    reasons.push(createReason('no_verifications', 'the inquiry has no verifications'));
  } else if (judged.every((r) => r.outcome === 'info')) {
    // Only neutral evidence (e.g. every verification skipped): nothing vouches for the person.
    reasons.push(createReason('no_passing_verification', 'no verification passed or failed; all were neutral'));
  }
  for (const type of [...policy.requiredVerificationTypes].sort(compareStrings)) {
    const found = latest.find((v) => v.type === type);
    if (!found) {
      const refs = { verificationType: type };
      reasons.push(createReason('required_verification_missing', `required ${type} is missing`, refs));
    } else if (found.status === 'skipped') {
      const refs = { verificationId: found.id, verificationType: type };
      reasons.push(createReason('required_verification_skipped', `required ${type} was skipped`, refs));
    }
  }
  return reasons;
}

function supersededReason(v: VerificationEvidence): Reason {
  const refs = { verificationId: v.id, verificationType: v.type };
  const message = `an earlier ${v.type} attempt (${v.status}) was replaced by a later one`;
  return createReason('attempt_superseded', message, refs);
}

function sortReports(reports: readonly ReportEvidence[]): ReportEvidence[] {
  return [...reports].sort((a, b) => compareStrings(a.type, b.type) || compareStrings(a.id, b.id));
}

function pickOutcome(reasons: Reason[], precedence: readonly Outcome[]): Outcome {
  const asked = new Set(reasons.map((r) => r.outcome));
  // coverageReasons guarantees at least one non-info reason; the fallback is the safe answer if that ever breaks.
  return precedence.find((outcome) => asked.has(outcome)) ?? 'manual_review';
}

/** Approval gets a headline reason when nothing else asked for a different outcome. */
function withSummary(outcome: Outcome, reasons: Reason[]): Reason[] {
  const unanimous = reasons.every((r) => r.outcome === 'approved' || r.outcome === 'info');
  if (outcome !== 'approved' || !unanimous) return reasons;
  return [createReason('all_evidence_passed', 'every verification and counted report passed'), ...reasons];
}

/** Stable sort by the rank of each reason's outcome; info last. Within a rank the build order is kept. */
function orderReasons(reasons: Reason[], precedence: readonly Outcome[]): Reason[] {
  const rank = (r: Reason): number => {
    const index = r.outcome === 'info' ? -1 : precedence.indexOf(r.outcome);
    return index === -1 ? precedence.length : index;
  };
  return [...reasons].sort((a, b) => rank(a) - rank(b));
}
