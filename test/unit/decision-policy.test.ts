import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { loadPolicyFile } from '../../src/decision/load-policy.js';
import { defaultPolicy, parsePolicy } from '../../src/decision/policy.js';

function policyError(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a POLICY_INVALID error');
}

describe('defaultPolicy', () => {
  it('declares its version and the spec defaults', () => {
    expect(defaultPolicy.version).toBe('default-2');
    expect(defaultPolicy.precedence).toEqual(['declined', 'manual_review', 'retry', 'approved']);
    expect(defaultPolicy.reportTypes).toEqual([
      'report/adverse-media',
      'report/business-adverse-media',
      'report/business-watchlist',
      'report/crypto-address-watchlist',
      'report/politically-exposed-person',
      'report/watchlist',
    ]);
    expect(Object.values(defaultPolicy.reportMatch)).toEqual(defaultPolicy.reportTypes.map(() => 'review'));
    expect(defaultPolicy.declineChecks).toHaveLength(11);
    expect(defaultPolicy.declineChecks).toEqual(
      expect.arrayContaining([
        'document_fabrication_detection',
        'document_expired_detection',
        'id_nfc_expired_detection',
      ]),
    );
    expect(defaultPolicy.requiredVerificationTypes).toEqual([]);
    expect(defaultPolicy.requiredReportTypes).toEqual([]);
    expect(defaultPolicy.fraudChecks).toEqual([
      'document_fabrication_detection',
      'id_compromised_detection',
      'id_electronic_replica_detection',
      'id_fabrication_detection',
      'id_tamper_detection',
      'selfie_suspicious_entity_detection',
    ]);
    expect(defaultPolicy.maxFailedAttempts).toEqual({});
    expect(defaultPolicy.personaDecisions).toBe('follow');
    expect(defaultPolicy.inquiryOutcomes).toEqual({ failed: 'declined', expired: 'retry' });
  });

  it('cannot be mutated by a caller', () => {
    expect(Object.isFrozen(defaultPolicy)).toBe(true);
    expect(Object.isFrozen(defaultPolicy.declineChecks)).toBe(true);
  });
});

