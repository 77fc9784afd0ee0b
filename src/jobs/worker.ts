import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describeError, ErrorCodes, isAppError } from '../errors.js';
import { isJobKind, type JobKind, type JobPayload, parseJobPayload } from '../job-kinds.js';
import { backoffDelayMs } from '../lib/backoff.js';
import type { Clock, Random } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { JobResult, MetricsRecorder } from '../metrics/recorder.js';
import type { Database } from '../store/database.js';
import type { JobTaker } from '../store/event-intake.js';
import type { Job, JobClaim, JobQueue } from '../store/job-queue.js';
import { createJobResults, type JobResults } from './job-results.js';

/** What a handler asks the worker to do with its job. Handlers return outcomes; they throw only on bugs. */
export type JobOutcome<P = JobPayload<JobKind>> =
  /**
   * `finished`: the handler already deleted the job in its own transaction (JobContext.finishWithin). `next`: a job
   * the handler enqueued already claimed for this worker (JobContext.claim): it runs next, in the same slot.
   */
  | { type: 'done'; finished?: boolean; next?: Job }
  /** `payload` replaces the stored one (a poll keeps its progress there). */
  | { type: 'reschedule'; runAt: number; payload?: P; error?: string | null; resetAttempts?: boolean }
  /** Can never succeed (e.g. its payload does not parse): out of the queue, kept in `failed_jobs` with `error`. */
  | { type: 'fail'; error: string };

export interface JobContext {
  log: Logger;
  /**
   * Deletes the job inside the handler's own transaction, so its result and the job's end commit together (one
   * write fewer, and no result is ever committed twice). Throws when another worker has taken the job over, which
   * rolls the handler's transaction back.
   */
  finishWithin(executor: Kysely<Database>): Promise<void>;
  /**
   * This worker, for a job the handler enqueues already claimed (JobQueue.enqueueClaimed) and hands back as the
   * outcome's `next`: e.g. a decision's delivery, sent right after the decision commits, with no claim in between.
   */
  claim: JobClaim;
  /**
   * The job came from intake already claimed for this worker (JobTaker): a moment ago its event was the inquiry's
   * newest and its queue was empty.
   */
  handedOver: boolean;
}

/** A handler gets its job's payload already parsed against its kind's schema (src/job-kinds.ts). */
export type JobHandler<K extends JobKind> = (
  payload: JobPayload<K>,
  job: Job,
  context: JobContext,
) => Promise<JobOutcome<JobPayload<K>>>;

/** One handler per job kind: the type makes a missing kind a compile error. */
export type JobHandlers = { readonly [K in JobKind]: JobHandler<K> };

export interface WorkerOptions {
  queue: JobQueue;
  handlers: JobHandlers;
  clock: Clock;
  random: Random;
  logger: Logger;
  concurrency: number;
  leaseMs: number;
  /** Longest idle sleep: a safety net for work enqueued by another process (PostgreSQL replicas). */
  idlePollMs?: number;
  workerId?: string;
  /** Each job's kind and result (src/metrics). */
  metrics?: Pick<MetricsRecorder, 'job'>;
}

/**
 * Claims due jobs and runs them, up to `concurrency` at once. Fresh work wakes it at once (`wake()`); scheduled
 * work (polls, retries) wakes it when due; an expired lease makes a dead worker's job claimable again.
 * Nothing is ever dropped: a handler that throws gets its job retried with backoff. As a JobTaker it also runs the
 * jobs SQLite intake writes already claimed for it (a slot is reserved in the intake's transaction).
 */
export class Worker implements JobTaker {
  readonly id: string;
  private readonly options: WorkerOptions;
  private readonly active = new Set<Promise<void>>();
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private dbFailures = 0;
  private wokenWhileBusy = false;
  /** Slots held for jobs intake is writing claimed for this worker (JobTaker), not yet handed over. */
  private reserved = 0;
  /**
   * Slots the loop's claim in flight may fill: held while it waits (on SQLite, for the connection an intake batch
   * holds), so intake cannot hand over jobs into them meanwhile and the two together never exceed `concurrency`.
   */
  private claiming = 0;
  /** Outcomes the database could not take while it was down: saved before the next claim, not after the lease. */
  private readonly results: JobResults;

  constructor(options: WorkerOptions) {
    this.options = options;
    this.id = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.results = createJobResults(options.queue, this.id);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wokenWhileBusy = true;
  }

  /** Stops claiming and waits for running jobs to finish (graceful drain). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.all(this.active);
    // a last try; what still cannot be saved is freed by its lease expiring
    await this.results
      .saveUnsaved()
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error, jobs: this.results.unsavedCount }, 'job results not saved at shutdown'),
      );
  }

  reserve(): JobClaim | null {
    if (!this.running || this.active.size + this.reserved + this.claiming >= this.options.concurrency) return null;
    this.reserved += 1;
    return { workerId: this.id, leaseMs: this.options.leaseMs };
  }

  take(job: Job): void {
    this.reserved -= 1;
    this.launch(job, true);
  }

  release(): void {
    this.reserved -= 1;
    this.wake(); // the slot is free again
  }

  /** Saves results left unsaved, then claims what is due now and runs it to completion. For tests and tools. */
  async runOnce(): Promise<number> {
    await this.results.saveUnsaved();
    const jobs = await this.options.queue.claim(this.id, this.options.concurrency, this.options.leaseMs);
    await Promise.all(jobs.map((job) => this.run(job)));
    return jobs.length;
  }

