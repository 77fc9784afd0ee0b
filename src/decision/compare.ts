import { compareStrings } from './evidence.js';
import { OUTCOMES, type Outcome } from './outcome.js';
import type { Reason } from './reasons.js';
import { isOperatorReview } from './review.js';

/**
 * Compares two policies' decisions on the same inquiries: the backtest (stored decision → candidate policy) and the
 * shadow summary (live decision → shadow policy) both feed pairs in and read the same table out. Pure and
 * streaming: memory grows with the number of distinct cells and reason codes, not with the number of decisions.
 */
export interface DecisionSide {
  outcome: Outcome;
  reasons: readonly Pick<Reason, 'code' | 'rule'>[];
}

export interface ComparedPair {
  inquiryId: string;
  from: DecisionSide;
  to: DecisionSide;
}

export interface TransitionCell {
  from: Outcome;
  to: Outcome;
  count: number;
  /** The first few inquiry ids in this cell, in the order they were compared. */
  examples: string[];
}

export interface TransitionTable {
  total: number;
  /** Pairs whose outcome differs. */
  changed: number;
  /** Every non-empty cell, ordered by `from` then `to` (outcome order: approved, declined, manual_review, retry). */
  transitions: TransitionCell[];
}

export interface ReasonChange {
  code: string;
  /** Decisions where `to` gives this code and `from` did not. */
  added: number;
  /** Decisions where `from` gave this code and `to` does not. */
  removed: number;
}

export interface Comparison {
  /** Decisions the evidence took: a policy change moves these. */
  evidence: TransitionTable;
  /**
   * Decisions `from` took by following Persona's own status (failed, expired, or a Workflow's or reviewer's
   * decision): reported apart, since only `personaDecisions` and `inquiryOutcomes` can move them.
   */
  personaStatus: TransitionTable;
  /**
   * Decisions `from` is an operator's review in this service (POST /decisions/:inquiryId/review): a policy never
   * replaces a review of the same evidence, so these are apart too; `to` is what the other policy decides on that
   * evidence. Their reasons are not counted in `reasonChanges`.
   */
  reviewed: TransitionTable;
  /**
   * The reason codes whose presence changed in the most decisions (reviews left out), most first (at most
   * REASON_CHANGES_SHOWN).
   */
  reasonChanges: ReasonChange[];
  /**
   * The rules of the `to` policy that could not be evaluated (`rule_error` reasons), with the number of decisions,
   * most first: every one, since a rule that cannot be read decides nothing (reviews included).
   */
  ruleErrors: RuleErrorCount[];
}

export interface RuleErrorCount {
  rule: string;
  decisions: number;
}

export const EXAMPLES_PER_CELL = 3;
export const REASON_CHANGES_SHOWN = 10;

/** First reasons of a decision taken on Persona's status (decide.ts, personaView), not on the evidence. */
const PERSONA_STATUS_CODES = new Set([
  'persona_approved',
  'persona_declined',
  'persona_marked_for_review',
  'inquiry_failed',
  'inquiry_expired',
]);

/** Whether a decision followed Persona's own status (its first reason says so). */
export function followedPersona(decision: DecisionSide): boolean {
  const first = decision.reasons[0]?.code;
  return first !== undefined && PERSONA_STATUS_CODES.has(first);
}

class TableBuilder {
  private readonly cells = new Map<string, TransitionCell>();
  private total = 0;
  private changed = 0;

