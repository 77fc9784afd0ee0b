import { decide, isDecidableStatus, needsSettledEvidence } from '../decision/decide.js';
import {
  type Evidence,
  isPending,
  pendingEvidence,
  type PendingEvidence,
  type ReportEvidence,
  type VerificationEvidence,
  withMatchDismissals,
} from '../decision/evidence.js';
import { type Policy, policyFor } from '../decision/policy.js';
import type { Reason } from '../decision/reasons.js';
import { decideShadow } from '../decision/shadow.js';
import { describeError, isAppError } from '../errors.js';
import type { ProcessInquiryPayload } from '../job-kinds.js';
import { backoffDelayMs } from '../lib/backoff.js';
import type { Clock, Random } from '../lib/clock.js';
import { type MetricsRecorder, noopRecorder } from '../metrics/recorder.js';
import type { DecisionStore } from '../store/decision-store.js';
import type { EventStore } from '../store/event-store.js';
import type { Job } from '../store/job-queue.js';
import type { JobContext, JobHandler, JobOutcome } from './worker.js';

/** The Persona API as the pipeline needs it (persona/client.ts implements it). `ctx.calls` counts HTTP requests. */
export interface EvidenceSource {
  getInquiryEvidence(inquiryId: string, ctx?: { calls: number }): Promise<Evidence>;
  getVerification(verificationId: string, ctx?: { calls: number }): Promise<VerificationEvidence>;
  getReport(reportId: string, ctx?: { calls: number }): Promise<ReportEvidence>;
}

