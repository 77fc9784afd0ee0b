import type { Logger } from '../logger.js';
import type { Job, JobQueue, Reschedule } from '../store/job-queue.js';

/** A job's outcome as the queue stores it (worker.ts's JobOutcome fits it). */
type JobOutcome =
  { type: 'done'; finished?: boolean } | ({ type: 'reschedule' } & Reschedule) | { type: 'fail'; error: string };

/** Writes jobs' outcomes to the queue, and keeps those the database could not take until it answers again. */
export interface JobResults {
  /** Saves the outcome; when the database does not answer, keeps it for saveUnsaved instead of throwing. */
  settle(job: Job, outcome: JobOutcome, log: Logger): Promise<void>;
  /** Saves every kept outcome, oldest first; throws (keeping the rest) at the first the database refuses. */
  saveUnsaved(): Promise<void>;
  /** How many outcomes wait to be saved. */
  readonly unsavedCount: number;
}

/**
 * Without this, a job whose outcome could not be saved while the database was down would sit out its whole lease
 * (JOB_LEASE_SECONDS) before running again; kept here, its outcome is saved as soon as the database is back. Should
 * the process die first, the lease still expires and the job runs again (handlers are idempotent). A kept outcome
 * whose lease ran out meanwhile changes nothing: every write is conditional on this worker still holding the job.
 */
export function createJobResults(queue: JobQueue, workerId: string): JobResults {
  const unsaved = new Map<number, { job: Job; outcome: JobOutcome; log: Logger }>();

  async function save(job: Job, outcome: JobOutcome, log: Logger): Promise<void> {
    let kept: boolean;
    if (outcome.type === 'done') kept = await queue.complete(job, workerId);
    else if (outcome.type === 'reschedule') kept = await queue.reschedule(job, workerId, outcome);
    else {
      log.error({ key: job.key, error: outcome.error }, 'job failed for good; moved to failed_jobs');
      kept = await queue.fail(job, workerId, outcome.error);
    }
    if (!kept) log.warn('job lease was lost before it finished; another worker owns it now');
  }

  return {
    async settle(job, outcome, log) {
      // `finished`: the handler deleted the job in its own transaction
      if (outcome.type === 'done' && outcome.finished) return;
      try {
        await save(job, outcome, log);
      } catch (error) {
        log.error({ err: error }, 'job result not saved; saving it again once the database answers');
        unsaved.set(job.id, { job, outcome, log });
      }
    },
    async saveUnsaved() {
      for (const [id, { job, outcome, log }] of unsaved) {
        await save(job, outcome, log);
        unsaved.delete(id);
        log.info({ outcome: outcome.type }, 'job result saved after the database came back');
      }
    },
    get unsavedCount() {
      return unsaved.size;
    },
  };
}
