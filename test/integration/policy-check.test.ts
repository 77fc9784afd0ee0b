import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type PolicyCliIo, runPolicyCli } from '../../src/backtest/run-policy-cli.js';
import { loadPolicyFile } from '../../src/decision/load-policy.js';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'persona-decider-policy-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOTS = {
  name: 'bots',
  when: '"bot-score" in inquiry.behaviors && inquiry.behaviors["bot-score"] >= 80',
  then: 'manual_review',
};

function policyFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function check(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: PolicyCliIo = {
    env: {},
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    now: () => 0,
    peakRssBytes: () => 0,
  };
  const code = await runPolicyCli(['check', ...argv], io);
  return { code, stdout, stderr };
}

describe('npm run policy -- check', () => {
  it('prints the version and the normalized policy: defaults filled in, rules as written, templates in full', async () => {
    const file = policyFile('candidate.json', {
      version: 'candidate-1',
      declineChecks: ['id_expired_detection', 'id_expired_detection', 'database_deceased_detection'],
      rules: [BOTS],
      templates: { itmpl_lite: { reportTypes: [], inquiryOutcomes: { expired: 'manual_review' } } },
    });
    const { code, stdout, stderr } = await check(file);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const [first, ...rest] = stdout.split('\n');
    expect(first!.startsWith(`${file}: `)).toBe(true);
    expect(first).toMatch(/: valid, version candidate-1 \(content sha256:[0-9a-f]{12}\)$/);
    // the content hash follows the rules, whatever the declared version says
    const edited = policyFile('candidate-edited.json', {
      ...JSON.parse(readFileSync(file, 'utf8')),
      rules: [{ ...BOTS, then: 'declined' }],
    });
    const editedFirst = (await check(edited)).stdout.split('\n')[0]!;
    expect(editedFirst.replace(edited, file)).not.toBe(first);
    expect(editedFirst).toContain('version candidate-1 (content sha256:');
    const printed = JSON.parse(rest.join('\n'));
    expect(printed).toMatchObject({
      version: 'candidate-1',
      declineChecks: ['database_deceased_detection', 'id_expired_detection'],
      personaDecisions: 'follow',
      inquiryOutcomes: { failed: 'declined', expired: 'retry' },
      precedence: ['declined', 'manual_review', 'retry', 'approved'],
      rules: [BOTS],
    });
    expect(printed.templates.itmpl_lite).toEqual({
      declineChecks: ['database_deceased_detection', 'id_expired_detection'],
      reportTypes: [],
      reportMatch: {},
      requiredVerificationTypes: [],
      requiredReportTypes: [],
      fraudChecks: printed.fraudChecks,
      maxFailedAttempts: {},
      personaDecisions: 'follow',
      inquiryOutcomes: { failed: 'declined', expired: 'manual_review' },
      precedence: ['declined', 'manual_review', 'retry', 'approved'],
      rules: [BOTS],
    });
  });

  it('prints only the JSON with --json, and a file without a version gets its content hash', async () => {
    const file = policyFile('hashed.json', { rules: [BOTS] });
    const { code, stdout } = await check('--json', file);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed.version).toBe(loadPolicyFile(file).version);
    expect(printed.version).toMatch(/^sha256:[0-9a-f]{12}$/);
    // without a declared version the hash is the version: printed once
    expect((await check(file)).stdout.split('\n')[0]).toBe(`${file}: valid, version ${printed.version}`);
  });

  it('rejects a bad file with POLICY_INVALID, naming the key path of every problem (exit 1)', async () => {
    const file = policyFile('bad.json', {
      declineCheck: ['id_expired_detection'],
      templates: { itmpl_lite: { reportTypes: ['watchlist'] } },
    });
    const { code, stdout, stderr } = await check(file);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(
      `policy: POLICY_INVALID: Invalid decision policy in ${file}:\n` +
        '  - templates.itmpl_lite.reportTypes.0: must look like "report/watchlist"\n' +
        '  - declineCheck: unknown key\n',
    );
  });

  it('rejects a rule that does not type-check, and a file that is not JSON or not there', async () => {
    const rule = await check(policyFile('rule.json', { rules: [{ ...BOTS, when: 'inquiry.behaviors["bot-score"]' }] }));
    expect(rule.code).toBe(1);
    expect(rule.stderr).toMatch(
      /^policy: POLICY_INVALID: .*\n {2}- rules\.0\.when \(bots\): must be a bool expression/,
    );
    const notJson = await check(policyFile('broken.json', '{"version": '));
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/^policy: POLICY_INVALID: Decision policy file \S+ is not valid JSON: /);
    const missing = join(dir, 'missing.json');
    expect(await check(missing)).toEqual({
      code: 1,
      stdout: '',
      stderr: `policy: POLICY_INVALID: Cannot read decision policy file ${missing}: ENOENT\n`,
    });
  });
});

describe('npm run policy (the real entry, src/policy-cli.ts)', () => {
  const run = promisify(execFile);
  const entry = (...argv: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/policy-cli.ts', ...argv], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: `sqlite:${join(dir, 'absent', 'decisions.db')}` },
      timeout: 30_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('exits 0 on a valid file and 1 on a bad one, with no stack trace', async () => {
    const good = await entry('check', '--json', policyFile('good.json', { version: 'v1' }));
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ version: 'v1' });
    const bad = await entry('check', policyFile('bad-entry.json', { precedence: ['approved'] }));
    expect({ code: bad.code, stdout: bad.stdout }).toEqual({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/^policy: POLICY_INVALID: Invalid decision policy in \S+:\n {2}- precedence: must list/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 with one line when the database is not there, and 2 on bad usage', async () => {
    const unreachable = await entry('backtest', policyFile('v2.json', { version: 'v2' }));
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^policy: DATABASE_UNAVAILABLE: cannot read sqlite:\S+: no SQLite database at \S+\n$/,
    );
    const usage = await entry('backtest');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^policy: backtest needs a policy file/);
  });
});
