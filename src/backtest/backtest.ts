import { type Comparison, ComparisonBuilder, EXAMPLES_PER_CELL } from '../decision/compare.js';
import { decide } from '../decision/decide.js';
import type { Policy } from '../decision/policy.js';
import type { Db } from '../store/database.js';
import { type CurrentDecisionFilter, SCAN_BATCH_SIZE, scanCurrentDecisions } from '../store/current-decisions.js';

export interface BacktestOptions extends CurrentDecisionFilter {
  db: Db;
  /** The candidate policy. */
  policy: Policy;
  batchSize?: number | undefined;
}

export interface UnreadableDecision {
  decisionId: string;
  inquiryId: string;
  problem: string;
}

export interface BacktestResult extends Comparison {
  /** Current decisions in the decided-at window (and of the template, when given). */
  read: number;
  /** Of those, the ones re-decided: all but the unreadable. */
  compared: number;
  /** Rows that did not parse: not compared (the first few, and how many). */
  unreadable: { count: number; examples: UnreadableDecision[] };
  /** How many of the compared decisions each stored policy version took, most first. */
  storedPolicyVersions: { version: string; count: number }[];
}

/**
 * The backtest: each inquiry's current decision as stored (from) against the candidate policy's decision on the
 * same stored evidence (to), through the shared comparison (decision/compare.ts). The engine is pure and the
 * evidence is stored, so nothing calls Persona and nothing is written. Streams: memory grows with the comparison's
 * cells and reason codes, not with the number of decisions.
 */
export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const { db, policy } = options;
  const comparison = new ComparisonBuilder();
  const versions = new Map<string, number>();
  const unreadable: UnreadableDecision[] = [];
  let read = 0;
  let compared = 0;
  let unreadableCount = 0;
  const filter = { since: options.since, until: options.until, templateId: options.templateId };
  for await (const scanned of scanCurrentDecisions(db, filter, options.batchSize ?? SCAN_BATCH_SIZE)) {
    read += 1;
    if (!scanned.ok) {
      unreadableCount += 1;
      if (unreadable.length < EXAMPLES_PER_CELL) unreadable.push(withoutOk(scanned));
      continue;
    }
    const stored = scanned.decision;
    compared += 1;
    versions.set(stored.policyVersion, (versions.get(stored.policyVersion) ?? 0) + 1);
    const candidate = decide(stored.evidence, policy);
    comparison.add({
      inquiryId: stored.inquiryId,
      from: { outcome: stored.outcome, reasons: stored.reasons },
      to: { outcome: candidate.outcome, reasons: candidate.reasons },
    });
  }
  return {
    ...comparison.result(),
    read,
    compared,
    unreadable: { count: unreadableCount, examples: unreadable },
    storedPolicyVersions: [...versions.entries()]
      .map(([version, count]) => ({ version, count }))
      .sort((a, b) => b.count - a.count || (a.version < b.version ? -1 : 1)),
  };
}

function withoutOk(failure: UnreadableDecision & { ok: false }): UnreadableDecision {
  return { decisionId: failure.decisionId, inquiryId: failure.inquiryId, problem: failure.problem };
}
