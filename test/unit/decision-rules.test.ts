import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import type { Evidence } from '../../src/decision/evidence.js';
import { parsePolicy } from '../../src/decision/policy.js';
import {
  compileRule,
  RULE_COST_LIMIT,
  RULE_EXPRESSION_MAX_LENGTH,
  RULE_INPUT_MAX_ITEMS,
  ruleInput,
} from '../../src/decision/rules.js';
import { AppError } from '../../src/errors.js';
import { check, evidence, GOV_ID, report, SELFIE, verification, WATCHLIST } from '../helpers/decision-fixtures.js';

const BOTS = { name: 'bots', when: 'inquiry.behaviors["bot-score"] >= 80', then: 'manual_review' } as const;
const GUARDED_BOTS = {
  name: 'bots',
  when: '"bot-score" in inquiry.behaviors && inquiry.behaviors["bot-score"] >= 80',
  then: 'manual_review',
} as const;
const VIP = { name: 'vip', when: '"vip" in inquiry.tags', then: 'manual_review' } as const;
const TWO_TRIES = {
  name: 'two_tries',
  when: 'verifications.filter(v, v.type == "verification/government-id").size() > 2',
  then: 'manual_review',
} as const;

/** Evidence every default rule approves: a passed government ID and selfie, a clear watchlist report. */
function clean(over: Partial<Evidence> = {}): Evidence {
  return {
    ...evidence([verification(GOV_ID, 'passed'), verification(SELFIE, 'passed')], [report(WATCHLIST, 'ready', false)]),
    ...over,
  };
}

function policyError(json: unknown): string {
  try {
    parsePolicy(json, 'policy.json');
  } catch (error) {
    if (error instanceof AppError) return error.message;
    throw error;
  }
  throw new Error('expected POLICY_INVALID');
}

const codes = (e: Evidence, rules: unknown[], extra: object = {}): string[] =>
  decide(e, parsePolicy({ rules, ...extra }, 'test')).reasons.map((r) => r.code);

