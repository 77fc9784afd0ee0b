// Plain words for what the API answers in codes. Anything missing shows as an em dash.
export const DASH = '—';

export function text(value) {
  if (value === undefined || value === null || value === '') return DASH;
  return String(value);
}

const OUTCOMES = {
  approved: { label: 'Approved', mark: '✓' },
  declined: { label: 'Declined', mark: '✗' },
  manual_review: { label: 'Manual review', mark: '⚑' },
  retry: { label: 'Ask to retry', mark: '↻' },
  info: { label: 'Information', mark: 'i' },
};

export function outcomeLabel(outcome) {
  return OUTCOMES[outcome]?.label ?? text(outcome);
}

export function outcomeMark(outcome) {
  return OUTCOMES[outcome]?.mark ?? '•';
}

/** Reason codes in plain words (docs/decision-policy.md#reason-codes); the API's message for any other code. */
const REASONS = {
  all_evidence_passed: 'Every verification and screening report passed.',
  verification_passed: 'This verification passed.',
  report_clear: 'The screening report found no match.',
  report_ready: 'The screening report is ready.',
  report_match_dismissed: 'A reviewer dismissed the screening match in Persona.',
  persona_approved: 'Persona approved the inquiry (a Workflow or a reviewer).',
  decline_check_failed: 'A required check that declines failed.',
  inquiry_failed: 'The inquiry failed in Persona.',
  persona_declined: 'Persona declined the inquiry (a Workflow or a reviewer).',
  required_check_failed: 'A required check failed.',
  verification_failed: 'A verification failed.',
  verification_inconsistent: 'The verification’s status and its checks disagree.',
  verification_canceled: 'A verification was canceled.',
  verification_status_unknown: 'A verification has a status this service does not know.',
  verification_not_settled: 'A verification was still running when the wait ended.',
  no_verifications: 'The inquiry has no verifications.',
  no_passing_verification: 'No verification passed.',
  required_verification_missing: 'A verification the policy requires is missing.',
  required_verification_skipped: 'A verification the policy requires was skipped.',
  report_match: 'A screening report found a possible match (watchlist, PEP or adverse media).',
  report_match_unknown: 'A screening report does not say whether it matched.',
  report_errored: 'A screening report errored.',
  report_status_unknown: 'A screening report has a status this service does not know.',
  report_not_settled: 'A screening report was still pending when the wait ended.',
  required_report_missing: 'A screening report the policy requires is missing.',
  earlier_attempt_fraud_signal: 'An earlier attempt failed a fraud check.',
  failed_attempts_exceeded: 'Too many failed attempts.',
  persona_marked_for_review: 'Persona marked the inquiry for review.',
  persona_engine_disagree: 'Persona’s decision and the evidence disagree.',
  verification_requires_retry: 'The person must retry a verification.',
  inquiry_expired: 'The inquiry expired before it was finished.',
  attempt_superseded: 'An earlier attempt, replaced by a later one.',
  verification_skipped: 'A verification was skipped.',
  non_required_check_failed: 'A check that is not required failed.',
  required_check_failed_info: 'A required check failed (for information).',
  report_not_counted: 'A report type the policy does not count.',
  engine_disagrees: 'The evidence alone would have led to another outcome.',
  rule_error: 'A policy rule could not be evaluated.',
};

export function reasonSentence(reason) {
  if (!reason || typeof reason !== 'object') return DASH;
  if (reason.code === 'operator_review') {
    return `An operator (${text(reason.actor)}) reviewed it${reason.note ? `: “${reason.note}”` : '.'}`;
  }
  const known = REASONS[reason.code];
  if (known) return known;
  if (typeof reason.code === 'string' && reason.code.startsWith('rule_') && reason.rule) {
    return `Policy rule “${reason.rule}” applies.`;
  }
  return text(reason.message);
}

/** `verification/government-id` → `Government ID verification`; `report/watchlist` → `Watchlist report`. */
export function kindLabel(type) {
  if (typeof type !== 'string' || type === '') return DASH;
  const [family, name = family] = type.split('/');
  const words = name.replace(/-/g, ' ').replace(/\bid\b/g, 'ID');
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  return family === name ? label : `${label} ${family}`;
}

/** `id_expired_detection` → `id expired detection`: check names are Persona's, kept recognisable. */
export function words(code) {
  return typeof code === 'string' && code !== '' ? code.replace(/_/g, ' ') : DASH;
}

/** A timestamp in the operator's locale; the ISO value stays in the title. */
export function when(iso) {
  if (typeof iso !== 'string' || iso === '') return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function age(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return DASH;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

/** A status word (delivery, verification, report, check) as a class name for its colour; the word is shown too. */
export function tone(status) {
  switch (status) {
    case 'passed':
    case 'confirmed':
    case 'delivered':
    case 'ready':
    case 'done':
    case 'approved':
      return 'good';
    case 'failed':
    case 'declined':
    case 'errored':
      return 'bad';
    case 'pending':
    case 'requires_retry':
    case 'manual_review':
    case 'retry':
      return 'warn';
    default:
      return 'neutral';
  }
}
