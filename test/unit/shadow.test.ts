import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { decide } from '../../src/decision/decide.js';
import { defaultPolicy, parsePolicy } from '../../src/decision/policy.js';
import { operatorReviewReason } from '../../src/decision/review.js';
import { decideShadow, shadowPolicyProblem } from '../../src/decision/shadow.js';
import { summarizeShadow } from '../../src/http/shadow-summary.js';
import type { ShadowCursor, ShadowPair, ShadowStore, ShadowWindow } from '../../src/store/shadow-store.js';
import { cleanEvidence, evidence, report, verification, WATCHLIST } from '../helpers/decision-fixtures.js';
import { testEnv } from '../helpers/test-app.js';

const VIP_RULE = { name: 'vip', when: '"vip" in inquiry.tags', then: 'manual_review' };
const vip = parsePolicy({ version: 'vip-review', rules: [VIP_RULE] }, 'shadow.json');

describe('decideShadow', () => {
  it('is null without a shadow policy', () => {
    expect(decideShadow(cleanEvidence(), null)).toBeNull();
  });

  it("is the shadow policy's own decision on the same evidence: outcome, reasons and version", () => {
    const tagged = { ...cleanEvidence(), tags: ['vip'] };
    const { outcome, reasons, policyVersion } = decide(tagged, vip);
    expect(decideShadow(tagged, vip)).toEqual({ outcome, reasons, policyVersion });
    expect(outcome).toBe('manual_review');
    expect(reasons[0]).toMatchObject({ code: 'rule_vip', rule: 'vip' });
    expect(decide(tagged, defaultPolicy).outcome).toBe('approved');
  });
});

describe('shadowPolicyProblem', () => {
  it('refuses a shadow policy with the live version, whatever its rules', () => {
    const sameVersion = parsePolicy({ version: 'default-2', requiredReportTypes: [WATCHLIST] }, 'shadow.json');
    expect(shadowPolicyProblem(defaultPolicy, sameVersion)).toBe(
      "has the live policy's version (default-2): give the shadow policy a version of its own",
    );
  });

  it('refuses a shadow policy with the same rules under another version (an empty file is the default policy)', () => {
    const empty = parsePolicy({}, 'shadow.json');
    expect(empty.version).not.toBe(defaultPolicy.version);
    expect(shadowPolicyProblem(defaultPolicy, empty)).toBe(
      'has the same rules as the live policy (default-2): it would agree on every decision',
    );
    const renamed = parsePolicy({ version: 'copy', rules: [VIP_RULE] }, 'shadow.json');
    expect(shadowPolicyProblem(vip, renamed)).toMatch(/same rules/);
  });

  it('accepts a shadow policy that differs in version and rules', () => {
    expect(shadowPolicyProblem(defaultPolicy, vip)).toBeNull();
  });
});

describe('DECISION_SHADOW_POLICY_FILE', () => {
  it('is a trimmed path, unset when blank', () => {
    expect(loadConfig(testEnv({ DECISION_SHADOW_POLICY_FILE: ' /etc/decider/shadow.json ' }))).toMatchObject({
      decisionShadowPolicyFile: '/etc/decider/shadow.json',
    });
    expect(loadConfig(testEnv({ DECISION_SHADOW_POLICY_FILE: '  ' })).decisionShadowPolicyFile).toBeUndefined();
    expect(loadConfig(testEnv()).decisionShadowPolicyFile).toBeUndefined();
  });
});

/** A store of pairs in order, paged like the real one (test/store/shadow.contract.test.ts checks that one). */
function fakeStore(rows: (ShadowPair | { unreadable: string; decidedAt: string })[]) {
  const calls: (ShadowCursor | null)[] = [];
  const store: Pick<ShadowStore, 'page'> = {
    async page(_window: ShadowWindow, after: ShadowCursor | null, limit: number) {
      calls.push(after);
      const start = after
        ? rows.findIndex((r) => ('unreadable' in r ? r.unreadable : r.decisionId) === after.decisionId) + 1
        : 0;
      const slice = rows.slice(start, start + limit);
      const last = slice.at(-1);
      return {
        items: slice.map((r) =>
          'unreadable' in r
            ? { ok: false as const, decisionId: r.unreadable, problem: `decision row ${r.unreadable} does not parse` }
            : { ok: true as const, pair: r },
        ),
        next:
          slice.length === limit && last
            ? { decidedAt: last.decidedAt, decisionId: 'unreadable' in last ? last.unreadable : last.decisionId }
            : null,
      };
    },
  };
  return { store, calls };
}

