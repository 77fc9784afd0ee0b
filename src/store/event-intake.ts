import type { JobSpec } from '../job-kinds.js';
import type { PersonaEventTable } from './database.js';
import type { Job, JobClaim } from './job-queue.js';

/** `ignored`: stored for the record, nothing to do (an event name not acted on, or a report of an unknown inquiry). */
export type RecordResult = 'stored' | 'duplicate' | 'superseded' | 'ignored';

/** What intake writes for one webhook, as plain data built before the batch's transaction (the job included). */
export interface IntakeRow {
  /** The event's row, `disposition` as the route classified it (`accepted` turns `ignored` when `acts` says so). */
  event: PersonaEventTable;
  /** For an accepted event of an inquiry: the inquiry it advances and the job it queues. */
  acts: {
    inquiryId: string;
    /** Act only if the inquiry is known already (report events); otherwise the event is recorded as ignored. */
    knownInquiryOnly: boolean;
    job: JobSpec;
  } | null;
  /** When the webhook was stored (epoch ms; `event.received_at` is the same instant). */
  nowMs: number;
  /**
   * Set by the write: its job was written claimed for the process's worker (JobTaker), which has it once the batch
   * commits, so nobody needs to wake the worker for it.
   */
  handedOver?: boolean;
}

/**
 * The statements intake needs, one implementation per way of writing: Kysely in a transaction (PostgreSQL) and
 * statements prepared once (SQLite: sqlite-intake.ts). They may answer synchronously.
 */
export interface IntakeStatements {
  isKnownInquiry(inquiryId: string): boolean | Promise<boolean>;
  /** false when the event id was already stored (a duplicate delivery). */
  insertEvent(row: PersonaEventTable): boolean | Promise<boolean>;
  /**
   * Makes this event the inquiry's latest unless a newer one was already seen (false then). Persona does not
   * guarantee order: an older event adds nothing, because processing always reads the inquiry's current state. The
   * check is part of the upsert, so two replicas storing events of one inquiry at once cannot both win.
   */
  advanceInquiry(event: PersonaEventTable, inquiryId: string): boolean | Promise<boolean>;
  /** Inserts the job unless one with its key exists. */
  enqueue(job: JobSpec, nowMs: number): unknown;
}

/**
 * Inserts the job already claimed (JobQueue.enqueueClaimed's rule: only at the head of an empty queue, so order
 * holds); the job, or null when its queue has one waiting (nothing written then). Only where one process owns the
 * database (SQLite): on PostgreSQL two replicas could each find the queue empty before the other commits.
 */
export type EnqueueClaimed = (job: JobSpec, claim: JobClaim, nowMs: number) => Job | null;

/**
 * The worker of this process, as intake sees it: a job intake writes already claimed for it runs as soon as the
 * batch commits, with no claim transaction (and its fsync) and no wake-up in between (the worker implements it).
 */
export interface JobTaker {
  /** Holds a free slot for a job about to be written claimed: its claim, or null when every slot is busy. */
  reserve(): JobClaim | null;
  /** Runs a job written claimed under a reservation, once its transaction committed. */
  take(job: Job): void;
  /** Gives a reservation back: its job was not written claimed, or its transaction did not commit. */
  release(): void;
}

/**
 * The jobs of one batch written claimed for the taker: handed over once the batch commits, their slots given back
 * if it does not.
 */
export class IntakeClaims {
  private readonly jobs: Job[] = [];

  constructor(
    private readonly taker: JobTaker,
    private readonly enqueueClaimed: EnqueueClaimed,
  ) {}

  /** Writes the job claimed when the taker has a slot and the job heads its queue; false when it wrote nothing. */
  write(job: JobSpec, nowMs: number): boolean {
    const claim = this.taker.reserve();
    if (claim === null) return false;
    let claimed: Job | null;
    try {
      claimed = this.enqueueClaimed(job, claim, nowMs);
    } catch (error) {
      this.taker.release(); // the statement failed: the batch rolls back, and this slot was never handed a job
      throw error;
    }
    if (claimed === null) {
      this.taker.release();
      return false;
    }
    this.jobs.push(claimed);
    return true;
  }

  committed(): void {
    for (const job of this.jobs.splice(0)) this.taker.take(job);
  }

  rolledBack(): void {
    for (const _ of this.jobs.splice(0)) this.taker.release();
  }
}

/**
 * One webhook's writes, inside the caller's transaction: the event, and for an event acted on, the inquiry and job
 * (written claimed for the local worker when `claims` is given and it can be).
 */
export async function recordIntake(
  statements: IntakeStatements,
  row: IntakeRow,
  claims?: IntakeClaims,
): Promise<RecordResult> {
  const { acts } = row;
  const acting = acts !== null && (!acts.knownInquiryOnly || (await statements.isKnownInquiry(acts.inquiryId)));
  const event: PersonaEventTable = acting ? row.event : { ...row.event, disposition: 'ignored' };
  if (!(await statements.insertEvent(event))) return 'duplicate';
  if (!acting) return 'ignored';
  if (!(await statements.advanceInquiry(event, acts.inquiryId))) return 'superseded';
  row.handedOver = claims?.write(acts.job, row.nowMs) ?? false;
  if (!row.handedOver) await statements.enqueue(acts.job, row.nowMs);
  return 'stored';
}

/** A batch's writes, in order, inside the caller's transaction: one result per row. */
export async function recordIntakeBatch(
  statements: IntakeStatements,
  rows: readonly IntakeRow[],
  claims?: IntakeClaims,
): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  for (const row of rows) results.push(await recordIntake(statements, row, claims));
  return results;
}

/** Writes a batch of intake rows in one transaction (the event store's group commit hands it its batches). */
export interface IntakeWriter {
  write(rows: readonly IntakeRow[]): Promise<RecordResult[]>;
  /**
   * From now on, writes the jobs it can already claimed for this taker (the process's running worker) and hands
   * them over after each commit; null stops it. Absent where intake cannot (PostgreSQL: see enqueueClaimed).
   */
  handOverTo?(taker: JobTaker | null): void;
}
