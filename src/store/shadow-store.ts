import { z } from 'zod';
import type { Outcome } from '../decision/outcome.js';
import type { Reason } from '../decision/reasons.js';
import { outcomeSchema, reasonSchema } from '../decision/schemas.js';
import type { Db } from './database.js';
import { type ShadowRecord, shadowRecordSchema } from './decision-record.js';
import { describeRowIssues, jsonText } from './parse-row.js';

/** An inquiry's current decision and its shadow: one pair for GET /shadow/summary (no evidence is read). */
export interface ShadowPair {
  decisionId: string;
  inquiryId: string;
  decidedAt: string;
  outcome: Outcome;
  reasons: Reason[];
  policyVersion: string;
  shadow: ShadowRecord;
}

/**
 * A row that does not parse (e.g. a reason code of a newer version, read during a rolling upgrade) is reported, not
 * thrown: one row must not stop a summary of thousands.
 */
export type ScannedShadowPair = { ok: true; pair: ShadowPair } | { ok: false; decisionId: string; problem: string };

/** Decisions taken in [since, until): ISO-8601 UTC instants with milliseconds, as `decided_at` is stored. */
export interface ShadowWindow {
  since: string;
  until: string;
}

/** Where a page ends: the next page starts after it (keyset pagination on decided_at, decision_id). */
export interface ShadowCursor {
  decidedAt: string;
  decisionId: string;
}

export interface ShadowPage {
  items: ScannedShadowPair[];
  /** Pass back as `after` for the next page; null on the last one. */
  next: ShadowCursor | null;
}

export interface ShadowStore {
  /**
   * Up to `limit` current decisions (each inquiry's newest) that have a shadow and were taken in the window, oldest
   * first, after `after`; each row parsed or reported. Served by the partial index decisions_shadow_decided.
   */
  page(window: ShadowWindow, after: ShadowCursor | null, limit: number): Promise<ShadowPage>;
}

const pairRowSchema = z
  .object({
    decision_id: z.string(),
    inquiry_id: z.string(),
    decided_at: z.string(),
    outcome: outcomeSchema,
    reasons: jsonText(z.array(reasonSchema)),
    policy_version: z.string(),
    shadow: jsonText(shadowRecordSchema),
  })
  .transform((row): ShadowPair => ({
    decisionId: row.decision_id,
    inquiryId: row.inquiry_id,
    decidedAt: row.decided_at,
    outcome: row.outcome,
    reasons: row.reasons,
    policyVersion: row.policy_version,
    shadow: row.shadow,
  }));

export function createShadowStore(options: { db: Db }): ShadowStore {
  const { db } = options;
  return {
    async page({ since, until }, after, limit) {
      let query = db
        .selectFrom('decisions as d')
        .select(['d.decision_id', 'd.inquiry_id', 'd.decided_at', 'd.outcome', 'd.reasons', 'd.policy_version'])
        .select('d.shadow')
        .where('d.shadow', 'is not', null)
        .where('d.decided_at', '>=', since)
        .where('d.decided_at', '<', until)
        // an inquiry's earlier decisions were replaced: only its current one is compared
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('decisions as n')
                .select('n.decision_id')
                .whereRef('n.inquiry_id', '=', 'd.inquiry_id')
                .whereRef('n.sequence', '>', 'd.sequence'),
            ),
          ),
        )
        .orderBy('d.decided_at')
        .orderBy('d.decision_id')
        .limit(limit);
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('d.decided_at', '>', after.decidedAt),
            eb.and([eb('d.decided_at', '=', after.decidedAt), eb('d.decision_id', '>', after.decisionId)]),
          ]),
        );
      }
      const rows = await query.execute();
      const last = rows.at(-1);
      return {
        items: rows.map((row): ScannedShadowPair => {
          const parsed = pairRowSchema.safeParse(row);
          if (parsed.success) return { ok: true, pair: parsed.data };
          const what = `decision row ${row.decision_id} (inquiry ${row.inquiry_id})`;
          return { ok: false, decisionId: row.decision_id, problem: describeRowIssues(parsed.error, what) };
        }),
        next: rows.length === limit && last ? { decidedAt: last.decided_at, decisionId: last.decision_id } : null,
      };
    },
  };
}