function pair(n: number, live: typeof defaultPolicy, shadow: typeof defaultPolicy, ev = cleanEvidence()): ShadowPair {
  const decision = decide(ev, live);
  const shadowDecision = decide(ev, shadow);
  return {
    decisionId: `dec_${n}`,
    inquiryId: `inq_${n}`,
    decidedAt: `2026-11-29T10:00:0${n}.000Z`,
    outcome: decision.outcome,
    reasons: decision.reasons,
    policyVersion: decision.policyVersion,
    shadow: {
      outcome: shadowDecision.outcome,
      reasons: shadowDecision.reasons,
      policyVersion: shadowDecision.policyVersion,
      evaluatedAt: `2026-11-29T10:00:0${n}.000Z`,
    },
  };
}

describe('summarizeShadow', () => {
  it('reads every page and compares live (from) with shadow (to), counting versions and unreadable rows', async () => {
    const vipEvidence = { ...cleanEvidence(), tags: ['vip'] };
    const watchlistHit = evidence(
      [verification('verification/government-id', 'passed')],
      [report(WATCHLIST, 'ready', true)],
    );
    const strict = parsePolicy(
      { version: 'strict', requiredVerificationTypes: ['verification/database'] },
      'shadow.json',
    );
    const rows = [
      pair(1, defaultPolicy, vip, vipEvidence), // approved → manual_review
      pair(2, defaultPolicy, vip), // approved → approved
      { unreadable: 'dec_3', decidedAt: '2026-11-29T10:00:03.000Z' },
      pair(4, defaultPolicy, vip, watchlistHit), // manual_review → manual_review
      pair(5, defaultPolicy, strict, { ...cleanEvidence(), inquiryStatus: 'failed' }), // Persona's status: declined
      // an operator's approval of a watchlist hit (a review stands): apart, and out of the counts
      {
        ...pair(6, defaultPolicy, vip, watchlistHit),
        outcome: 'approved' as const,
        reasons: [operatorReviewReason('approved', 'alice', 'a namesake')],
      },
    ];
    const { store, calls } = fakeStore(rows);
    const unreadable: string[] = [];
    const window = { since: '2026-11-29T00:00:00.000Z', until: '2026-11-30T00:00:00.000Z' };
    const summary = await summarizeShadow(store, window, {
      shadowPolicyVersion: 'vip-review',
      pageSize: 2,
      onUnreadable: (decisionId) => unreadable.push(decisionId),
    });
    expect(calls).toEqual([
      null,
      { decidedAt: '2026-11-29T10:00:02.000Z', decisionId: 'dec_2' },
      { decidedAt: '2026-11-29T10:00:04.000Z', decisionId: 'dec_4' },
      { decidedAt: '2026-11-29T10:00:06.000Z', decisionId: 'dec_6' },
    ]);
    expect(unreadable).toEqual(['dec_3']);
    expect(summary).toEqual({
      since: window.since,
      until: window.until,
      shadowPolicyVersion: 'vip-review',
      decisions: 4,
      disagreements: 1,
      unreadable: 1,
      livePolicyVersions: [{ policyVersion: 'default-2', decisions: 5 }],
      shadowPolicyVersions: [
        { policyVersion: 'vip-review', decisions: 4 },
        { policyVersion: 'strict', decisions: 1 },
      ],
      evidence: {
        total: 3,
        changed: 1,
        transitions: [
          { from: 'approved', to: 'approved', count: 1, examples: ['inq_2'] },
          { from: 'approved', to: 'manual_review', count: 1, examples: ['inq_1'] },
          { from: 'manual_review', to: 'manual_review', count: 1, examples: ['inq_4'] },
        ],
      },
      personaStatus: {
        total: 1,
        changed: 0,
        transitions: [{ from: 'declined', to: 'declined', count: 1, examples: ['inq_5'] }],
      },
      reviewed: {
        total: 1,
        changed: 1,
        transitions: [{ from: 'approved', to: 'manual_review', count: 1, examples: ['inq_6'] }],
      },
      // inq_1 gains rule_vip and loses all_evidence_passed; inq_5's shadow requires a database verification it
      // lacks: its engine reasons (kept as info) say so instead of all_evidence_passed
      reasonChanges: [
        { code: 'all_evidence_passed', added: 0, removed: 2 },
        { code: 'required_verification_missing', added: 1, removed: 0 },
        { code: 'rule_vip', added: 1, removed: 0 },
      ],
      ruleErrors: [],
    });
  });
});