  /** Runs until nothing is due now (a job may reschedule itself into the future). */
  async drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const ran = await this.runOnce();
      if (ran === 0) break;
      total += ran;
    }
    return total;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (this.results.unsavedCount > 0) {
        try {
          await this.results.saveUnsaved();
          this.dbFailures = 0;
        } catch (error) {
          // still unreachable: try again soon (a cheap statement), its jobs wait in memory, not for their leases
          this.dbFailures += 1;
          this.options.logger.warn({ err: error, jobs: this.results.unsavedCount }, 'job results still not saved');
          await this.idle(backoffDelayMs(this.dbFailures, { minMs: 200, maxMs: 2_000 }, this.options.random));
          continue;
        }
      }
      const free = Math.max(0, this.options.concurrency - this.active.size - this.reserved);
      let claimed = 0;
      if (free > 0) {
        try {
          this.claiming = free;
          const jobs = await this.options.queue.claim(this.id, free, this.options.leaseMs).finally(() => {
            this.claiming = 0;
          });
          this.dbFailures = 0;
          claimed = jobs.length;
          for (const job of jobs) this.launch(job);
        } catch (error) {
          // Database unreachable: back off and try again; jobs stay in the table.
          this.dbFailures += 1;
          this.options.logger.warn({ err: error, failures: this.dbFailures }, 'job claim failed');
          await this.idle(backoffDelayMs(this.dbFailures, { minMs: 200, maxMs: 10_000 }, this.options.random));
          continue;
        }
      }
      if (claimed > 0 && claimed === free) continue;
      // no free slot: a finishing job wakes the loop, so there is nothing to look up
      await this.idle(free === 0 ? (this.options.idlePollMs ?? 5_000) : await this.untilNextJob());
    }
  }

  private launch(job: Job, handedOver = false): void {
    const task = this.run(job, handedOver).finally(() => {
      this.active.delete(task);
      this.wake(); // a slot is free
    });
    this.active.add(task);
  }

  private async untilNextJob(): Promise<number> {
    const maxIdle = this.options.idlePollMs ?? 5_000;
    try {
      const next = await this.options.queue.nextRunAt();
      return next === null ? maxIdle : Math.max(0, Math.min(maxIdle, next - this.options.clock.now()));
    } catch {
      return maxIdle;
    }
  }

  private idle(ms: number): Promise<void> {
    // a wake-up that arrived while the loop was busy must not be lost
    if (!this.running || this.wokenWhileBusy) {
      this.wokenWhileBusy = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /**
   * While a job runs, its lease is renewed every third of the lease, so a slow job (Persona retrying with backoff,
   * a slow consumer) is never taken over by another worker; a dead worker stops renewing and its job is retaken.
   */
  private heartbeat(job: Job, log: Logger): () => void {
    const { queue, leaseMs } = this.options;
    const timer = setInterval(
      () => {
        queue.extendLease(job, this.id, leaseMs).then(
          (held) => {
            if (!held) log.warn('job lease lost while running');
          },
          (error: unknown) => log.warn({ err: error }, 'job lease renewal failed'),
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  private async finishWithin(job: Job, executor: Kysely<Database>): Promise<void> {
    if (!(await this.options.queue.complete(job, this.id, executor))) {
      throw new Error(`job ${job.id} was taken over by another worker (lease expired); its result is discarded`);
    }
  }

  private async run(job: Job, handedOver = false): Promise<void> {
    const { handlers } = this.options;
    const log = this.options.logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    let outcome: JobOutcome;
    let threw = false;
    const stopHeartbeat = this.heartbeat(job, log);
    try {
      // a kind this version does not know (written by a newer one during a rolling deploy): retried, not failed
      if (!isJobKind(job.kind)) throw new Error(`no handler for job kind ${job.kind}`);
      const context: JobContext = {
        log,
        finishWithin: (executor) => this.finishWithin(job, executor),
        claim: { workerId: this.id, leaseMs: this.options.leaseMs },
        handedOver,
      };
      outcome = await runHandler(handlers, job.kind, job, context);
    } catch (error) {
      threw = true;
      outcome = this.onHandlerError(job, error, log);
    } finally {
      stopHeartbeat();
    }
    this.options.metrics?.job(job.kind, threw && outcome.type === 'reschedule' ? 'error' : JOB_RESULT[outcome.type]);
    await this.results.settle(job, outcome, log);
    // already claimed for this worker in the handler's transaction: run it now (a crash before this leaves it to
    // its lease, like any claimed job)
    if (outcome.type === 'done' && outcome.next) await this.run(outcome.next);
  }

  /**
   * Stored data this version cannot read (a row written by another version) cannot be fixed by retrying: the job
   * fails for good, visibly. Anything else (a handler bug, an unexpected failure) keeps the job for a later retry.
   */
  private onHandlerError(job: Job, error: unknown, log: Logger): JobOutcome {
    if (isAppError(error) && error.code === ErrorCodes.STORED_ROW_INVALID)
      return { type: 'fail', error: describeError(error) };
    log.error({ err: error }, 'job failed unexpectedly; will retry');
    const delay = backoffDelayMs(job.attempts, { minMs: 1_000, maxMs: 15 * 60_000 }, this.options.random);
    return { type: 'reschedule', runAt: this.options.clock.now() + delay, error: describeError(error) };
  }
}

const JOB_RESULT: Record<JobOutcome['type'], JobResult> = { done: 'done', reschedule: 'rescheduled', fail: 'failed' };

/**
 * Parses the payload against its kind's schema, then runs the kind's handler. A payload that does not parse can
 * never succeed: its job fails for good, with an error naming each bad field.
 */
async function runHandler<K extends JobKind>(
  handlers: JobHandlers,
  kind: K,
  job: Job,
  context: JobContext,
): Promise<JobOutcome> {
  const parsed = parseJobPayload(kind, job.payload);
  if (!parsed.ok) return { type: 'fail', error: parsed.error };
  return handlers[kind](parsed.payload, job, context);
}
