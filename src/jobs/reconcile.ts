import { randomUUID } from 'node:crypto';
import { describeError, ErrorCodes, isAppError } from '../errors.js';
import type { JobPayload } from '../job-kinds.js';
import { backoffDelayMs } from '../lib/backoff.js';
import type { Clock, Random } from '../lib/clock.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { PersonaClient } from '../persona/client.js';
import type { EventDisposition } from '../persona/event-names.js';
import { PERSONA_ID } from '../persona/ids.js';
import { PersonaApiError } from '../persona/request-errors.js';
import { parsePersonaEvent } from '../persona/webhook-event.js';
import type { EventStore } from '../store/event-store.js';
import type { ReconciliationStore } from '../store/reconciliation-store.js';
import type { JobHandler, JobOutcome } from './worker.js';

type Payload = JobPayload<'reconcile'>;

export interface ReconcileOptions {
  persona: Pick<PersonaClient, 'listEvents'>;
  events: Pick<EventStore, 'record'>;
  runs: ReconciliationStore;
  /** The event names the service acts on (PERSONA_EVENTS made concrete): `filter[name]`. */
  eventNames: readonly string[];
  classify: (event: { name: string; objectType: string }) => EventDisposition;
  /** RECONCILE_INTERVAL_SECONDS in ms; 0: the sweep is off (a job left from before ends). */
  intervalMs: number;
  /** RECONCILE_LOOKBACK_HOURS in ms: how far back the first run reads. */
  lookbackMs: number;
  /** Pages read per step; a step runs at most once a minute (RECONCILE_RATE_SHARE_PERCENT of Persona's 300/min). */
  pagesPerStep: number;
  clock: Clock;
  random: Random;
  /** Told about events the sweep stored, so the worker takes their jobs at once. */
  onEnqueued?: () => void;
  /** Counts the missed webhooks it finds (src/metrics). */
  metrics?: Pick<MetricsRecorder, 'missedWebhooks'>;
}

/** Events listed per page: Persona's maximum. */
export const EVENTS_PAGE_SIZE = 100;
/** A run also rereads events this much older than the checkpoint: one created while the last run read is not missed. */
const CHECKPOINT_OVERLAP_MS = 10 * 60_000;
/** Events younger than this (or than the interval, if shorter) are left for the next run: their webhook may be on its way. */
const MAX_GRACE_MS = 5 * 60_000;
/** Between two steps of a run: Persona's rate-limit window. */
const STEP_INTERVAL_MS = 60_000;

const fresh = (): Payload => ({ pages: 0, found: 0, newEvents: 0 });

/**
 * The reconciliation sweep: lists Persona's events (`GET /events`, the actionable names, newest first, 100 a page)
 * down to the last completed run's newest event (less an overlap; the first run: RECONCILE_LOOKBACK_HOURS), and
 * feeds each event into the same path as a webhook: the same dedup by event id, the same ordering rules. The inquiry
 * is then fetched as it is now, never decided on the listed payload (as old as the event). Events younger than the
 * grace (5 min, or the interval if shorter) wait for the next run: their webhook may be on its way. Events fetched
 * from the authenticated API need no signature. An event the service had not stored is a webhook that never arrived
 * (an outage longer than Persona's retries, a misconfigured webhook): logged at warn with its id. A run reads a few
 * pages per step and continues a minute later, so it never takes more than its share of the rate limit; its
 * progress is in the job's payload and its record in `reconciliations`.
 */
