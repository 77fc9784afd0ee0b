import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { type Evidence, pendingEvidence } from '../../src/decision/evidence.js';
import { countedReportTypes, defaultPolicy, parsePolicy, policyFor } from '../../src/decision/policy.js';
import { AppError } from '../../src/errors.js';
import { evidence, GOV_ID, report, SELFIE, verification, WATCHLIST } from '../helpers/decision-fixtures.js';

const KYB = 'itmpl_Kyb1';
const STEP_UP = 'itmpl_StepUp2';
const PHONE_REPORT = 'report/phone-number';

function of(templateId: string | null, e: Evidence = evidence([verification(GOV_ID, 'passed')])): Evidence {
  return { ...e, templateId };
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

describe('per-template policy (templates)', () => {
  const policy = parsePolicy(
    {
      version: 'templated-1',
      requiredVerificationTypes: [GOV_ID],
      maxFailedAttempts: { [GOV_ID]: 3 },
      rules: [{ name: 'vip', when: '"vip" in inquiry.tags', then: 'manual_review' }],
      templates: {
        [KYB]: {
          requiredVerificationTypes: [GOV_ID, SELFIE],
          maxFailedAttempts: { [SELFIE]: 1 },
          rules: [{ name: 'fraud_tag', when: '"FRAUD" in inquiry.tags', then: 'declined' }],
        },
        [STEP_UP]: { inquiryOutcomes: { expired: 'manual_review' }, personaDecisions: 'ignore' },
      },
    },
    'test',
  );

  it.each([
    ['an inquiry of the overridden template', KYB, 'manual_review', 'required_verification_missing'],
    ['an inquiry of another template', 'itmpl_Other', 'approved', 'all_evidence_passed'],
    ['an inquiry without a template', null, 'approved', 'all_evidence_passed'],
  ])('%s gets its rules', (_, templateId, outcome, code) => {
    const decision = decide(of(templateId), policy);
    expect(decision.outcome).toBe(outcome);
    expect(decision.reasons[0]!.code).toBe(code);
    // the version covers the whole file, whatever template decided
    expect(decision.policyVersion).toBe('templated-1');
  });

  it('replaces lists (rules included) and merges maps, key by key', () => {
    const kyb = policyFor(policy, KYB);
    expect(kyb.requiredVerificationTypes).toEqual([GOV_ID, SELFIE]);
    expect(kyb.maxFailedAttempts).toEqual({ [GOV_ID]: 3, [SELFIE]: 1 });
    expect(kyb.rules.map((r) => r.name)).toEqual(['fraud_tag']);
    const stepUp = policyFor(policy, STEP_UP);
    expect(stepUp.rules.map((r) => r.name)).toEqual(['vip']);
    expect(stepUp.inquiryOutcomes).toEqual({ failed: 'declined', expired: 'manual_review' });
    expect(stepUp.requiredVerificationTypes).toEqual([GOV_ID]);
    expect(policyFor(policy, 'itmpl_Other')).toBe(policy);
  });

  it('applies the template rules, and only them', () => {
    const tagged = (templateId: string | null, tags: string[]): Evidence => ({
      ...of(templateId, evidence([verification(GOV_ID, 'passed'), verification(SELFIE, 'passed')])),
      tags,
    });
    expect(decide(tagged(KYB, ['FRAUD']), policy).reasons[0]).toMatchObject({ code: 'rule_fraud_tag' });
    expect(decide(tagged(KYB, ['vip']), policy).outcome).toBe('approved');
    expect(decide(tagged(null, ['vip']), policy).reasons[0]).toMatchObject({ code: 'rule_vip' });
    expect(decide(tagged(null, ['FRAUD']), policy).outcome).toBe('approved');
  });

  it("takes Persona's view under the template's keys", () => {
    const expired = { ...of(STEP_UP), inquiryStatus: 'expired' };
    expect(decide(expired, policy).outcome).toBe('manual_review');
    expect(decide({ ...expired, templateId: null }, policy).outcome).toBe('retry');
    const approvedInPersona = { ...of(STEP_UP, evidence([verification(GOV_ID, 'failed')])), inquiryStatus: 'approved' };
    expect(decide(approvedInPersona, policy).reasons[0]!.code).not.toBe('persona_approved');
  });

  it('waits for the reports the template requires, and acts on every report type some template counts', () => {
    const strict = parsePolicy(
      {
        templates: {
          [KYB]: {
            reportTypes: [WATCHLIST, PHONE_REPORT],
            reportMatch: { [PHONE_REPORT]: 'ignore' },
            requiredReportTypes: [WATCHLIST],
          },
        },
      },
      'test',
    );
    const noReports = evidence([verification(GOV_ID, 'passed')], []);
    expect(pendingEvidence(of(KYB, noReports), policyFor(strict, KYB)).missingReportTypes).toEqual([WATCHLIST]);
    expect(pendingEvidence(of(null, noReports), policyFor(strict, null)).missingReportTypes).toEqual([]);
    expect(countedReportTypes(strict)).toEqual([...defaultPolicy.reportTypes, PHONE_REPORT].sort());
    const phoneMatch = of(KYB, evidence([verification(GOV_ID, 'passed')], [report(PHONE_REPORT, 'ready', true)]));
    expect(
      decide({ ...phoneMatch, reports: [...phoneMatch.reports, report(WATCHLIST, 'ready', false)] }, strict),
    ).toMatchObject({ outcome: 'approved' });
  });

  it('hashes the whole file: a template change changes the version', () => {
    const version = (templates: object): string => parsePolicy({ templates }, 't').version;
    const a = version({ [KYB]: { requiredVerificationTypes: [SELFIE] } });
    expect(version({ [KYB]: { requiredVerificationTypes: [GOV_ID] } })).not.toBe(a);
    expect(version({ [STEP_UP]: { requiredVerificationTypes: [SELFIE] } })).not.toBe(a);
    expect(version({})).toBe(parsePolicy({}, 't').version);
  });
});

describe('per-template policy: startup errors name the key path', () => {
  it.each([
    [{ templates: { [KYB]: { declineCheck: [] } } }, `templates.${KYB}.declineCheck: unknown key`],
    [{ templates: { [KYB]: { version: 'x' } } }, `templates.${KYB}.version: unknown key`],
    [{ templates: { [KYB]: { templates: {} } } }, `templates.${KYB}.templates: unknown key`],
    [{ templates: { kyb: {} } }, 'templates.kyb: must be an inquiry template id (itmpl_…)'],
    [
      { templates: { [KYB]: { reportTypes: [PHONE_REPORT] } } },
      `templates.${KYB}.reportTypes: report/phone-number is not a screening report`,
    ],
    [
      { templates: { [KYB]: { reportMatch: { [PHONE_REPORT]: 'ignore' } } } },
      `templates.${KYB}.reportMatch.report/phone-number: not in reportTypes, so never read`,
    ],
    [
      { templates: { [KYB]: { requiredReportTypes: [PHONE_REPORT] } } },
      `templates.${KYB}.requiredReportTypes: report/phone-number must also be in reportTypes`,
    ],
    [
      { templates: { [KYB]: { rules: [{ name: 'x', when: 'inquiry.nope', then: 'declined' }] } } },
      `templates.${KYB}.rules.0.when (x): type error at column 9: No such key: nope`,
    ],
    [
      {
        templates: {
          [KYB]: {
            rules: [
              { name: 'x', when: 'true', then: 'declined' },
              { name: 'x', when: 'false', then: 'approved' },
            ],
          },
        },
      },
      `templates.${KYB}.rules.1.name: "x" is already the name of another rule`,
    ],
    [{ templates: { [KYB]: { precedence: ['declined'] } } }, `templates.${KYB}.precedence: must list each of`],
  ])('%#', (json, message) => {
    expect(policyError(json)).toContain(message);
  });

  it('reports a top-level problem once, not again for every template that inherits it', () => {
    const message = policyError({
      reportTypes: [PHONE_REPORT],
      rules: [{ name: 'x', when: '1 +', then: 'declined' }],
      templates: { [KYB]: { requiredVerificationTypes: [SELFIE] } },
    });
    expect(message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(2);
    expect(message).not.toContain('templates.');
  });

  it('lets a template drop a report type the top level gave a meaning for', () => {
    const policy = parsePolicy(
      {
        reportTypes: [WATCHLIST, PHONE_REPORT],
        reportMatch: { [PHONE_REPORT]: 'ignore' },
        templates: { [KYB]: { reportTypes: [WATCHLIST] } },
      },
      'test',
    );
    expect(policyFor(policy, KYB).reportMatch).toEqual({ [WATCHLIST]: 'review' });
    expect(policy.reportMatch).toEqual({ [PHONE_REPORT]: 'ignore', [WATCHLIST]: 'review' });
  });
});
