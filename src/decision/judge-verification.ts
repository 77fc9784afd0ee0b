import { compareStrings, isVerificationSettled } from './evidence.js';
import type { CheckEvidence, VerificationEvidence } from './evidence.js';
import type { PolicyContent as Policy } from './policy-version.js';
import { createReason } from './reasons.js';
import type { Reason, ReasonRefs } from './reasons.js';

/**
 * The reasons one (latest) verification contributes. Its status decides (docs/persona-notes.md#objects); its
 * checks only say why, except on `failed`, where the failed required checks pick between declined and manual_review.
 * Unknown types are judged by status like any other: the engine needs no list of verification kinds.
 */
export function judgeVerification(v: VerificationEvidence, policy: Policy): Reason[] {
  return [...judgeStatus(v, policy), ...informationalChecks(v)];
}

function judgeStatus(v: VerificationEvidence, policy: Policy): Reason[] {
  const refs = verificationRefs(v);
  if (!isVerificationSettled(v.status)) {
    return [createReason('verification_not_settled', `${v.type} was still ${v.status} at the polling deadline`, refs)];
  }
  switch (v.status) {
    case 'passed':
    case 'confirmed':
      return judgePassed(v);
    case 'failed':
      return judgeFailed(v, policy);
    case 'requires_retry':
      return [createReason('verification_requires_retry', `${v.type} asks the user to try again`, refs)];
    case 'skipped':
      return [createReason('verification_skipped', `${v.type} was skipped; it neither passes nor fails`, refs)];
    case 'canceled':
      return [createReason('verification_canceled', `${v.type} was canceled (timed out or errored at Persona)`, refs)];
    default:
      return [createReason('verification_status_unknown', `${v.type} has an unknown status "${v.status}"`, refs)];
  }
}

/** Persona says every required check passes on a passed verification; if the evidence disagrees, a human looks. */
function judgePassed(v: VerificationEvidence): Reason[] {
  const contradicting = failedChecks(v).filter(isRequired);
  if (contradicting.length === 0) {
    return [createReason('verification_passed', `${v.type} ${v.status}`, verificationRefs(v))];
  }
  return contradicting.map((c) =>
    createReason('verification_inconsistent', `${v.type} is ${v.status} but required check ${c.name} failed`, {
      ...verificationRefs(v),
      check: c.name,
    }),
  );
}

function judgeFailed(v: VerificationEvidence, policy: Policy): Reason[] {
  const required = failedChecks(v).filter(isRequired);
  if (required.length === 0) {
    const message = `${v.type} failed without a failed required check`;
    return [createReason('verification_failed', message, verificationRefs(v))];
  }
  return required.map((c) => {
    const refs = { ...verificationRefs(v), check: c.name };
    const message = `required check ${c.name} failed on ${v.type}`;
    return policy.declineChecks.includes(c.name)
      ? createReason('decline_check_failed', message, refs)
      : createReason('required_check_failed', `${message} (not a decline check)`, refs);
  });
}

/** Failed checks that did not decide anything above, listed so a reviewer sees the whole picture. */
function informationalChecks(v: VerificationEvidence): Reason[] {
  const checksDecided = ['passed', 'confirmed', 'failed'].includes(v.status);
  return failedChecks(v)
    .filter((c) => !isRequired(c) || !checksDecided)
    .map((c) => {
      const refs = { ...verificationRefs(v), check: c.name };
      return isRequired(c)
        ? createReason('required_check_failed_info', `required check ${c.name} failed; ${v.status} decides`, refs)
        : createReason('non_required_check_failed', `non-required check ${c.name} failed on ${v.type}`, refs);
    });
}

function failedChecks(v: VerificationEvidence): CheckEvidence[] {
  // Sorted so the reasons do not depend on the order Persona listed the checks in.
  return v.checks.filter((c) => c.status === 'failed').sort((a, b) => compareStrings(a.name, b.name));
}

/** Only "required" is required: not_required, requires_retry, null and unknown requirements are informational. */
function isRequired(c: CheckEvidence): boolean {
  return c.requirement === 'required';
}

function verificationRefs(v: VerificationEvidence): ReasonRefs {
  return { verificationId: v.id, verificationType: v.type };
}