describe('parsePolicy', () => {
  const PERMUTATION = 'precedence: must list each of approved, declined, manual_review, retry exactly once';

  it('fills omitted keys with the defaults', () => {
    const policy = parsePolicy({ requiredVerificationTypes: ['verification/selfie'] }, 'p.json');
    expect(policy.requiredVerificationTypes).toEqual(['verification/selfie']);
    expect([...policy.declineChecks]).toEqual([...defaultPolicy.declineChecks].sort());
    expect(policy.precedence).toEqual(defaultPolicy.precedence);
    expect(policy.reportTypes).toEqual([...defaultPolicy.reportTypes].sort());
  });

  it('uses the declared version when the file has one', () => {
    expect(parsePolicy({ version: 'eu-2025-06' }, 'p.json').version).toBe('eu-2025-06');
  });

  it('derives the version from the content when none is declared', () => {
    expect(parsePolicy({}, 'p.json').version).toMatch(/^sha256:[0-9a-f]{12}$/);
  });

  it('hashes equivalent files to the same version, whatever their key and list order', () => {
    const a = parsePolicy(
      { declineChecks: ['id_tamper_detection', 'id_expired_detection'], reportTypes: ['report/watchlist'] },
      'a.json',
    );
    const b = parsePolicy(
      {
        reportTypes: ['report/watchlist', 'report/watchlist'],
        declineChecks: ['id_expired_detection', 'id_tamper_detection'],
      },
      'b.json',
    );
    expect(a.version).toBe(b.version);
  });

  it('hashes different rules to different versions', () => {
    const a = parsePolicy({ declineChecks: ['id_expired_detection'] }, 'a.json');
    const b = parsePolicy({ declineChecks: ['id_tamper_detection'] }, 'b.json');
    const c = parsePolicy({ precedence: ['manual_review', 'declined', 'retry', 'approved'] }, 'c.json');
    expect(new Set([a.version, b.version, c.version, parsePolicy({}, 'd.json').version]).size).toBe(4);
  });

  it.each([
    ['an unknown key', { declineCheck: ['id_expired_detection'] }, 'declineCheck: unknown key'],
    ['a precedence with a duplicate', { precedence: ['declined', 'declined', 'retry', 'approved'] }, PERMUTATION],
    ['a precedence missing an outcome', { precedence: ['declined', 'manual_review', 'approved'] }, PERMUTATION],
    ['a precedence with an unknown outcome', { precedence: ['declined', 'retry', 'approved', 'ok'] }, 'precedence.3:'],
    ['a report type without its prefix', { reportTypes: ['watchlist'] }, 'reportTypes.0: must look like'],
    ['a verification type without its prefix', { requiredVerificationTypes: ['selfie'] }, 'Types.0: must look like'],
    ['a check name that is not snake_case', { declineChecks: ['ID Expired'] }, 'declineChecks.0: must be a snake_case'],
    ['an empty version', { version: '  ' }, 'version:'],
    ['a string where a list belongs', { declineChecks: 'id_expired_detection' }, 'declineChecks:'],
    ['a document that is not an object', ['declined'], '(root):'],
    [
      'a counted non-screening report without reportMatch',
      { reportTypes: ['report/watchlist', 'report/integration/sentilink-scores'] },
      'reportTypes: report/integration/sentilink-scores is not a screening report',
    ],
    [
      'a reportMatch for a type that is not counted',
      { reportMatch: { 'report/phone-number': 'ignore' } },
      'reportMatch.report/phone-number: not in reportTypes',
    ],
    ['a reportMatch meaning that does not exist', { reportMatch: { 'report/watchlist': 'maybe' } }, 'reportMatch'],
    [
      'a required report type that is not counted',
      { reportTypes: ['report/watchlist'], requiredReportTypes: ['report/adverse-media'] },
      'requiredReportTypes: report/adverse-media must also be in reportTypes',
    ],
    ['an unknown personaDecisions mode', { personaDecisions: 'obey' }, 'personaDecisions:'],
    [
      'an unknown inquiryOutcomes key',
      { inquiryOutcomes: { canceled: 'retry' } },
      'inquiryOutcomes.canceled: unknown key',
    ],
    ['an outcome that does not exist', { inquiryOutcomes: { failed: 'rejected' } }, 'inquiryOutcomes.failed:'],
    ['a negative maxFailedAttempts', { maxFailedAttempts: { 'verification/selfie': -1 } }, 'maxFailedAttempts'],
    ['a maxFailedAttempts key that is no verification type', { maxFailedAttempts: { selfie: 2 } }, 'maxFailedAttempts'],
  ])('rejects %s, naming the file and the field', (_label, json, expected) => {
    const error = policyError(() => parsePolicy(json, '/etc/decider/policy.json'));
    expect(error.code).toBe('POLICY_INVALID');
    expect(error.message).toContain('/etc/decider/policy.json');
    expect(error.message).toContain(expected);
  });

  it('accepts report types of several segments, with what their match means', () => {
    const sentilink = 'report/integration/sentilink-scores';
    const policy = parsePolicy(
      { reportTypes: [sentilink, 'report/watchlist'], reportMatch: { [sentilink]: 'ignore' } },
      'p',
    );
    expect(policy.reportTypes).toEqual([sentilink, 'report/watchlist']);
    expect(policy.reportMatch).toEqual({ [sentilink]: 'ignore', 'report/watchlist': 'review' });
  });

  it('hashes every lifecycle setting into the version', () => {
    const versions = [
      {},
      { personaDecisions: 'ignore' },
      { inquiryOutcomes: { expired: 'manual_review' } },
      { requiredReportTypes: ['report/watchlist'] },
      { fraudChecks: [] },
      { maxFailedAttempts: { 'verification/selfie': 3 } },
    ].map((json) => parsePolicy(json, 'p').version);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('reports every bad field at once', () => {
    const error = policyError(() => parsePolicy({ precedence: [], reportTypes: ['x'], extra: 1 }, 'p.json'));
    expect(error.message).toContain('precedence');
    expect(error.message).toContain('reportTypes.0');
    expect(error.message).toContain('extra: unknown key');
  });
});

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'decision-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('loads a valid file, byte-order mark or not', () => {
    const path = write('ok.json', '\uFEFF{ "version": "v9", "requiredVerificationTypes": ["verification/selfie"] }');
    expect(loadPolicyFile(path)).toMatchObject({ version: 'v9', requiredVerificationTypes: ['verification/selfie'] });
  });

  it.each([
    ['a missing file', () => join(dir, 'absent.json'), 'Cannot read decision policy file'],
    ['a file that is not JSON', () => write('bad.json', '{ "version": '), 'is not valid JSON'],
    ['a file with a bad field', () => write('field.json', '{ "precedence": ["declined"] }'), 'precedence:'],
  ])('rejects %s with POLICY_INVALID naming the path', (_label, makePath, expected) => {
    const path = makePath();
    const error = policyError(() => loadPolicyFile(path));
    expect(error.code).toBe('POLICY_INVALID');
    expect(error.message).toContain(path);
    expect(error.message).toContain(expected);
  });
});
