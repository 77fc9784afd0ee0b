/**
 * The PII-free evidence the decision engine works on. The Persona client maps API responses into these shapes
 * (persona/to-evidence.ts); the decision row stores them so a decision can be explained and re-evaluated later.
 * Names, birthdates, ID numbers and addresses never enter these types.
 *
 * Statuses and types are open strings on purpose: Persona adds values without a version bump
 * (https://docs.withpersona.com/versioning), and the engine must treat unknown ones explicitly, not crash on them.
 */
export interface CheckEvidence {
  name: string; // e.g. "id_expired_detection"
  status: string; // "passed" | "failed" | "not_applicable" | unknown
  requirement: string | null; // "required" | "not_required" | "requires_retry" | unknown | null
  reasons: string[]; // Persona reason codes, e.g. "expired"
}

export interface VerificationEvidence {
  id: string; // ver_…
  type: string; // "verification/government-id", "verification/selfie", …
  status: string; // "initiated" | "submitted" | "passed" | "failed" | "requires_retry" | "skipped" | "canceled" | "confirmed" | "tentatively_passed" | "tentatively_failed" | unknown
  createdAt: string; // ISO-8601
  completedAt: string | null;
  checks: CheckEvidence[];
}

export interface ReportEvidence {
  id: string; // rep_…
  type: string; // "report/watchlist", "report/politically-exposed-person", "report/adverse-media", …
  status: string; // "pending" | "ready" | "errored" | unknown
  hasMatch: boolean | null;
  createdAt: string;
  completedAt: string | null;
  /**
   * When a reviewer dismissed the report's match in Persona: the `created-at` of the report's latest
   * `report/<type>.dismissed` event, when no `.matched` event came after it. Persona keeps `has-match: true` on a
   * dismissed report (OAS examples `report-*-dismissed-webhook-body`), so only the event tells. Absent otherwise.
   */
  matchDismissedAt?: string;
}

export interface Evidence {
  inquiryId: string;
  /**
   * Persona's own view of the inquiry: completed, failed, expired, needs_review, approved, declined, … (open: Persona
   * adds statuses). A Workflow's or reviewer's decision shows here (docs/decision-policy.md#personas-view).
   */
  inquiryStatus: string;
  /** Identifiers, not PII: the customer's own id for the user (Persona recommends it), the account, the template. */
  referenceId: string | null;
  accountId: string | null;
  templateId: string | null;
  /** The inquiry's tags (labels such as "FRAUD" or "vip", set by the customer or a Workflow), sorted, unique. */
  tags: string[];
  /**
   * Persona's risk signals (`behaviors`: bot score, spoof attempts, completion time…; keys vary by customer and are
   * not enumerated in the spec). Numbers and booleans only: anything else is dropped at the edge.
   */
  behaviors: Record<string, number | boolean>;
  verifications: VerificationEvidence[];
  reports: ReportEvidence[];
}

/**
 * What a decision keeps of its evidence (the `evidence` of a stored decision, served by GET /decisions/:id): the
 * evidence the engine read, plus how it was gathered. PII-free like Evidence; enough to explain or re-evaluate.
 */
export interface EvidenceSummary extends Evidence {
  /** Earlier attempts of a verification type, replaced by a later attempt (decide() reads only the latest). */
  supersededVerificationIds: string[];
  /** How many times pending evidence was polled before it settled (or the poll deadline passed). */
  polls: number;
  /**
   * Where the evidence came from: `webhook` when the event carried all of it and Persona was not called, else `api`.
   * Decisions stored before this was kept read back as `api` (the only source then).
   */
  source: 'webhook' | 'api';
  /** When it was read (ISO-8601): the webhook's arrival, or the last Persona answer; null on older decisions. */
  gatheredAt: string | null;
}

/** Verification statuses that may still change: the pipeline polls until none is left (or a deadline passes). */
const PENDING_VERIFICATION_STATUSES = new Set(['initiated', 'submitted', 'tentatively_passed', 'tentatively_failed']);
const PENDING_REPORT_STATUSES = new Set(['pending']);

export function isVerificationSettled(status: string): boolean {
  return !PENDING_VERIFICATION_STATUSES.has(status);
}

export function isReportSettled(status: string): boolean {
  return !PENDING_REPORT_STATUSES.has(status);
}

