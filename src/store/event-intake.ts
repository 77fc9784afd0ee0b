import type { JobSpec } from '../job-kinds.js';
import type { PersonaEventTable } from './database.js';

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

/** One webhook's writes, inside the caller's transaction: the event, and for an event acted on, the inquiry and job. */
export async function recordIntake(statements: IntakeStatements, row: IntakeRow): Promise<RecordResult> {
  const { acts } = row;
  const acting = acts !== null && (!acts.knownInquiryOnly || (await statements.isKnownInquiry(acts.inquiryId)));
  const event: PersonaEventTable = acting ? row.event : { ...row.event, disposition: 'ignored' };
  if (!(await statements.insertEvent(event))) return 'duplicate';
  if (!acting) return 'ignored';
  if (!(await statements.advanceInquiry(event, acts.inquiryId))) return 'superseded';
  await statements.enqueue(acts.job, row.nowMs);
  return 'stored';
}

/** A batch's writes, in order, inside the caller's transaction: one result per row. */
export async function recordIntakeBatch(
  statements: IntakeStatements,
  rows: readonly IntakeRow[],
): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  for (const row of rows) results.push(await recordIntake(statements, row));
  return results;
}

/** Writes a batch of intake rows in one transaction (the event store's group commit hands it its batches). */
export interface IntakeWriter {
  write(rows: readonly IntakeRow[]): Promise<RecordResult[]>;
}
