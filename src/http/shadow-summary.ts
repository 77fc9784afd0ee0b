import { z } from 'zod';
import {
  type Comparison,
  ComparisonBuilder,
  type ReasonChange,
  type RuleErrorCount,
  type TransitionCell,
  type TransitionTable,
} from '../decision/compare.js';
import { outcomeSchema } from '../decision/schemas.js';
import type { ShadowCursor, ShadowStore, ShadowWindow } from '../store/shadow-store.js';

/**
 * GET /shadow/summary: the live decisions of a window against their shadows, through the comparison the backtest
 * uses (src/decision/compare.ts; `from` is the live outcome, `to` the shadow's). Read a page at a time: memory grows
 * with the table's cells and the policy versions seen, never with the number of decisions.
 */
export const SHADOW_SUMMARY_PAGE_SIZE = 500;

const transitionCellSchema = z.object({
  from: outcomeSchema.describe('The live outcome.'),
  to: outcomeSchema.describe("The shadow policy's outcome."),
  count: z.number().int(),
  examples: z.array(z.string()).describe('The first few inquiry ids of this cell, oldest decision first.'),
}) satisfies z.ZodType<TransitionCell>;

const transitionTableSchema = z.object({
  total: z.number().int(),
  changed: z.number().int().describe('Decisions whose shadow outcome differs from the live one.'),
  transitions: z.array(transitionCellSchema),
}) satisfies z.ZodType<TransitionTable>;

const reasonChangeSchema = z.object({
  code: z.string(),
  added: z.number().int().describe('Decisions whose shadow gives this code and whose live decision does not.'),
  removed: z.number().int().describe('Decisions whose live decision gives this code and whose shadow does not.'),
}) satisfies z.ZodType<ReasonChange>;

const ruleErrorCountSchema = z.object({
  rule: z.string(),
  decisions: z.number().int().describe("Decisions whose shadow carries this rule's rule_error reason."),
}) satisfies z.ZodType<RuleErrorCount>;

const versionCountSchema = z.object({ policyVersion: z.string(), decisions: z.number().int() });

export const shadowSummarySchema = z.object({
  since: z.string().describe('The window: decisions taken at or after this instant…'),
  until: z.string().describe('…and before this one.'),
  shadowPolicyVersion: z
    .string()
    .nullable()
    .describe("The shadow policy this service runs now (DECISION_SHADOW_POLICY_FILE's version); null when unset."),
  decisions: z.number().int().describe('Current decisions compared: each inquiry once, by its newest decision.'),
  disagreements: z.number().int().describe('Of those, the ones whose shadow outcome differs from the live outcome.'),
  unreadable: z
    .number()
    .int()
    .describe(
      'Decisions left out because their stored row does not parse (e.g. a reason code of a newer version): the log ' +
        'names them. 0 normally.',
    ),
  livePolicyVersions: z.array(versionCountSchema).describe('The live policy versions of those decisions.'),
  shadowPolicyVersions: z.array(versionCountSchema).describe('The shadow policy versions of their shadows.'),
  evidence: transitionTableSchema.describe('Decisions the live policy took on the evidence: live → shadow.'),
  personaStatus: transitionTableSchema.describe(
    "Decisions the live policy took on Persona's own status (failed, expired, a Workflow's or a reviewer's " +
      'decision): only personaDecisions and inquiryOutcomes can move these.',
  ),
  reviewed: transitionTableSchema.describe(
    "Current decisions that are an operator's review (POST /decisions/{inquiryId}/review) carrying a shadow: a " +
      'review stands whatever a policy says, so these are apart (live review → shadow policy) and not counted in ' +
      '`decisions`, `disagreements` or `reasonChanges`.',
  ),
  reasonChanges: z
    .array(reasonChangeSchema)
    .describe('The reason codes whose presence differs in the most decisions, most first (at most 10).'),
  ruleErrors: z
    .array(ruleErrorCountSchema)
    .describe(
      "The shadow policy's rules that could not be evaluated (rule_error), most decisions first: fix them before " +
        'the shadow goes live.',
    ),
});
export type ShadowSummary = z.output<typeof shadowSummarySchema>;

/** Reads every page of the window and compares each current decision with its shadow. */
export async function summarizeShadow(
  store: Pick<ShadowStore, 'page'>,
  window: ShadowWindow,
  options: {
    shadowPolicyVersion: string | null;
    /** Called for each row left out (it does not parse): the route logs it. */
    onUnreadable: (decisionId: string, problem: string) => void;
    pageSize?: number;
  },
): Promise<ShadowSummary> {
  const pageSize = options.pageSize ?? SHADOW_SUMMARY_PAGE_SIZE;
  const builder = new ComparisonBuilder();
  const live = new Map<string, number>();
  const shadow = new Map<string, number>();
  let unreadable = 0;
  let after: ShadowCursor | null = null;
  do {
    const page = await store.page(window, after, pageSize);
    for (const item of page.items) {
      if (!item.ok) {
        unreadable += 1;
        options.onUnreadable(item.decisionId, item.problem);
        continue;
      }
      const { pair } = item;
      builder.add({ inquiryId: pair.inquiryId, from: pair, to: pair.shadow });
      live.set(pair.policyVersion, (live.get(pair.policyVersion) ?? 0) + 1);
      shadow.set(pair.shadow.policyVersion, (shadow.get(pair.shadow.policyVersion) ?? 0) + 1);
    }
    after = page.next;
  } while (after !== null);
  const comparison: Comparison = builder.result();
  return {
    ...window,
    shadowPolicyVersion: options.shadowPolicyVersion,
    decisions: comparison.evidence.total + comparison.personaStatus.total,
    disagreements: comparison.evidence.changed + comparison.personaStatus.changed,
    unreadable,
    livePolicyVersions: versionCounts(live),
    shadowPolicyVersions: versionCounts(shadow),
    ...comparison,
  };
}

/** Most decisions first, then by version. */
function versionCounts(counts: Map<string, number>): { policyVersion: string; decisions: number }[] {
  return [...counts.entries()]
    .map(([policyVersion, decisions]) => ({ policyVersion, decisions }))
    .sort((a, b) => b.decisions - a.decisions || (a.policyVersion < b.policyVersion ? -1 : 1));
}