export interface PollingOptions {
  /** Polling stops this long after the webhook arrived; the decision is then manual_review (not settled). */
  timeoutMs: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export interface ProcessInquiryOptions {
  persona: EvidenceSource;
  decisions: DecisionStore;
  /** Reads the reports' latest match events: a dismissal shows only there (evidence.ts, matchDismissedAt). */
  events: Pick<EventStore, 'latestReportMatchEvents'>;
  policy: Policy;
  /**
   * DECISION_SHADOW_POLICY_FILE: decided on the same evidence as every live decision and stored beside it; never
   * delivered, never written back. It does not change what is fetched or polled: the live policy decides that.
   */
  shadowPolicy?: Policy | null;
  clock: Clock;
  random: Random;
  polling: PollingOptions;
  /** Persona outages are retried (with backoff) for this long after the webhook arrived, then the job fails visibly. */
  personaOutageBudgetMs: number;
  /** Each saved evaluation: outcome, policy version, time since the webhook (src/metrics). */
  metrics?: Pick<MetricsRecorder, 'evaluation'>;
}

/** Between polls the job keeps the PII-free evidence so far (in its payload), so a re-poll fetches only what is pending. */
type PollState = ProcessInquiryPayload;

/**
 * inquiry.completed → fetch evidence (one call) → poll what is still running, durably (the job is rescheduled,
 * nothing waits in memory) → decide → store the decision (and its delivery) in one transaction.
 */
export function createProcessInquiryHandler(options: ProcessInquiryOptions): JobHandler<'process_inquiry'> {
  const { persona, decisions, events, policy, clock, random, polling } = options;
  const shadowPolicy = options.shadowPolicy ?? null;
  const metrics = options.metrics ?? noopRecorder;

  return async function processInquiry(state, job, { log, finishWithin, claim, handedOver }) {
    const jobLog = log.child({ inquiryId: state.inquiryId, eventId: state.eventId, poll: state.polls });
    const ctx = { calls: 0 };
    // A job handed over at intake heads an empty queue with the inquiry's newest event: the checks below all but
    // surely let it through, so Persona's GET (a read) starts beside them rather than after them. If one stops the
    // job after all, the answer is dropped, and the decision's transaction checks again whatever happens here.
    const early = handedOver ? gatherEvidence(persona, state, policy, ctx) : null;
    early?.catch(() => undefined); // awaited below, unless a check stops the job first
    const previous = await decisions.latestDecisionRef(state.inquiryId);
    if (previous && previous.eventCreatedAt > state.eventCreatedAt) {
      jobLog.info({ decisionId: previous.decisionId }, 'event older than the current decision; skipped');
      return { type: 'done' };
    }
    // A newer event's job is queued behind this one and will fetch the inquiry afresh: deciding (or polling) on
    // this one's older view would only deliver an outcome Persona may have overridden since.
    if (await decisions.newerEventAccepted(state.inquiryId, state.eventCreatedAt)) {
      jobLog.info('a newer event of this inquiry was accepted; its job decides');
      return { type: 'done' };
    }

    let gathered: Gathered;
    try {
      gathered = await (early ?? gatherEvidence(persona, state, policy, ctx));
    } catch (error) {
      return onPersonaError(error, state, job, ctx.calls, jobLog);
    }
    const { pending } = gathered;
    const matched = gathered.evidence.reports.some((r) => r.hasMatch === true);
    const evidence = matched
      ? withMatchDismissals(gathered.evidence, await events.latestReportMatchEvents(state.inquiryId))
      : gathered.evidence;
    const calls = state.personaCalls + ctx.calls;
    if (!isDecidableStatus(evidence.inquiryStatus)) {
      // The user is still in the flow (a report ran mid-flow, or an expired inquiry was resumed): Persona sends an
      // inquiry event when it ends, and that event decides.
      jobLog.info(
        { personaStatus: evidence.inquiryStatus, personaCalls: calls },
        'inquiry still in progress at Persona; not decided',
      );
      await decisions.finishWithoutDecision(state.inquiryId, state.eventId);
      return { type: 'done' };
    }
    const now = clock.now();
    if (isPending(pending) && now < state.receivedAtMs + polling.timeoutMs) {
      const delay = backoffDelayMs(state.polls + 1, { minMs: polling.minDelayMs, maxMs: polling.maxDelayMs }, random);
      const runAt = Math.min(now + delay, state.receivedAtMs + polling.timeoutMs);
      jobLog.info(
        {
          pending: pending.verificationIds.length + pending.reportIds.length,
          missingReports: pending.missingReportTypes.length,
          delayMs: runAt - now,
        },
        'evidence pending; polling',
      );
      const evidenceSource = sourceOf(state, ctx.calls, now);
      const next: PollState = { ...state, polls: state.polls + 1, personaCalls: calls, evidence, evidenceSource };
      return { type: 'reschedule', runAt, payload: next, resetAttempts: true, error: null };
    }

    const decision = decide(evidence, policy);
    const shadow = decideShadow(evidence, shadowPolicy);
    const source = sourceOf(state, ctx.calls, now);
    const result = await decisions.saveEvaluation(
      {
        inquiryId: state.inquiryId,
        eventId: state.eventId,
        eventName: state.eventName ?? null,
        eventCreatedAt: state.eventCreatedAt,
        outcome: decision.outcome,
        reasons: decision.reasons,
        policyVersion: decision.policyVersion,
        evidence: {
          inquiryId: evidence.inquiryId,
          inquiryStatus: evidence.inquiryStatus,
          referenceId: evidence.referenceId,
          accountId: evidence.accountId,
          templateId: evidence.templateId,
          tags: evidence.tags,
          behaviors: evidence.behaviors,
          verifications: evidence.verifications,
          reports: evidence.reports,
          supersededVerificationIds: decision.supersededVerificationIds,
          polls: state.polls,
          source: source.from,
          gatheredAt: source.at,
        },
        personaCalls: calls,
        shadow,
      },
      // a new decision's delivery is claimed for this worker in the same transaction and sent at once (no claim)
      { within: finishWithin, claimDelivery: claim },
    );
    const facts = {
      outcome: decision.outcome,
      ...(shadow ? { shadowOutcome: shadow.outcome } : {}),
      personaStatus: evidence.inquiryStatus,
      personaCalls: calls,
    };
    if (result.status === 'decided' || result.status === 'unchanged') {
      metrics.evaluation({
        result: result.status,
        outcome: decision.outcome,
        policyVersion: decision.policyVersion,
        sinceWebhookSeconds: (clock.now() - state.receivedAtMs) / 1000,
        ...(shadow ? { shadowOutcome: shadow.outcome } : {}),
        ruleErrors: failedRules(decision.reasons),
        ...(shadow ? { shadowRuleErrors: failedRules(shadow.reasons) } : {}),
      });
    }
    if (result.status === 'decided') {
      jobLog.info(
        { decisionId: result.decision.decisionId, sequence: result.decision.sequence, ...facts, polls: state.polls },
        'inquiry decided',
      );
    } else if (result.status === 'superseded') {
      jobLog.info('a newer event of this inquiry was accepted meanwhile; its job decides');
    } else if (result.status === 'unchanged' && result.reviewKept) {
      jobLog.info(
        { decisionId: result.decision.decisionId, ...facts },
        "an operator's review stands (same evidence); added to its history, nothing delivered",
      );
    } else if (result.status === 'unchanged') {
      jobLog.info(
        { decisionId: result.decision.decisionId, ...facts },
        'outcome unchanged; added to the decision history, nothing delivered',
      );
    } else {
      jobLog.info('a decision from newer evidence exists; this one was dropped');
    }
    const delivery = result.status === 'decided' ? result.delivery : undefined;
    return { type: 'done', finished: true, ...(delivery ? { next: delivery } : {}) };
  };

  async function onPersonaError(
    error: unknown,
    state: PollState,
    job: Job,
    calls: number,
    jobLog: JobContext['log'],
  ): Promise<JobOutcome<PollState>> {
    const now = clock.now();
    const message = describeError(error);
    const payload: PollState = { ...state, personaCalls: state.personaCalls + calls };
    if (isAppError(error) && error.retryable && now < state.receivedAtMs + options.personaOutageBudgetMs) {
      const delay = backoffDelayMs(job.attempts, { minMs: 5_000, maxMs: 15 * 60_000 }, random);
      jobLog.warn({ code: error.code, delayMs: delay }, 'Persona unavailable; will retry');
      return { type: 'reschedule', runAt: now + delay, payload, error: message };
    }
    // Never succeeds by retrying (404 inquiry, 401 key, malformed response) or retried for too long: fail visibly.
    jobLog.error(
      { code: isAppError(error) ? error.code : undefined, err: isAppError(error) ? undefined : error },
      'inquiry processing failed',
    );
    await decisions.markFailed(state.inquiryId, state.eventId, message);
    return { type: 'done' };
  }
}

interface Gathered {
  evidence: Evidence;
  /** What still has to settle; nothing when Persona's own status decides (see needsSettledEvidence). */
  pending: PendingEvidence;
}

/** Where the evidence came from: the webhook when no Persona call was made for it at all, else the API, now. */
function sourceOf(state: PollState, callsThisRound: number, now: number): { from: 'webhook' | 'api'; at: string } {
  if (state.personaCalls + callsThisRound === 0 && state.evidenceSource?.from === 'webhook')
    return state.evidenceSource;
  return { from: 'api', at: new Date(now).toISOString() };
}

const NOTHING_PENDING: PendingEvidence = { verificationIds: [], reportIds: [], missingReportTypes: [] };

/**
 * Fetches what this round needs and says what is still pending. When a policy requires reports and this round
 * re-fetched single pieces only, the inquiry is fetched once more before deciding: a report linked meanwhile shows
 * only there (one more call per such decision).
 */
async function gatherEvidence(
  persona: EvidenceSource,
  state: PollState,
  policy: Policy,
  ctx: { calls: number },
): Promise<Gathered> {
  // the inquiry's template picks the rules that apply (policy `templates`)
  const pendingOf = (evidence: Evidence): PendingEvidence => {
    const rules = policyFor(policy, evidence.templateId);
    return needsSettledEvidence(evidence.inquiryStatus, rules) ? pendingEvidence(evidence, rules) : NOTHING_PENDING;
  };
  // The webhook carried the whole inquiry (intake): decide on it with no call when all of it has settled; else
  // fetch what is pending, as after a poll.
  if (state.polls === 0 && state.evidence && state.evidenceSource?.from === 'webhook') {
    const pending = pendingOf(state.evidence);
    if (!isPending(pending)) return { evidence: state.evidence, pending };
  }
  const { evidence, wholeInquiry } = await fetchEvidence(persona, state, policy, ctx);
  const pending = pendingOf(evidence);
  const requiresReports = policyFor(policy, evidence.templateId).requiredReportTypes.length > 0;
  if (isPending(pending) || wholeInquiry || !requiresReports) return { evidence, pending };
  const rechecked = await persona.getInquiryEvidence(state.inquiryId, ctx);
  return { evidence: rechecked, pending: pendingOf(rechecked) };
}

/**
 * One call for a fresh inquiry. A re-poll fetches the single pending piece when only one is pending, else the
 * whole inquiry again (one call either way is the minimum; N pending pieces would cost N calls one by one). A
 * required report that is not linked yet can only show on the inquiry.
 */
async function fetchEvidence(
  persona: EvidenceSource,
  state: PollState,
  policy: Policy,
  ctx: { calls: number },
): Promise<{ evidence: Evidence; wholeInquiry: boolean }> {
  const known = state.evidence;
  const whole = async () => ({ evidence: await persona.getInquiryEvidence(state.inquiryId, ctx), wholeInquiry: true });
  if (!known) return whole();
  const pending = pendingEvidence(known, policyFor(policy, known.templateId));
  const [verificationId] = pending.verificationIds;
  const [reportId] = pending.reportIds;
  const onePiece =
    pending.verificationIds.length + pending.reportIds.length === 1 && pending.missingReportTypes.length === 0;
  if (onePiece && verificationId) {
    const fresh = await persona.getVerification(verificationId, ctx);
    const verifications = known.verifications.map((v) => (v.id === fresh.id ? fresh : v));
    return { evidence: { ...known, verifications }, wholeInquiry: false };
  }
  if (onePiece && reportId) {
    const fresh = await persona.getReport(reportId, ctx);
    return {
      evidence: { ...known, reports: known.reports.map((r) => (r.id === fresh.id ? fresh : r)) },
      wholeInquiry: false,
    };
  }
  return whole();
}

/** The rules a decision's `rule_error` reasons name. */
function failedRules(reasons: readonly Reason[]): string[] {
  return reasons.flatMap((r) => (r.code === 'rule_error' && r.rule ? [r.rule] : []));
}