  add(pair: ComparedPair): void {
    this.total += 1;
    if (pair.from.outcome !== pair.to.outcome) this.changed += 1;
    const key = `${pair.from.outcome}>${pair.to.outcome}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { from: pair.from.outcome, to: pair.to.outcome, count: 0, examples: [] };
      this.cells.set(key, cell);
    }
    cell.count += 1;
    if (cell.examples.length < EXAMPLES_PER_CELL) cell.examples.push(pair.inquiryId);
  }

  table(): TransitionTable {
    const rank = (o: Outcome): number => OUTCOMES.indexOf(o);
    const transitions = [...this.cells.values()]
      .map((cell) => ({ ...cell, examples: [...cell.examples] }))
      .sort((a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to));
    return { total: this.total, changed: this.changed, transitions };
  }
}

/** Accumulates pairs; `result()` may be called at any time. */
export class ComparisonBuilder {
  private readonly evidence = new TableBuilder();
  private readonly persona = new TableBuilder();
  private readonly reviewed = new TableBuilder();
  private readonly reasonCounts = new Map<string, { added: number; removed: number }>();
  private readonly ruleErrors = new Map<string, number>();

  add(pair: ComparedPair): void {
    const failed = new Set(pair.to.reasons.flatMap((r) => (r.code === 'rule_error' && r.rule ? [r.rule] : [])));
    for (const rule of failed) this.ruleErrors.set(rule, (this.ruleErrors.get(rule) ?? 0) + 1);
    if (isOperatorReview(pair.from.reasons)) {
      this.reviewed.add(pair);
      return;
    }
    (followedPersona(pair.from) ? this.persona : this.evidence).add(pair);
    const before = new Set(pair.from.reasons.map((r) => r.code));
    const after = new Set(pair.to.reasons.map((r) => r.code));
    for (const code of after) if (!before.has(code)) this.count(code).added += 1;
    for (const code of before) if (!after.has(code)) this.count(code).removed += 1;
  }

  result(): Comparison {
    const reasonChanges = [...this.reasonCounts.entries()]
      .map(([code, counts]) => ({ code, ...counts }))
      .sort((a, b) => b.added + b.removed - (a.added + a.removed) || compareStrings(a.code, b.code))
      .slice(0, REASON_CHANGES_SHOWN);
    return {
      evidence: this.evidence.table(),
      personaStatus: this.persona.table(),
      reviewed: this.reviewed.table(),
      reasonChanges,
      ruleErrors: [...this.ruleErrors.entries()]
        .map(([rule, decisions]) => ({ rule, decisions }))
        .sort((a, b) => b.decisions - a.decisions || compareStrings(a.rule, b.rule)),
    };
  }

  private count(code: string): { added: number; removed: number } {
    let counts = this.reasonCounts.get(code);
    if (!counts) {
      counts = { added: 0, removed: 0 };
      this.reasonCounts.set(code, counts);
    }
    return counts;
  }
}

/** The comparison as plain text, for people: one table per kind of decision, then the reason codes. */
export function formatComparison(comparison: Comparison, labels: { from: string; to: string }): string {
  const lines: string[] = [];
  const table = (title: string, t: TransitionTable, changed = 'would change'): void => {
    lines.push(`${title}: ${t.total} decisions, ${t.changed} ${changed}`);
    if (t.total === 0) return;
    const rows = t.transitions.map((cell) => [
      cell.from,
      cell.to,
      String(cell.count),
      cell.from === cell.to ? '' : cell.examples.join(', '),
    ]);
    lines.push(...columns([[labels.from, labels.to, 'count', 'examples'], ...rows], [2]));
  };
  table('Decided on the evidence', comparison.evidence);
  lines.push('');
  table("Decided by Persona's status (only personaDecisions and inquiryOutcomes move these)", comparison.personaStatus);
  lines.push('');
  if (comparison.reviewed.total > 0) {
    const title = `Reviewed by an operator here (a review stands; ${labels.to}: what it decides on the same evidence)`;
    table(title, comparison.reviewed, `where ${labels.to} differs`);
    lines.push('');
  }
  if (comparison.reasonChanges.length === 0) {
    lines.push('No reason code changed.');
  } else {
    lines.push('Reason codes that changed most:');
    const rows = comparison.reasonChanges.map((c) => [c.code, `+${c.added}`, `-${c.removed}`]);
    lines.push(...columns([['code', 'added', 'removed'], ...rows], [1, 2]));
  }
  if (comparison.ruleErrors.length > 0) {
    lines.push(
      '',
      `Rules of the ${labels.to} policy that could not be evaluated (rule_error; see each decision's reason):`,
    );
    const rows = comparison.ruleErrors.map((e) => [e.rule, String(e.decisions)]);
    lines.push(...columns([['rule', 'decisions'], ...rows], [1]));
  }
  return lines.join('\n');
}

/** Left-aligned columns (right-aligned for the indexes given), two spaces apart, indented by two. */
function columns(rows: string[][], rightAligned: number[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map(
    (row) =>
      '  ' +
      row
        .map((cell, i) => (rightAligned.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
  );
}