export function createReconcileHandler(options: ReconcileOptions): JobHandler<'reconcile'> {
  const { persona, events, runs, clock, random } = options;

  return async function reconcile(state, job, { log }): Promise<JobOutcome<Payload>> {
    if (options.intervalMs === 0) {
      log.info('RECONCILE_INTERVAL_SECONDS=0: the reconciliation sweep is off');
      return { type: 'done' };
    }
    const now = clock.now();
    // Persona delivers within seconds; younger events are read by the next run (one interval, at most 5 min, later)
    const graceMs = Math.min(MAX_GRACE_MS, options.intervalMs);
    const run = state.runId === undefined ? await startRun(now) : { ...state, runId: state.runId };
    const runLog = log.child({ runId: run.runId });
    const progress = { ...run };
    const newIds: string[] = [];
    let complete = false;
    try {
      for (let page = 0; page < options.pagesPerStep && !complete; page += 1) {
        const cursorBefore = progress.after;
        const listed = await persona.listEvents({
          names: options.eventNames,
          size: EVENTS_PAGE_SIZE,
          ...(progress.after === undefined ? {} : { after: progress.after }),
        });
        progress.pages += 1;
        for (const raw of listed.events) {
          const parsed = parsePersonaEvent({ data: raw });
          if (!parsed.ok) {
            // past it all the same: the next page starts after it, so one bad event never stalls a run
            const id = idOf(raw);
            if (id !== undefined) progress.after = id;
            runLog.warn({ reason: parsed.reason }, 'reconciliation: an event Persona listed does not parse; skipped');
            continue;
          }
          const { event } = parsed;
          progress.after = event.eventId;
          if (event.createdAt < (run.stopAt ?? '')) {
            complete = true;
            break;
          }
          // a webhook may still be on its way: leave it to the next run (its webhook makes this a duplicate)
          if (Date.parse(event.createdAt) > now - graceMs) continue;
          progress.found += 1;
          if (progress.newestEventAt === undefined || event.createdAt > progress.newestEventAt) {
            progress.newestEventAt = event.createdAt;
          }
          const kind = options.classify(event);
          // no evidence from the listed payload: a missed event is late, so its inquiry is fetched as it is now
          const result = await events.record({
            event,
            disposition: kind === 'ignored' ? 'ignored' : 'accepted',
            attempts: { attemptsMade: null, attemptsLeft: null, firstAttemptedAt: null },
            knownInquiryOnly: kind === 'report',
          });
          if (result !== 'duplicate') {
            progress.newEvents += 1;
            newIds.push(event.eventId);
            if (result === 'stored') options.onEnqueued?.();
          }
        }
        if (!listed.hasMore) complete = true;
        else if (progress.after === cursorBefore) {
          // a whole page without a usable id: the next request would return it again
          throw new PersonaApiError(ErrorCodes.PERSONA_BAD_RESPONSE, 'a page of events without a usable id', {
            statusCode: 502,
            retryable: false,
          });
        }
      }
    } catch (error) {
      return onError(error, progress, job.attempts, runLog);
    }
    if (newIds.length > 0) {
      options.metrics?.missedWebhooks(newIds.length);
      runLog.warn({ eventIds: newIds }, 'reconciliation found events no webhook brought; processing them');
    }
    const counts = countsOf(progress);
    if (!complete) {
      await runs.update(progress.runId, counts);
      return {
        type: 'reschedule',
        runAt: clock.now() + STEP_INTERVAL_MS,
        payload: progress,
        resetAttempts: true,
        error: null,
      };
    }
    await runs.update(progress.runId, counts, { status: 'completed' });
    runLog.info({ ...counts }, 'reconciliation completed');
    return nextRun(null);
  };

  async function startRun(now: number): Promise<Payload & { runId: string }> {
    const checkpoint = await runs.checkpoint();
    const stopAtMs = checkpoint === null ? now - options.lookbackMs : Date.parse(checkpoint) - CHECKPOINT_OVERLAP_MS;
    const runId = `rec_${randomUUID().replaceAll('-', '')}`;
    const stopAt = new Date(stopAtMs).toISOString();
    await runs.start(runId, stopAt);
    return { ...fresh(), runId, stopAt };
  }

  /** The next run, a full interval after this one ended. */
  function nextRun(error: string | null): JobOutcome<Payload> {
    return {
      type: 'reschedule',
      runAt: clock.now() + options.intervalMs,
      payload: fresh(),
      resetAttempts: true,
      error,
    };
  }

  async function onError(
    error: unknown,
    progress: Payload & { runId: string },
    attempts: number,
    runLog: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void },
  ): Promise<JobOutcome<Payload>> {
    const message = describeError(error);
    if (isAppError(error) && error.retryable) {
      await runs.update(progress.runId, countsOf(progress));
      // a 429 or an outage: this step again later, where it left off
      const delay = backoffDelayMs(attempts + 1, { minMs: STEP_INTERVAL_MS, maxMs: 15 * 60_000 }, random);
      runLog.warn({ code: error.code, delayMs: delay }, 'reconciliation: Persona unavailable; will continue');
      return { type: 'reschedule', runAt: clock.now() + delay, payload: progress, error: message };
    }
    await runs.update(progress.runId, countsOf(progress), { status: 'failed', error: message });
    runLog.error({ code: isAppError(error) ? error.code : undefined }, 'reconciliation failed');
    return nextRun(message);
  }
}

function countsOf(p: Payload) {
  return { pages: p.pages, found: p.found, newEvents: p.newEvents, newestEventAt: p.newestEventAt ?? null };
}

/** The id of a listed event that did not parse, when it has a Persona id (the next page's cursor). */
function idOf(raw: unknown): string | undefined {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && PERSONA_ID.test(id) ? id : undefined;
}
