import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../../src/decision/policy.js';
import { toPolicyJson } from '../../src/decision/policy-json.js';

const BOTS = {
  name: 'bots',
  when: '"bot-score" in inquiry.behaviors && inquiry.behaviors["bot-score"] >= 80',
  then: 'manual_review',
} as const;

describe('toPolicyJson', () => {
  it('shows the default policy with every key, rules as written', () => {
    const json = toPolicyJson(defaultPolicy);
    expect(Object.keys(json)).toEqual([
      'version',
      'declineChecks',
      'reportTypes',
      'reportMatch',
      'requiredVerificationTypes',
      'requiredReportTypes',
      'fraudChecks',
      'maxFailedAttempts',
      'personaDecisions',
      'inquiryOutcomes',
      'precedence',
      'rules',
      'templates',
    ]);
    expect(json).toMatchObject({ version: 'default-2', rules: [], templates: {}, personaDecisions: 'follow' });
  });

  it('shows rules as {name, when, then} and each template as its effective content', () => {
    const policy = parsePolicy(
      {
        rules: [BOTS],
        declineChecks: ['id_expired_detection'],
        templates: { itmpl_lite: { reportTypes: [], inquiryOutcomes: { expired: 'manual_review' } } },
      },
      'test',
    );
    const json = toPolicyJson(policy);
    expect(json.rules).toEqual([BOTS]);
    expect(json.templates.itmpl_lite).toEqual({
      ...json,
      version: undefined,
      templates: undefined,
      reportTypes: [],
      reportMatch: {},
      inquiryOutcomes: { failed: 'declined', expired: 'manual_review' },
    });
    // JSON as printed: no compiled functions, no cost figures
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('is a policy file that loads to the same policy', () => {
    const policy = parsePolicy({ rules: [BOTS], templates: { itmpl_lite: { reportTypes: [], rules: [] } } }, 'a');
    const again = parsePolicy(JSON.parse(JSON.stringify(toPolicyJson(policy))), 'b');
    expect(toPolicyJson(again)).toEqual(toPolicyJson(policy));
  });
});
