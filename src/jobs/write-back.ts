import { describeError, isAppError } from '../errors.js';
import { backoffDelayMs } from '../lib/backoff.js';
import type { Clock, Random } from '../lib/clock.js';
import type { MetricsRecorder, WriteBackResult } from '../metrics/recorder.js';
import type { PersonaClient } from '../persona/client.js';
import { PersonaApiError } from '../persona/request-errors.js';
import type { DecisionStore } from '../store/decision-store.js';
import type { WriteBackStore } from '../store/write-back-store.js';
import type { JobHandler } from './worker.js';

/** The Persona API as the write-back needs it. */
export type PersonaReviewer = Pick<PersonaClient, 'getInquiryStatus' | 'reviewInquiry'>;

export interface WriteBackHandlerOptions {
  persona: PersonaReviewer;
  writeBacks: WriteBackStore;
  decisions: Pick<DecisionStore, 'latestDecisionRef'>;
  /** Off (PERSONA_WRITE_BACK unset since the job was queued): the write-back is skipped, saying so. */
  enabled: boolean;
  clock: Clock;
  random: Random;
  /** Persona outages are retried this long after the decision (PERSONA_RETRY_FOR_SECONDS), then it fails. */
  retryForMs: number;
  metrics?: Pick<MetricsRecorder, 'writeBack'>;
}

// Persona answers these when the inquiry cannot take the action any more (already decided, redacted…).
const REFUSED_STATUSES = new Set([409, 422]);

/**
 * Tells Persona the decision: `POST /inquiries/{id}/approve|decline|mark-for-review` (Idempotency-Key = the decision
 * id), only while Persona's status is still `completed` (read first: never overrule a reviewer or a Workflow) and
 * while the decision is still the inquiry's latest (a later event may have changed it). Persona's resulting event
 * (`inquiry.approved`, …) re-decides to the same outcome, which delivers nothing: no loop. A failure is recorded on
 * the decision and never holds up its delivery downstream (a job of its own).
 */
export function createWriteBackHandler(options: WriteBackHandlerOptions): JobHandler<'write_back'> {
  const { persona, writeBacks, decisions, clock, random } = options;
  const record = (result: WriteBackResult): void => options.metrics?.writeBack(result);

  return async function writeBack(payload, job, { log }) {
    const jobLog = log.child({ inquiryId: payload.inquiryId, decisionId: payload.decisionId, action: payload.action });
    const current = await writeBacks.get(payload.decisionId);
    if (!current || current.status !== 'pending') return { type: 'done' };
    const finish = async (status: 'done' | 'skipped' | 'failed', detail: string | null) => {
      await writeBacks.finish(payload.decisionId, status, detail);
      record(status);
      jobLog.info({ status, detail }, 'write-back to Persona finished');
      return { type: 'done' as const };
    };
    if (!options.enabled) return finish('skipped', 'PERSONA_WRITE_BACK was turned off before it ran');
    const latest = await decisions.latestDecisionRef(payload.inquiryId);
    if (latest && latest.decisionId !== payload.decisionId) {
      return finish('skipped', `a later decision (${latest.decisionId}) replaced this one first`);
    }
    const ctx = { calls: 0 };
    try {
      const status = await persona.getInquiryStatus(payload.inquiryId, ctx);
      if (status !== 'completed') return finish('skipped', `Persona's status is ${status} now: Persona decides it`);
      const after = await persona.reviewInquiry(
        payload.inquiryId,
        payload.action,
        { idempotencyKey: payload.decisionId, comment: `persona-decider ${payload.decisionId}` },
        ctx,
      );
      return finish('done', `Persona's status is ${after}`);
    } catch (error) {
      const message = describeError(error);
      if (error instanceof PersonaApiError && error.httpStatus !== null && REFUSED_STATUSES.has(error.httpStatus)) {
        return finish('skipped', `Persona refused the ${payload.action}: ${message}`);
      }
      const now = clock.now();
      if (isAppError(error) && error.retryable && now < payload.decidedAtMs + options.retryForMs) {
        await writeBacks.noteAttempt(payload.decisionId, message);
        const delay = backoffDelayMs(job.attempts, { minMs: 5_000, maxMs: 15 * 60_000 }, random);
        jobLog.warn({ code: error.code, delayMs: delay }, 'write-back to Persona failed; will retry');
        record('retried');
        return { type: 'reschedule', runAt: now + delay, payload, error: message };
      }
      jobLog.error({ code: isAppError(error) ? error.code : undefined }, 'write-back to Persona failed');
      return finish('failed', message);
    }
  };
}
