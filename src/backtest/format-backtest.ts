import { formatComparison } from '../decision/compare.js';
import type { BacktestResult } from './backtest.js';

/** What was backtested, where, and what came out: the command's whole output. */
export interface BacktestReport {
  candidate: { file: string; version: string };
  /** DATABASE_URL as it may be shown (credentials redacted). */
  database: string;
  filter: { since: string | null; until: string | null; templateId: string | null };
  /** Migrations of this version the database has not applied (the backtest reads only what the first one made). */
  pendingMigrations: string[];
  result: BacktestResult;
}

/** `--json`: one document; the comparison's tables as decision/compare.ts builds them. */
export function toBacktestJson(report: BacktestReport): object {
  const { result } = report;
  return {
    candidate: report.candidate,
    database: report.database,
    filter: report.filter,
    pendingMigrations: report.pendingMigrations,
    read: result.read,
    compared: result.compared,
    unreadable: result.unreadable,
    storedPolicyVersions: result.storedPolicyVersions,
    evidence: result.evidence,
    personaStatus: result.personaStatus,
    reviewed: result.reviewed,
    reasonChanges: result.reasonChanges,
    ruleErrors: result.ruleErrors,
  };
}

/** For people: what was read, then the transition tables and the reason codes (formatComparison). */
export function formatBacktest(report: BacktestReport): string {
  const { result, filter } = report;
  const window =
    filter.since === null && filter.until === null
      ? 'any time'
      : `${filter.since ?? 'the first'} (inclusive) to ${filter.until ?? 'the last'} (exclusive)`;
  const lines = [
    `Backtest of policy ${report.candidate.version} (${report.candidate.file})`,
    `  database:  ${report.database}`,
    `  decided:   ${window}`,
    `  template:  ${filter.templateId ?? 'every template'}`,
    `  read ${result.read} current decisions, compared ${result.compared}` +
      (result.storedPolicyVersions.length === 0
        ? ''
        : `, stored under ${result.storedPolicyVersions.map((v) => `${v.version} (${v.count})`).join(', ')}`),
  ];
  if (report.pendingMigrations.length > 0) {
    lines.push(`  note: the database schema is behind this version (${describePending(report.pendingMigrations)})`);
  }
  if (result.unreadable.count > 0) {
    lines.push(`  ${result.unreadable.count} stored decision(s) could not be read and were not compared, e.g.:`);
    for (const row of result.unreadable.examples) lines.push(`    ${row.problem}`);
  }
  lines.push('', formatComparison(result, { from: 'stored', to: 'candidate' }));
  return lines.join('\n');
}

export function describePending(pending: readonly string[]): string {
  return `${pending.length} migration(s) not applied: ${pending.join(', ')}`;
}
