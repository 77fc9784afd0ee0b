import { describe, expect, it } from 'vitest';
import { ComparisonBuilder, type DecisionSide, formatComparison } from '../../src/decision/compare.js';
import { decide } from '../../src/decision/decide.js';
import type { Evidence } from '../../src/decision/evidence.js';
import { defaultPolicy, parsePolicy } from '../../src/decision/policy.js';
import { operatorReviewReason } from '../../src/decision/review.js';
import { cleanEvidence } from '../helpers/decision-fixtures.js';

/** A candidate with one rule that reads a behaviors key without a guard, and one that guards it. */
const candidate = parsePolicy(
  {
    version: 'candidate',
    rules: [
      { name: 'velocity', when: 'inquiry.behaviors["velocity"] > 3', then: 'manual_review' },
      {
        name: 'bots',
        when: '"bot-score" in inquiry.behaviors && inquiry.behaviors["bot-score"] >= 80',
        then: 'declined',
      },
    ],
  },
  'candidate.json',
);

function compare(id: string, evidence: Evidence, from: DecisionSide = decide(evidence, defaultPolicy)) {
  return { inquiryId: id, from, to: decide(evidence, candidate) };
}

describe('ComparisonBuilder: what the backtest and the shadow summary print', () => {
  it("counts the candidate's rule errors by rule (reviews included) and keeps reviews out of the reason changes", () => {
    const builder = new ComparisonBuilder();
    // no velocity key: the velocity rule cannot be read (rule_error), the decision stands on the rest
    builder.add(compare('inq_1', { ...cleanEvidence(), behaviors: { 'bot-score': 90 } }));
    builder.add(compare('inq_2', { ...cleanEvidence(), behaviors: { velocity: 5 } }));
    builder.add(compare('inq_3', cleanEvidence()));
    // an operator approved it: a review stands, shown apart; its rule error still counts
    builder.add(
      compare('inq_4', cleanEvidence(), {
        outcome: 'approved',
        reasons: [operatorReviewReason('approved', 'alice', 'known customer')],
      }),
    );
    const result = builder.result();
    expect(result.ruleErrors).toEqual([{ rule: 'velocity', decisions: 3 }]);
    expect(result.evidence).toMatchObject({ total: 3, changed: 2 });
    expect(result.reviewed).toEqual({
      total: 1,
      changed: 0,
      transitions: [{ from: 'approved', to: 'approved', count: 1, examples: ['inq_4'] }],
    });
    // inq_4's operator_review is not "removed" by the candidate: reviews are not policy changes
    expect(result.reasonChanges.map((c) => c.code)).not.toContain('operator_review');
    expect(result.reasonChanges).toContainEqual({ code: 'rule_error', added: 2, removed: 0 });

    const text = formatComparison(result, { from: 'stored', to: 'candidate' });
    expect(text).toContain(
      'Reviewed by an operator here (a review stands; candidate: what it decides on the same evidence): 1 decisions, 0 where candidate differs',
    );
    expect(
      text.endsWith(
        [
          "Rules of the candidate policy that could not be evaluated (rule_error; see each decision's reason):",
          '  rule      decisions',
          '  velocity          3',
        ].join('\n'),
      ),
    ).toBe(true);
  });
});
