import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { E2E_TIMEOUT_MS, E2eWorld } from './harness.js';

// `persona-sim fire --await-deliveries`, what the compose demo's demo-fire runs: against the real service, it
// passes only when every fired inquiry's delivered outcomes are its scenario's, and says which one is not.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let world: E2eWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface Verdict {
  inquiryId: string;
  scenario: string;
  expected: string[];
  received: string[];
  asExpected: boolean;
}
interface Totals {
  expected: number;
  delivered: number;
  ok: boolean;
  summary: string;
}

/** `node --import tsx src/sim/cli.ts fire …` to its exit: the exit code and stdout's lines. */
async function fire(w: E2eWorld, scenarios: string[]): Promise<{ code: number | null; lines: string[] }> {
  const args = ['fire', '--target', `${w.url}/webhooks/persona`, '--sim-url', w.stack.persona.url, '--json'];
  const awaiting = ['--await-deliveries', w.stack.sink.url, '--await-seconds', String(E2E_TIMEOUT_MS / 1000)];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/sim/cli.ts', ...args, ...awaiting, ...scenarios.flatMap((s) => ['--scenario', s])],
    { cwd: ROOT, env: { ...process.env, SIM_URL: '', SIM_AWAIT_DELIVERIES: '' } },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, lines: stdout.trim().split('\n') };
}

/** The verdict lines (they carry `asExpected`) and the totals line after them. */
function verdicts(lines: string[]): { inquiries: Verdict[]; totals: Totals } {
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const inquiries = parsed.filter((p) => 'asExpected' in p) as unknown as Verdict[];
  const totals = parsed.at(-1) as unknown as Totals;
  return { inquiries, totals };
}

describe('persona-sim fire --await-deliveries against the service', { timeout: E2E_TIMEOUT_MS * 2 }, () => {
  it('exits 0 once every decision the fired scenarios deliver reached the sink, verified and as expected', async () => {
    world = await E2eWorld.start();
    const { code, lines } = await fire(world, ['all-passed', 'failed-liveness', 'reviewer-approves']);
    const { inquiries, totals } = verdicts(lines);
    expect(
      inquiries.map(({ scenario, expected, received, asExpected }) => ({ scenario, expected, received, asExpected })),
    ).toEqual([
      { scenario: 'all-passed', expected: ['approved'], received: ['approved'], asExpected: true },
      { scenario: 'failed-liveness', expected: ['declined'], received: ['declined'], asExpected: true },
      {
        scenario: 'reviewer-approves',
        expected: ['manual_review', 'approved'],
        received: ['manual_review', 'approved'],
        asExpected: true,
      },
    ]);
    expect(totals).toEqual({
      expected: 4,
      delivered: 4,
      ok: true,
      summary: '4/4 decisions delivered as expected (signatures verified)',
    });
    expect(code).toBe(0);
  });

  it('exits 1 and names the inquiry whose outcome differs (a scenario that assumes another policy)', async () => {
    world = await E2eWorld.start();
    // required-watchlist-missing expects manual_review under requiredReportTypes; the default policy approves it
    const { code, lines } = await fire(world, ['all-passed', 'required-watchlist-missing']);
    const { inquiries, totals } = verdicts(lines);
    expect(inquiries.map(({ scenario, received, asExpected }) => ({ scenario, received, asExpected }))).toEqual([
      { scenario: 'all-passed', received: ['approved'], asExpected: true },
      { scenario: 'required-watchlist-missing', received: ['approved'], asExpected: false },
    ]);
    expect(totals).toMatchObject({ expected: 2, delivered: 1, ok: false });
    expect(code).toBe(1);
  });
});