describe('CEL rules: what they decide', () => {
  it.each([
    ['a high bot score', { behaviors: { 'bot-score': 85 } }, [BOTS], 'manual_review', 'rule_bots'],
    ['a bot score exactly at the threshold', { behaviors: { 'bot-score': 80 } }, [BOTS], 'manual_review', 'rule_bots'],
    ['a low bot score', { behaviors: { 'bot-score': 12.5 } }, [BOTS], 'approved', 'all_evidence_passed'],
    ['a vip tag', { tags: ['returning', 'vip'] }, [VIP], 'manual_review', 'rule_vip'],
    ['no vip tag', { tags: ['returning'] }, [VIP], 'approved', 'all_evidence_passed'],
    ['a guarded rule on a missing key', { behaviors: {} }, [GUARDED_BOTS], 'approved', 'all_evidence_passed'],
  ] satisfies [string, Partial<Evidence>, object[], string, string][])('%s', (_, over, rules, outcome, firstCode) => {
    const decision = decide(clean(over), parsePolicy({ rules }, 'test'));
    expect(decision.outcome).toBe(outcome);
    expect(decision.reasons[0]!.code).toBe(firstCode);
  });

  it('gives the rule reason its name and outcome', () => {
    const decision = decide(clean({ behaviors: { 'bot-score': 91 } }), parsePolicy({ rules: [BOTS] }, 'test'));
    expect(decision.reasons[0]).toEqual({
      code: 'rule_bots',
      outcome: 'manual_review',
      rule: 'bots',
      message: 'rule bots matched: manual_review',
    });
  });

  it('counts every attempt in verifications, latest or not', () => {
    const attempts = [1, 2, 3].map((n) =>
      verification(GOV_ID, n === 3 ? 'passed' : 'failed', {
        id: `ver_gov${n}`,
        createdAt: `2025-01-01T10:0${n}:00.000Z`,
        checks: n === 3 ? [] : [check('id_image_quality_detection', 'failed', 'not_required')],
      }),
    );
    const e = { ...clean(), verifications: [...attempts, verification(SELFIE, 'passed')] };
    expect(decide(e, parsePolicy({ rules: [TWO_TRIES] }, 'test')).outcome).toBe('manual_review');
    const twoOnly = { ...e, verifications: e.verifications.filter((v) => v.id !== 'ver_gov1') };
    expect(decide(twoOnly, parsePolicy({ rules: [TWO_TRIES] }, 'test')).outcome).toBe('approved');
    const latestOnly = {
      name: 'latest_gov_id_passed',
      when: 'verifications.exists(v, v.latest && v.type == "verification/government-id" && v.status == "passed")',
      then: 'approved',
    };
    expect(codes(e, [latestOnly])).toContain('rule_latest_gov_id_passed');
  });

  it('reads reports, checks and absent (null) fields with has()', () => {
    const unknownMatch = report(WATCHLIST, 'ready', null);
    const e = clean({ templateId: null, reports: [unknownMatch] });
    const rules = [
      { name: 'no_template', when: '!has(inquiry.templateId)', then: 'manual_review' },
      { name: 'match_unknown', when: 'reports.exists(r, !has(r.hasMatch))', then: 'manual_review' },
      { name: 'clear', when: 'reports.exists(r, has(r.hasMatch) && !r.hasMatch)', then: 'manual_review' },
    ];
    expect(codes(e, rules)).toEqual(expect.arrayContaining(['rule_no_template', 'rule_match_unknown']));
    expect(codes(e, rules)).not.toContain('rule_clear');
    const failedCheck = {
      name: 'liveness_retried',
      when: 'verifications.exists(v, v.checks.exists(c, c.name == "selfie_liveness_detection" && c.status == "failed"))',
      then: 'retry',
    };
    const withCheck = clean({
      verifications: [
        verification(GOV_ID, 'passed'),
        verification(SELFIE, 'passed', { checks: [check('selfie_liveness_detection', 'failed', null)] }),
      ],
    });
    expect(codes(withCheck, [failedCheck])).toContain('rule_liveness_retried');
  });

  it('lets precedence pick between a rule and the evidence', () => {
    const declineAll = { name: 'block', when: 'true', then: 'declined' };
    const approveAll = { name: 'let_in', when: 'true', then: 'approved' };
    const failed = clean({
      verifications: [verification(GOV_ID, 'failed', { checks: [check('id_tamper_detection')] })],
    });
    expect(decide(clean(), parsePolicy({ rules: [declineAll] }, 't')).outcome).toBe('declined');
    // approving cannot override a decline under the default precedence …
    expect(decide(failed, parsePolicy({ rules: [approveAll] }, 't')).outcome).toBe('declined');
    // … nor under a precedence that ranks approved last; ranked first, it wins
    const approvedFirst = ['approved', 'declined', 'manual_review', 'retry'];
    expect(decide(failed, parsePolicy({ rules: [approveAll], precedence: approvedFirst }, 't')).outcome).toBe(
      'approved',
    );
    const retry = { name: 'again', when: 'true', then: 'retry' };
    expect(decide(clean(), parsePolicy({ rules: [retry, VIP] }, 't')).outcome).toBe('retry');
  });

  it('keeps a rule reason as info when Persona decided, and says the engine disagrees', () => {
    const e = clean({ inquiryStatus: 'approved', tags: ['vip'] });
    const decision = decide(e, parsePolicy({ rules: [VIP] }, 't'));
    expect(decision.outcome).toBe('approved');
    expect(decision.reasons.slice(0, 2).map((r) => r.code)).toEqual(['persona_approved', 'engine_disagrees']);
    expect(decision.reasons.find((r) => r.code === 'rule_vip')).toMatchObject({
      outcome: 'info',
      engineOutcome: 'manual_review',
      rule: 'vip',
    });
  });

  it('gives the same decision whatever order the rules are written in', () => {
    const e = clean({ tags: ['vip'], behaviors: { 'bot-score': 99 } });
    const a = decide(e, parsePolicy({ rules: [VIP, BOTS], version: 'v' }, 't'));
    const b = decide(e, parsePolicy({ rules: [BOTS, VIP], version: 'v' }, 't'));
    expect(a).toEqual(b);
    expect(a.reasons.slice(0, 2).map((r) => r.code)).toEqual(['rule_bots', 'rule_vip']);
  });
});