/**
 * Splits verifications into the latest attempt per type (the ones that count) and earlier, superseded attempts.
 * Ties on created-at are broken by id, and both lists come back sorted (by type, then attempt order), so the
 * result never depends on Persona's array order.
 */
export function splitAttempts(verifications: readonly VerificationEvidence[]): {
  latest: VerificationEvidence[];
  superseded: VerificationEvidence[];
} {
  const latestByType = new Map<string, VerificationEvidence>();
  for (const v of verifications) {
    const current = latestByType.get(v.type);
    if (!current || compareAttempts(v, current) > 0) latestByType.set(v.type, v);
  }
  const latest = [...latestByType.values()].sort(compareByTypeThenAttempt);
  const latestIds = new Set(latest.map((v) => v.id));
  const superseded = verifications.filter((v) => !latestIds.has(v.id)).sort(compareByTypeThenAttempt);
  return { latest, superseded };
}

function compareByTypeThenAttempt(a: VerificationEvidence, b: VerificationEvidence): number {
  return compareStrings(a.type, b.type) || compareAttempts(a, b);
}

/**
 * A total order: an unparseable created-at sorts before every real one (so it never beats a dated attempt), and
 * equal times fall back to the id. Comparing raw NaN differences would make the order depend on array order.
 */
function compareAttempts(a: VerificationEvidence, b: VerificationEvidence): number {
  const timeA = attemptTime(a);
  const timeB = attemptTime(b);
  if (timeA !== timeB) return timeA < timeB ? -1 : 1;
  return compareStrings(a.id, b.id);
}

function attemptTime(v: VerificationEvidence): number {
  const time = Date.parse(v.createdAt);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** Code-unit order, not localeCompare: the result must not change with the host's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The latest `.matched` or `.dismissed` event of one report, as stored at intake. */
export interface ReportMatchEvent {
  reportId: string;
  action: 'matched' | 'dismissed';
  createdAt: string;
}

/**
 * Per report, its latest `report/<type>.matched` or `.dismissed` event, from report events in `created-at` order
 * (any other report event is passed over).
 */
export function latestMatchEvents(
  events: readonly { reportId: string; name: string; createdAt: string }[],
): ReportMatchEvent[] {
  const latest = new Map<string, ReportMatchEvent>();
  for (const { reportId, name, createdAt } of events) {
    const action = /\.(matched|dismissed)$/.exec(name)?.[1];
    if (action === 'matched' || action === 'dismissed') latest.set(reportId, { reportId, action, createdAt });
  }
  return [...latest.values()];
}

/**
 * Marks each report whose latest match event is a dismissal (a later `.matched`, a new match under continuous
 * monitoring, counts again). Pure: the events come from the event store.
 */
export function withMatchDismissals(evidence: Evidence, latest: readonly ReportMatchEvent[]): Evidence {
  const dismissed = new Map(latest.filter((e) => e.action === 'dismissed').map((e) => [e.reportId, e.createdAt]));
  if (dismissed.size === 0) return evidence;
  return {
    ...evidence,
    reports: evidence.reports.map((r) => {
      const at = dismissed.get(r.id);
      return at === undefined ? r : { ...r, matchDismissedAt: at };
    }),
  };
}

export interface PendingEvidence {
  verificationIds: string[];
  reportIds: string[];
  /** Required report types not linked to the inquiry yet: only a fresh fetch of the inquiry can show them. */
  missingReportTypes: string[];
}

/**
 * What still has to settle before deciding: only latest attempts count (an abandoned earlier attempt may stay
 * `initiated` forever), only the report types the policy reads, and every report type it requires.
 */
export function pendingEvidence(
  evidence: Evidence,
  policy: { reportTypes: readonly string[]; requiredReportTypes: readonly string[] },
): PendingEvidence {
  return {
    verificationIds: splitAttempts(evidence.verifications)
      .latest.filter((v) => !isVerificationSettled(v.status))
      .map((v) => v.id),
    reportIds: evidence.reports
      .filter((r) => policy.reportTypes.includes(r.type) && !isReportSettled(r.status))
      .map((r) => r.id),
    missingReportTypes: policy.requiredReportTypes.filter((type) => !evidence.reports.some((r) => r.type === type)),
  };
}

export function isPending(pending: PendingEvidence): boolean {
  return pending.verificationIds.length + pending.reportIds.length + pending.missingReportTypes.length > 0;
}
