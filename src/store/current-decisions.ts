import { z } from 'zod';
import { outcomeSchema, reasonSchema, storedEvidenceSummarySchema } from '../decision/schemas.js';
import type { Db } from './database.js';
import type { DecisionRecord } from './decision-record.js';
import { describeRowIssues, jsonText } from './parse-row.js';

/** What the backtest reads of an inquiry's current decision: the outcome and reasons it gave, and its evidence. */
export type CurrentDecision = Pick<
  DecisionRecord,
  'decisionId' | 'inquiryId' | 'sequence' | 'outcome' | 'reasons' | 'policyVersion' | 'evidence' | 'decidedAt'
>;

/** A row that does not parse is reported, not thrown: one bad row must not stop a scan of the whole store. */
export type ScannedDecision =
  { ok: true; decision: CurrentDecision } | { ok: false; decisionId: string; inquiryId: string; problem: string };

export interface CurrentDecisionFilter {
  /** ISO-8601 instants (as stored); `since` inclusive, `until` exclusive, on the current decision's `decided_at`. */
  since?: string | undefined;
  until?: string | undefined;
  /** Only inquiries whose evidence names this inquiry template (`templateId`). */
  templateId?: string | undefined;
}

export const SCAN_BATCH_SIZE = 1000;

// only columns every schema since the first migration has: the scan reads a store of any later version. No
// `.transform` to the record: in zod 4 it doubles the cost of this parse, the backtest's largest after the JSON.
const rowSchema = z.object({
  decision_id: z.string(),
  inquiry_id: z.string(),
  sequence: z.number().int().positive(),
  outcome: outcomeSchema,
  reasons: jsonText(z.array(reasonSchema)),
  policy_version: z.string(),
  evidence: jsonText(storedEvidenceSummarySchema),
  decided_at: z.string(),
});

/**
 * The current (highest-sequence) decision of every inquiry, in inquiry id order, filtered by its `decided_at` and
 * its evidence's template.
 * Keyset-paged by inquiry id in batches of `batchSize` rows, each batch one indexed query (the unique index on
 * inquiry id and sequence serves both the order and the "no later sequence" test), so memory stays flat whatever
 * the store's size, on SQLite and PostgreSQL alike. Reads only.
 */
export async function* scanCurrentDecisions(
  db: Db,
  filter: CurrentDecisionFilter = {},
  batchSize = SCAN_BATCH_SIZE,
): AsyncGenerator<ScannedDecision> {
  let after: string | null = null;
  for (;;) {
    const rows = await currentDecisionPage(db, filter, after, batchSize);
    for (const row of rows) {
      const scanned = parseScanned(row);
      if (
        !scanned.ok ||
        filter.templateId === undefined ||
        scanned.decision.evidence.templateId === filter.templateId
      ) {
        yield scanned;
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) return;
    after = last.inquiry_id;
  }
}

function currentDecisionPage(db: Db, filter: CurrentDecisionFilter, after: string | null, limit: number) {
  let query = db
    .selectFrom('decisions as d')
    .select([
      'd.decision_id',
      'd.inquiry_id',
      'd.sequence',
      'd.outcome',
      'd.reasons',
      'd.policy_version',
      'd.evidence',
      'd.decided_at',
    ])
    .where(({ not, exists, selectFrom }) => {
      let later = selectFrom('decisions as later')
        .select('later.sequence')
        .whereRef('later.inquiry_id', '=', 'd.inquiry_id')
        .whereRef('later.sequence', '>', 'd.sequence');
      // redundant, and needed: PostgreSQL merge-joins the two index scans, and without it the inner one starts at
      // the first inquiry on every page (quadratic over the store)
      if (after !== null) later = later.where('later.inquiry_id', '>', after);
      return not(exists(later));
    })
    .orderBy('d.inquiry_id')
    .limit(limit);
  if (after !== null) query = query.where('d.inquiry_id', '>', after);
  if (filter.since !== undefined) query = query.where('d.decided_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('d.decided_at', '<', filter.until);
  // A prefilter on the JSON text as the store writes it (JSON.stringify: no spaces), so the other templates' rows
  // are not parsed at all; the parsed templateId is then checked exactly. LIKE only widens it (`_` matches any
  // character, SQLite ignores ASCII case), and a template id has no `%`.
  if (filter.templateId !== undefined) {
    query = query.where('d.evidence', 'like', `%"templateId":"${filter.templateId}"%`);
  }
  return query.execute();
}

function parseScanned(row: { decision_id: string; inquiry_id: string }): ScannedDecision {
  const parsed = rowSchema.safeParse(row);
  if (parsed.success) {
    const { data } = parsed;
    return {
      ok: true,
      decision: {
        decisionId: data.decision_id,
        inquiryId: data.inquiry_id,
        sequence: data.sequence,
        outcome: data.outcome,
        reasons: data.reasons,
        policyVersion: data.policy_version,
        evidence: data.evidence,
        decidedAt: data.decided_at,
      },
    };
  }
  const what = `decision row ${row.decision_id} (inquiry ${row.inquiry_id})`;
  return {
    ok: false,
    decisionId: row.decision_id,
    inquiryId: row.inquiry_id,
    problem: describeRowIssues(parsed.error, what),
  };
}