describe('CEL rules: evaluation errors are rule_error, never a crash or a silent approval', () => {
  it.each([
    ['a missing behavior key, unguarded', { behaviors: {} }, BOTS, 'No such key: bot-score'],
    ['a behavior of the wrong type', { behaviors: { 'bot-score': true } }, BOTS, 'no such overload'],
  ] satisfies [string, Partial<Evidence>, object, string][])('%s', (_, over, rule, message) => {
    const decision = decide(clean(over), parsePolicy({ rules: [rule, VIP] }, 't'));
    const error = decision.reasons.find((r) => r.code === 'rule_error');
    expect(error).toMatchObject({ outcome: 'info', rule: 'bots' });
    expect(error!.message).toContain('rule bots could not be evaluated');
    expect(error!.message).toContain(message);
    // the other rules still run
    expect(decide(clean({ ...over, tags: ['vip'] }), parsePolicy({ rules: [rule, VIP] }, 't')).outcome).toBe(
      'manual_review',
    );
  });

  it('does not evaluate rules on evidence larger than the bounds the cost check assumes', () => {
    const tags = Array.from({ length: RULE_INPUT_MAX_ITEMS + 1 }, (_, i) => `tag-${i}`);
    const decision = decide(clean({ tags }), parsePolicy({ rules: [VIP, BOTS] }, 't'));
    const errors = decision.reasons.filter((r) => r.code === 'rule_error');
    expect(errors.map((r) => r.rule)).toEqual(['bots', 'vip']);
    expect(errors[0]!.message).toContain(`more than ${RULE_INPUT_MAX_ITEMS} items`);
  });
});

