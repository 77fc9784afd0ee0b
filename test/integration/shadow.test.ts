import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parsePolicy } from '../../src/decision/policy.js';
import { decideShadow } from '../../src/decision/shadow.js';
import { createDeps } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import type { NewDecision } from '../../src/store/decision-store.js';
import {
  check,
  cleanEvidence,
  engineDecision,
  evidence,
  GOV_ID,
  report,
  SELFIE,
  verification,
  WATCHLIST,
} from '../helpers/decision-fixtures.js';
import { passedGovernmentId, sampleValue, scrapeMetrics } from '../helpers/metrics.js';
import { interceptInquiry } from '../helpers/persona-nock.js';
import { buildInquiryEventBody } from '../helpers/persona-webhook.js';
import { postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import {
  createTestContext,
  TEST_API_TOKEN,
  TEST_DOWNSTREAM_SECRET,
  testEnv,
  type TestContext,
} from '../helpers/test-app.js';

// DECISION_SHADOW_POLICY_FILE through the service: checked at startup, decided beside every live decision, shown
// under `shadow`, counted by (live, shadow) outcome pair, never delivered nor written back, and compared over a
// window by GET /shadow/summary.
const dir = mkdtempSync(join(tmpdir(), 'persona-decider-shadow-'));
const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };
const CONSUMER = 'https://consumer.test';

function policyFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The shadow policy of these tests: it also requires a database verification. */
const SHADOW = { version: 'shadow-db', requiredVerificationTypes: ['verification/database'] };
const shadowFile = policyFile('shadow.json', SHADOW);
const shadowPolicy = parsePolicy(SHADOW, shadowFile);

const contexts: TestContext[] = [];
async function context(env: Record<string, string> = {}): Promise<TestContext> {
  const ctx = await createTestContext({ env });
  contexts.push(ctx);
  return ctx;
}

beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  for (const ctx of contexts.splice(0)) await ctx.cleanup();
});
afterAll(() => {
  nock.enableNetConnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('DECISION_SHADOW_POLICY_FILE at startup', () => {
  const start = (file: string, env: Record<string, string> = {}) =>
    createDeps(
      loadConfig(
        testEnv({
          DATABASE_URL: `sqlite:${join(dir, 'never-opened.db')}`,
          DECISION_SHADOW_POLICY_FILE: file,
          ...env,
        }),
      ),
      { logger: createLogger('silent') },
    );

  it.each([
    [
      'a shadow policy with the live version',
      { version: 'default-2', requiredReportTypes: ['report/watchlist'] },
      "has the live policy's version (default-2)",
    ],
    ['a shadow policy with the live rules ({} is the default policy)', {}, 'has the same rules as the live policy'],
  ])('refuses %s, naming the file', async (_title, content, problem) => {
    const file = policyFile('same.json', content);
    await expect(start(file)).rejects.toMatchObject({
      code: 'POLICY_INVALID',
      message: expect.stringContaining(
        `The shadow policy in ${file} (DECISION_SHADOW_POLICY_FILE) ${problem}`,
      ) as unknown,
    });
  });

  it('refuses a bad shadow policy file like a bad live one (POLICY_INVALID, naming the file)', async () => {
    const file = policyFile('broken.json', '{ "version": ');
    await expect(start(file)).rejects.toMatchObject({
      code: 'POLICY_INVALID',
      message: expect.stringContaining(`Decision policy file ${file} is not valid JSON`) as unknown,
    });
    const missing = join(dir, 'missing.json');
    await expect(start(missing)).rejects.toMatchObject({ code: 'POLICY_INVALID' });
  });

  it('compares the shadow policy with the live policy of DECISION_POLICY_FILE', async () => {
    const live = policyFile('live.json', SHADOW);
    await expect(start(shadowFile, { DECISION_POLICY_FILE: live })).rejects.toMatchObject({ code: 'POLICY_INVALID' });
  });

  it('loads a shadow policy beside the live one', async () => {
    const ctx = await context({ DECISION_SHADOW_POLICY_FILE: shadowFile });
    expect([ctx.deps.policy.version, ctx.deps.shadowPolicy?.version]).toEqual(['default-2', 'shadow-db']);
    const plain = await context();
    expect(plain.deps.shadowPolicy).toBeNull();
  });
});

interface DecisionBody {
  outcome: string;
  sequence: number;
  decidedAt: string;
  reasons: { code: string }[];
  history: { eventId: string; recordedAt: string }[];
  shadow: { outcome: string; reasons: { code: string }[]; policyVersion: string; evaluatedAt: string } | null;
}

async function decision(ctx: TestContext, inquiryId: string): Promise<DecisionBody> {
  const res = await ctx.app.inject({ url: `/decisions/${inquiryId}`, headers: auth });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('the shadow policy in the pipeline', () => {
  it('delivers only the live outcome, shows the shadow under `shadow`, counts the pair, writes nothing back', async () => {
    const ctx = await context({
      DECISION_SHADOW_POLICY_FILE: shadowFile,
      DOWNSTREAM_URL: `${CONSUMER}/hooks`,
      DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET,
      // the shadow's outcome is one Persona would be told, were it the live one
      PERSONA_WRITE_BACK: 'manual_review',
    });
    const delivered: string[] = [];
    nock(CONSUMER)
      .post('/hooks', (body: unknown) => delivered.push(JSON.stringify(body)) > 0)
      .reply(204);
    await postWebhook(
      ctx,
      buildInquiryEventBody({ eventId: 'evt_s1', inquiryId: 'inq_s1', createdAt: '2026-11-29T09:59:00.000Z' }),
    );
    interceptInquiry('inq_s1', [passedGovernmentId('ver_s1')]);
    await runUntilIdle(ctx);

    const decided = await decision(ctx, 'inq_s1');
    expect(decided).toMatchObject({ outcome: 'approved', sequence: 1 });
    expect(decided.shadow).toMatchObject({
      outcome: 'manual_review',
      policyVersion: 'shadow-db',
      evaluatedAt: decided.decidedAt,
    });
    expect(decided.shadow?.reasons[0]?.code).toBe('required_verification_missing');
    expect(delivered).toHaveLength(1);
    expect(JSON.parse(delivered[0] ?? '{}')).toMatchObject({ data: { outcome: 'approved', sequence: 1 } });
    expect(delivered[0]).not.toMatch(/shadow|manual_review|required_verification_missing/);
    expect(await ctx.database.db.selectFrom('write_backs').selectAll().execute()).toEqual([]);

    // Persona approves it: the live outcome stays (history only, nothing delivered), the shadow follows the evidence
    ctx.clock.advance(60_000);
    await postWebhook(
      ctx,
      buildInquiryEventBody({
        eventId: 'evt_s2',
        inquiryId: 'inq_s1',
        name: 'inquiry.approved',
        createdAt: '2026-11-29T10:00:30.000Z',
      }),
    );
    interceptInquiry('inq_s1', [passedGovernmentId('ver_s1')], 200, 'approved');
    await runUntilIdle(ctx);
    const confirmed = await decision(ctx, 'inq_s1');
    expect(confirmed).toMatchObject({ outcome: 'approved', sequence: 1, decidedAt: decided.decidedAt });
    expect(confirmed.reasons[0]?.code).toBe('all_evidence_passed');
    expect(confirmed.history.map((h) => h.eventId)).toEqual(['evt_s2']);
    expect(confirmed.shadow).toMatchObject({
      outcome: 'approved',
      policyVersion: 'shadow-db',
      evaluatedAt: confirmed.history[0]?.recordedAt,
    });
    expect(confirmed.shadow?.reasons.map((r) => r.code).slice(0, 2)).toEqual(['persona_approved', 'engine_disagrees']);
    expect(delivered).toHaveLength(1);

    const metrics = await scrapeMetrics(ctx.app);
    const shadowed = (live: string, shadow: string) =>
      sampleValue(metrics, 'persona_decider_shadow_decisions_total', { live_outcome: live, shadow_outcome: shadow });
    expect([shadowed('approved', 'manual_review'), shadowed('approved', 'approved')]).toEqual([1, 1]);
    expect([shadowed('declined', 'declined'), shadowed('manual_review', 'approved')]).toEqual([0, 0]);
    expect(sampleValue(metrics, 'persona_decider_shadow_policy_info', { policy_version: 'shadow-db' })).toBe(1);
    const logged = ctx.logLines.map((line) => JSON.parse(line) as { msg: string; shadowOutcome?: string });
    expect(logged.find((line) => line.msg === 'inquiry decided')?.shadowOutcome).toBe('manual_review');
  });

  it('stores no shadow and counts none without a shadow policy', async () => {
    const ctx = await context();
    await postWebhook(
      ctx,
      buildInquiryEventBody({ eventId: 'evt_p1', inquiryId: 'inq_p1', createdAt: '2026-11-29T09:59:00.000Z' }),
    );
    interceptInquiry('inq_p1', [passedGovernmentId('ver_p1')]);
    await runUntilIdle(ctx);
    expect(await decision(ctx, 'inq_p1')).toMatchObject({ outcome: 'approved', shadow: null });
    const metrics = await scrapeMetrics(ctx.app);
    expect(metrics).toContain('# TYPE persona_decider_shadow_decisions_total counter');
    expect(metrics).not.toMatch(/^persona_decider_shadow_decisions_total\{/m);
    expect(metrics).not.toContain('persona_decider_shadow_policy_info');
  });
});

describe('GET /shadow/summary', () => {
  const T = (time: string) => Date.parse(`2026-11-29T${time}Z`);
  const failedLiveness = evidence(
    [verification(GOV_ID, 'passed'), verification(SELFIE, 'failed', { checks: [check('selfie_liveness_detection')] })],
    [report(WATCHLIST, 'ready', false)],
  );
  const watchlistHit = evidence([verification(GOV_ID, 'passed')], [report(WATCHLIST, 'ready', true)]);

  /** A decision saved at `time` (its decidedAt), with the shadow policy's decision on its evidence unless `plain`. */
  async function seed(ctx: TestContext, inquiryId: string, time: string, ev = cleanEvidence(), plain = false) {
    ctx.clock.set(T(time));
    const live: NewDecision = engineDecision({
      inquiryId,
      eventId: `evt_${inquiryId}_${time}`,
      eventCreatedAt: new Date(T(time) - 1000).toISOString(),
      evidence: ev,
    });
    const shadow = plain ? null : decideShadow({ ...ev, inquiryId }, shadowPolicy);
    if (!(await ctx.decisions.save({ ...live, shadow }))) throw new Error(`${inquiryId} not saved`);
  }

  /** Live and shadow decisions around a window of 09:00–12:00 (see each line). */
  async function seeded(): Promise<TestContext> {
    const ctx = await context({ DECISION_SHADOW_POLICY_FILE: shadowFile });
    await seed(ctx, 'inq_F', '08:00:00.000'); // approved → manual_review, before the window
    await seed(ctx, 'inq_A', '10:00:00.000'); // approved → manual_review (no database verification)
    await seed(ctx, 'inq_B', '10:05:00.000', failedLiveness); // declined → declined
    await seed(ctx, 'inq_C', '10:10:00.000'); // approved → manual_review, then replaced by:
    await seed(ctx, 'inq_C', '10:15:00.000', watchlistHit); // manual_review → manual_review
    await seed(ctx, 'inq_D', '10:20:00.000', { ...cleanEvidence(), inquiryStatus: 'approved' }); // Persona's status
    await seed(ctx, 'inq_E', '10:25:00.000', cleanEvidence(), true); // no shadow
    await seed(ctx, 'inq_G', '12:00:00.000'); // at `until`: outside
    return ctx;
  }

  const summary = async (ctx: TestContext, query: string, headers: Record<string, string> = auth) =>
    ctx.app.inject({ url: `/shadow/summary${query}`, headers });

  it('compares each current decision of the window with its shadow (numbers counted by hand)', async () => {
    const ctx = await seeded();
    const res = await summary(ctx, '?since=2026-11-29T11:00:00%2B02:00&until=2026-11-29T12:00:00Z');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      since: '2026-11-29T09:00:00.000Z',
      until: '2026-11-29T12:00:00.000Z',
      shadowPolicyVersion: 'shadow-db',
      decisions: 4,
      disagreements: 1,
      unreadable: 0,
      livePolicyVersions: [{ policyVersion: 'default-2', decisions: 4 }],
      shadowPolicyVersions: [{ policyVersion: 'shadow-db', decisions: 4 }],
      evidence: {
        total: 3,
        changed: 1,
        transitions: [
          { from: 'approved', to: 'manual_review', count: 1, examples: ['inq_A'] },
          { from: 'declined', to: 'declined', count: 1, examples: ['inq_B'] },
          { from: 'manual_review', to: 'manual_review', count: 1, examples: ['inq_C'] },
        ],
      },
      personaStatus: {
        total: 1,
        changed: 0,
        transitions: [{ from: 'approved', to: 'approved', count: 1, examples: ['inq_D'] }],
      },
      reviewed: { total: 0, changed: 0, transitions: [] },
      // every shadow misses the database verification; A's and D's live decisions had all_evidence_passed (D's as
      // info, Persona approved it); D's shadow follows Persona against its own evidence (engine_disagrees)
      reasonChanges: [
        { code: 'required_verification_missing', added: 4, removed: 0 },
        { code: 'all_evidence_passed', added: 0, removed: 2 },
        { code: 'engine_disagrees', added: 1, removed: 0 },
      ],
      ruleErrors: [],
    });
  });

  it('defaults to the 24 hours before now, or before `until`; an inquiry counts by its current decision only', async () => {
    const ctx = await seeded();
    ctx.clock.set(T('10:30:00.000'));
    const day = (await summary(ctx, '')).json<{ since: string; until: string; decisions: number }>();
    expect(day).toMatchObject({ since: '2026-11-28T10:30:00.000Z', until: '2026-11-29T10:30:00.000Z', decisions: 5 });
    // C's current decision (10:15) is after `until`: its replaced one (10:10) is not compared instead
    const early = await summary(ctx, '?until=2026-11-29T10:12:00.000Z');
    expect(early.json()).toMatchObject({
      since: '2026-11-28T10:12:00.000Z',
      decisions: 3,
      disagreements: 2,
      evidence: {
        transitions: [{ from: 'approved', to: 'manual_review', count: 2, examples: ['inq_F', 'inq_A'] }, {}],
      },
    });
  });

  it('answers 200 with empty tables when no shadow policy is set and none is stored', async () => {
    const ctx = await context();
    const res = await summary(ctx, '');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      shadowPolicyVersion: null,
      decisions: 0,
      disagreements: 0,
      livePolicyVersions: [],
      shadowPolicyVersions: [],
      evidence: { total: 0, changed: 0, transitions: [] },
      personaStatus: { total: 0, changed: 0, transitions: [] },
      reviewed: { total: 0, changed: 0, transitions: [] },
      reasonChanges: [],
    });
  });

  it.each([
    [
      '?since=yesterday',
      'invalid query: since must be an ISO 8601 date-time with a time zone, e.g. 2026-11-28T10:00:00Z',
    ],
    [
      '?since=2026-11-29T10:00:00',
      'invalid query: since must be an ISO 8601 date-time with a time zone, e.g. 2026-11-28T10:00:00Z',
    ],
    ['?since=2026-11-29T10:00:00Z&until=2026-11-28T10:00:00Z', 'invalid query: since must be before until'],
    ['?since=2026-11-29T10:00:00Z&until=2026-11-29T12:00:00%2B02:00', 'invalid query: since must be before until'],
  ])('400 for %s', async (query, message) => {
    const ctx = await context();
    const res = await summary(ctx, query);
    expect([res.statusCode, res.json()]).toEqual([400, { error: { code: 'BAD_REQUEST', message } }]);
  });

  it('401 without a bearer token', async () => {
    const ctx = await context();
    expect((await summary(ctx, '', {})).statusCode).toBe(401);
  });

  it('leaves out a row that does not parse, counts it and logs it without values', async () => {
    const ctx = await seeded();
    await ctx.database.db
      .updateTable('decisions')
      .set({ reasons: JSON.stringify([{ code: 'a_code_of_a_newer_version', outcome: 'approved', message: 'x' }]) })
      .where('inquiry_id', '=', 'inq_A')
      .execute();
    const res = await summary(ctx, '?since=2026-11-29T09:00:00Z&until=2026-11-29T12:00:00Z');
    expect(res.json()).toMatchObject({ decisions: 3, unreadable: 1 });
    const warned = ctx.logLines.filter((line) => line.includes('shadow summary: row left out'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/does not parse: reasons\.0\.code/);
    expect(warned[0]).not.toContain('a_code_of_a_newer_version');
  });
});
