import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import type { Db } from './database.js';
import { parseRow } from './parse-row.js';

export const RECONCILIATION_STATUSES = ['running', 'completed', 'failed'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

/** One run of the reconciliation sweep: what it read of Persona's events and what it found that no webhook brought. */
export interface Reconciliation {
  runId: string;
  status: ReconciliationStatus;
  startedAt: string;
  finishedAt: string | null;
  /** Events created before this were not read: the last completed run's newest event minus an overlap, or the lookback. */
  stopAt: string;
  pages: number;
  /** Events listed (actionable names, newer than `stopAt`). */
  found: number;
  /** Of those, events the service had not stored: each one a webhook that never arrived. */
  newEvents: number;
  newestEventAt: string | null;
  error: string | null;
}

export interface ReconciliationCounts {
  pages: number;
  found: number;
  newEvents: number;
  newestEventAt: string | null;
}

export interface ReconciliationStore {
  /** The newest event a completed run saw: where the next run may stop. Null before the first completed run. */
  checkpoint(): Promise<string | null>;
  start(runId: string, stopAt: string): Promise<void>;
  /** Saves the counts so far; with `status`, ends the run. */
  update(
    runId: string,
    counts: ReconciliationCounts,
    end?: { status: 'completed' | 'failed'; error?: string },
  ): Promise<void>;
  /** Newest first. */
  list(limit: number): Promise<Reconciliation[]>;
}

const rowSchema = z
  .object({
    run_id: z.string(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    status: z.enum(RECONCILIATION_STATUSES),
    stop_at: z.string(),
    pages: z.number().int(),
    found: z.number().int(),
    new_events: z.number().int(),
    newest_event_at: z.string().nullable(),
    error: z.string().nullable(),
  })
  .transform((row): Reconciliation => ({
    runId: row.run_id,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    stopAt: row.stop_at,
    pages: row.pages,
    found: row.found,
    newEvents: row.new_events,
    newestEventAt: row.newest_event_at,
    error: row.error,
  }));

export function createReconciliationStore(options: { db: Db; clock: Clock }): ReconciliationStore {
  const { db, clock } = options;
  const iso = () => new Date(clock.now()).toISOString();
  return {
    async checkpoint() {
      const row = await db
        .selectFrom('reconciliations')
        .select((eb) => eb.fn.max('newest_event_at').as('newest'))
        .where('status', '=', 'completed')
        .executeTakeFirst();
      return row?.newest ?? null;
    },
    async start(runId, stopAt) {
      await db
        .insertInto('reconciliations')
        .values({
          run_id: runId,
          started_at: iso(),
          finished_at: null,
          status: 'running',
          stop_at: stopAt,
          pages: 0,
          found: 0,
          new_events: 0,
          newest_event_at: null,
          error: null,
        })
        .execute();
    },
    async update(runId, counts, end) {
      await db
        .updateTable('reconciliations')
        .set({
          pages: counts.pages,
          found: counts.found,
          new_events: counts.newEvents,
          newest_event_at: counts.newestEventAt,
          ...(end ? { status: end.status, finished_at: iso(), error: end.error ?? null } : {}),
        })
        .where('run_id', '=', runId)
        .execute();
    },
    async list(limit) {
      const rows = await db
        .selectFrom('reconciliations')
        .selectAll()
        .orderBy('started_at', 'desc')
        .orderBy('run_id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => parseRow(rowSchema, row, `reconciliation row ${row.run_id}`));
    },
  };
}