describe('CEL rules: checked when the policy is loaded', () => {
  it.each([
    ['a syntax error', 'inquiry.status ==', 'rules.0.when (r): syntax error at column 18: Unexpected token: EOF'],
    ['a type error', 'inquiry.status + 1 > 2', 'rules.0.when (r): type error at column 1: no such overload'],
    ['an unknown field', 'inquiry.name == "x"', 'rules.0.when (r): type error at column 9: No such key: name'],
    ['an unknown variable', 'person.age > 18', 'rules.0.when (r): type error at column 1'],
    ['a non-bool expression', 'inquiry.tags', 'rules.0.when (r): must be a bool expression, not list<string>'],
  ])('%s is a startup error naming the rule and the position', (_, when, message) => {
    expect(policyError({ rules: [{ name: 'r', when, then: 'declined' }] })).toContain(message);
  });

  it('rejects an expression longer than the limit', () => {
    const when = `${'true && '.repeat(RULE_EXPRESSION_MAX_LENGTH / 8)}true`;
    expect(policyError({ rules: [{ name: 'long', when, then: 'declined' }] })).toContain(
      `rules.0.when (long): is ${when.length} characters long; at most ${RULE_EXPRESSION_MAX_LENGTH}`,
    );
  });

  it('rejects a pathological expression whose worst case would stall the worker, before it ever runs', () => {
    const sixty = `[${Array.from({ length: 60 }, (_, i) => i).join(',')}]`;
    const nested = `${sixty}.all(a, ${sixty}.all(b, ${sixty}.all(c, a + b + c >= 0)))`;
    expect(policyError({ rules: [{ name: 'stall', when: nested, then: 'declined' }] })).toMatch(
      /rules\.0\.when \(stall\): may cost \d+ evaluation steps \(at most 1000000/,
    );
    // the same over the evidence: three nested comprehensions exceed the bound, two stay within it
    const three = 'verifications.exists(a, verifications.exists(b, verifications.exists(c, a.id == c.id)))';
    expect(policyError({ rules: [{ name: 'three', when: three, then: 'declined' }] })).toContain('may cost');
    const two = 'verifications.exists(v, v.checks.exists(c, c.status == "failed"))';
    expect(() => parsePolicy({ rules: [{ name: 'two', when: two, then: 'declined' }] }, 't')).not.toThrow();
  });

  it.each([
    ['as a method', 'inquiry.tags.exists(t, t.matches("^(a+)+$"))', 24],
    ['as a function', 'inquiry.tags.exists(t, matches(t, "^(a+)+$"))', 24],
  ])('refuses matches() %s: a backtracking pattern would stall the worker on one long tag', (_, when, column) => {
    expect(policyError({ rules: [{ name: 'redos', when, then: 'declined' }] })).toContain(
      `rules.0.when (redos): refused at column ${column}: matches() is not available in rules`,
    );
  });

  it('evaluates the costliest rule the bounds accept, on the largest input they accept, to the end', () => {
    // two nested comprehensions over RULE_INPUT_MAX_ITEMS verifications of RULE_INPUT_MAX_ITEMS checks each: the
    // worst case the cost bound lets through (a stall would time the test out; no timing is asserted)
    const when = 'verifications.exists(v, v.checks.exists(c, c.status == "failed" && c.name.endsWith("x")))';
    const checks = Array.from({ length: RULE_INPUT_MAX_ITEMS }, (_, i) => check(`check_${i}`, 'passed'));
    const many = Array.from({ length: RULE_INPUT_MAX_ITEMS }, (_, i) =>
      verification(GOV_ID, 'passed', { id: `ver_${i}`, checks }),
    );
    const decision = decide(
      clean({ verifications: many }),
      parsePolicy({ rules: [{ name: 'deep', when, then: 'declined' }] }, 't'),
    );
    expect(decision.reasons.map((r) => r.code)).not.toContain('rule_deep');
    expect(decision.reasons.map((r) => r.code)).not.toContain('rule_error');
  });

  it('estimates the worst case from the AST: literal lists by length, anything else at the input bound', () => {
    const cost = (when: string): number => {
      const compiled = compileRule({ name: 'x', when, then: 'declined' });
      if ('problem' in compiled) throw new Error(compiled.problem);
      return compiled.rule.cost;
    };
    // rcall 1 + target (list 1 + three values) + 3 × body (x 1 + `==` 3)
    expect(cost('[1, 2, 3].exists(x, x == 2)')).toBe(1 + 4 + 3 * 4);
    // rcall 1 + target 1 + RULE_INPUT_MAX_ITEMS × body (v 1 + `.latest` 2)
    expect(cost('verifications.exists(v, v.latest)')).toBe(2 + RULE_INPUT_MAX_ITEMS * 3);
    expect(cost('inquiry.status == "completed"')).toBe(4);
    expect(cost('verifications.exists(v, v.checks.exists(c, c.status == "failed"))')).toBeLessThan(RULE_COST_LIMIT);
  });

  it.each([
    [[VIP, { ...VIP, when: 'true' }], 'rules.1.name: "vip" is already the name of another rule'],
    [[{ name: 'error', when: 'true', then: 'declined' }], 'rules.0.name: "error" would give rule_error'],
    [[{ name: 'Bots', when: 'true', then: 'declined' }], 'rules.0.name: must be a snake_case rule name'],
    [[{ name: 'x', when: 'true', then: 'deny' }], 'rules.0.then:'],
    [[{ name: 'x', when: 'true', then: 'declined', note: 'n' }], 'rules.0.note: unknown key'],
    [[{ name: 'x', when: '   ', then: 'declined' }], 'rules.0.when:'],
  ])('rejects bad rule entries: %#', (rules, message) => {
    expect(policyError({ rules })).toContain(message);
  });

  it('bounds the cost of all the rules together', () => {
    const heavy = 'verifications.exists(v, v.checks.exists(c, c.name == "x" && c.status == "failed"))';
    const rules = Array.from({ length: 60 }, (_, i) => ({ name: `heavy_${i}`, when: heavy, then: 'declined' }));
    expect(policyError({ rules })).toMatch(
      /rules: the rules may cost \d+ evaluation steps together \(at most 5000000\)/,
    );
  });

  it('reports every bad rule at once', () => {
    const message = policyError({
      rules: [
        { name: 'a', when: 'inquiry.nope', then: 'declined' },
        { name: 'b', when: '1 +', then: 'declined' },
      ],
    });
    expect(message).toContain('rules.0.when (a): type error');
    expect(message).toContain('rules.1.when (b): syntax error');
  });
});

describe('the rule input', () => {
  it.each([
    ['a verification by index', 'verifications[0].status == "passed"', true],
    [
      'a check by index',
      'verifications[0].checks[0].name == "id_expired" && verifications[0].checks[0].status == "passed"',
      true,
    ],
    ['a field that does not hold', 'verifications[1].type == "verification/database"', false],
    ['a report by index', 'reports[0].status == "ready" && !reports[0].matchDismissed', true],
    ['a list index out of range', 'verifications[5].status == "passed"', 'error'],
  ])('reads %s as the type check promised', (_, when, expected) => {
    const rule = { name: 'indexed', when, then: 'manual_review' } as const;
    const checked = verification(GOV_ID, 'passed', { checks: [check('id_expired', 'passed')] });
    const e = clean({ verifications: [checked, verification(SELFIE, 'passed')] });
    const reasons = decide(e, parsePolicy({ rules: [rule] }, 't')).reasons;
    const mine = reasons.find((r) => r.code === 'rule_indexed' || r.code === 'rule_error');
    if (expected === 'error') expect(mine?.code).toBe('rule_error');
    else if (expected) expect(mine?.code).toBe('rule_indexed');
    else expect(mine).toBeUndefined();
  });

  it('is PII-free by construction: only the evidence summary, nulls left out', () => {
    const e = clean({ tags: ['vip'], behaviors: { 'bot-score': 3 }, templateId: 'itmpl_abc' });
    const input = ruleInput(e);
    expect(Object.keys(input)).toEqual(['inquiry', 'verifications', 'reports']);
    expect(input.inquiry).toEqual({
      id: 'inq_test',
      status: 'completed',
      templateId: 'itmpl_abc',
      tags: ['vip'],
      behaviors: { 'bot-score': 3 },
    });
    expect(input.verifications[0]).not.toHaveProperty('completedAt');
    expect(input.reports[0]).toMatchObject({ hasMatch: false, matchDismissed: false });
  });
});

describe('policy version with rules', () => {
  it('keeps the hash of a file without rules, and changes it with any rule change', () => {
    const base = parsePolicy({ requiredVerificationTypes: [GOV_ID] }, 't').version;
    const withRules = parsePolicy({ requiredVerificationTypes: [GOV_ID], rules: [VIP] }, 't').version;
    const otherThen = parsePolicy({ requiredVerificationTypes: [GOV_ID], rules: [{ ...VIP, then: 'declined' }] }, 't');
    expect(parsePolicy({ requiredVerificationTypes: [GOV_ID], rules: [] }, 't').version).toBe(base);
    expect(withRules).not.toBe(base);
    expect(otherThen.version).not.toBe(withRules);
    // rule order does not matter
    expect(parsePolicy({ rules: [VIP, BOTS] }, 't').version).toBe(parsePolicy({ rules: [BOTS, VIP] }, 't').version);
  });
});
