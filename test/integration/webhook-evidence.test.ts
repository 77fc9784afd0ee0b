import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evidenceFromWebhook } from '../../src/persona/webhook-evidence.js';
import { buildInquiryEvent, type IncludedAllowlist } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { FAKE_PII_VALUES } from '../../src/sim/persona-objects.js';
import { buildVerification } from '../../src/sim/persona-verifications.js';
import type { ScenarioKey } from '../../src/sim/scenarios.js';
import { createTestWorker, postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { PERSONA_BASE, PERSONA_ORIGIN } from '../helpers/persona-nock.js';
import { ZERO_CALL_MAX_EVENT_AGE_MS } from '../../src/http/routes/persona-webhook.js';
import { createTestContext, TEST_API_TOKEN, type TestContext } from '../helpers/test-app.js';

// Zero Persona calls when the webhook carries the evidence (issue: close the loop with Persona): an inquiry event
// whose payload.included holds every verification and report its relationships name is decided on that, with no
// API call, when all of it has settled; otherwise the worker fetches, as without it.
let ctx: TestContext;
/** Every request that reached "Persona", by path. */
let personaRequests: string[];
beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(async () => {
  ctx = await createTestContext();
  personaRequests = [];
});
afterEach(async () => {
  nock.cleanAll();
  await ctx.cleanup();
});

interface DecisionBody {
  status: string;
  outcome: string | null;
  personaCalls: number | null;
  reasons: { code: string }[];
  evidence: { source: string; gatheredAt: string | null; verifications: { id: string; status: string }[] } | null;
}

async function decision(inquiryId: string): Promise<DecisionBody> {
  const res = await ctx.app.inject({
    url: `/decisions/${inquiryId}`,
    headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
  });
  return res.json();
}

/** The simulator's webhook of a scenario inquiry with the given included-allowlist, as Persona would send it. */
function webhook(scenario: ScenarioKey, included: IncludedAllowlist) {
  const inquiryId = inquiryIdFor(scenario);
  return { inquiryId, body: buildInquiryEvent({ inquiryId, included }).body };
}

/** Persona answers nothing here unless a test says so: every request is recorded, and answered 404. */
function recordPersonaRequests(): void {
  nock(PERSONA_ORIGIN)
    .get(/.*/)
    .reply((request) => {
      const url = new URL(request.url);
      personaRequests.push(`${url.pathname}${url.search}`);
      return [404, { errors: [{ title: 'Record not found' }] }];
    })
    .persist();
}

describe('evidence carried by the webhook', () => {
  it.each<[ScenarioKey, string, string]>([
    ['all-passed', 'approved', 'all_evidence_passed'],
    ['failed-liveness', 'declined', 'decline_check_failed'],
    ['watchlist-hit', 'manual_review', 'report_match'],
    ['retried-id-then-passed', 'approved', 'all_evidence_passed'],
  ])('decides %s with no Persona call when included holds it all, settled', async (scenario, outcome, reason) => {
    recordPersonaRequests();
    const { inquiryId, body } = webhook(scenario, 'all');
    const createdAt = (body as { data: { attributes: { 'created-at': string } } }).data.attributes['created-at'];
    await postWebhook(ctx, body);
    await runUntilIdle(ctx);
    expect(personaRequests).toEqual([]);
    const decided = await decision(inquiryId);
    expect(decided).toMatchObject({ status: 'decided', outcome, personaCalls: 0 });
    expect(decided.reasons[0]?.code).toBe(reason);
    // Persona's copy as of the event's creation
    expect(decided.evidence).toMatchObject({ source: 'webhook', gatheredAt: new Date(createdAt).toISOString() });
  });

  it('fetches only the piece still running when the webhook carried it unsettled, then decides from the API', async () => {
    // settles-after-polls: the selfie was `initiated` when Persona sent the event
    const { inquiryId, body } = webhook('settles-after-polls', 'all');
    const carried = evidenceFromWebhook(body);
    const selfie = carried?.verifications.find((v) => v.status === 'initiated');
    if (!selfie) throw new Error('the scenario webhook should carry an initiated selfie');
    const scope = nock(PERSONA_ORIGIN)
      .get(`${PERSONA_BASE}/verifications/${selfie.id}`)
      .reply(200, {
        data: buildVerification({
          id: selfie.id,
          type: 'verification/selfie',
          status: 'passed',
          createdAt: selfie.createdAt,
          checks: [{ name: 'selfie_liveness_detection', status: 'passed' }],
        }),
      });
    await postWebhook(ctx, body);
    await runUntilIdle(ctx, createTestWorker(ctx));
    expect(scope.isDone()).toBe(true);
    const decided = await decision(inquiryId);
    expect(decided).toMatchObject({ status: 'decided', outcome: 'approved', personaCalls: 1 });
    expect(decided.evidence?.source).toBe('api');
    expect(decided.evidence?.verifications.find((v) => v.id === selfie.id)?.status).toBe('passed');
  });

  it.each<[IncludedAllowlist, string]>([
    ['none', 'nothing included (the default of webhooks made after 2026-01-28)'],
    ['verifications', 'the verifications but not the reports the inquiry links'],
  ])('asks the API as before when the webhook carries %s: %s', async (included) => {
    recordPersonaRequests();
    const { inquiryId, body } = webhook('all-passed', included);
    expect(evidenceFromWebhook(body)).toBeNull();
    await postWebhook(ctx, body);
    await runUntilIdle(ctx);
    expect(personaRequests).toEqual([`${PERSONA_BASE}/inquiries/${inquiryId}?include=verifications%2Creports`]);
  });

  it('fetches an old event (a late retry: Persona resends its copy from back then) instead of deciding on it', async () => {
    const inquiryId = inquiryIdFor('all-passed', 'lateRetry');
    const old = new Date(ctx.clock.now() - ZERO_CALL_MAX_EVENT_AGE_MS - 60_000).toISOString();
    const body = buildInquiryEvent({ inquiryId, included: 'all', createdAt: old }).body;
    const fetched = nock(PERSONA_ORIGIN)
      .get(`${PERSONA_BASE}/inquiries/${inquiryId}`)
      .query(true)
      .reply(404, { errors: [{ title: 'Record not found' }] });
    await postWebhook(ctx, body);
    await runUntilIdle(ctx);
    expect(fetched.isDone()).toBe(true); // asked Persona: no zero-call decision on a copy that old
  });

  it('keeps none of the payload but the PII-free evidence: no fake name, birthdate or address in the job', async () => {
    const { body } = webhook('all-passed', 'all');
    await postWebhook(ctx, body);
    const [job] = await ctx.database.db.selectFrom('jobs').select('payload').execute();
    const stored = String(job?.payload);
    expect(JSON.parse(stored)).toMatchObject({
      evidenceSource: { from: 'webhook' },
      evidence: { verifications: [{}, {}, {}] },
    });
    // the payload carried every fake PII value (persona-objects.ts); the one-letter middle name and the all-zero
    // postal code are too short to tell from an id or a timestamp
    const distinctive = FAKE_PII_VALUES.filter((value) => value.length >= 6);
    expect(distinctive.length).toBeGreaterThan(8);
    expect(JSON.stringify(body)).toContain('Fakefirst');
    for (const value of distinctive) expect(stored).not.toContain(value);
  });
});

describe('evidenceFromWebhook', () => {
  it('reads the evidence of a payload whose included holds every linked verification and report', () => {
    const { inquiryId, body } = webhook('watchlist-hit', 'all');
    const evidence = evidenceFromWebhook(body);
    expect(evidence).toMatchObject({ inquiryId, inquiryStatus: 'completed' });
    expect(evidence?.verifications.length).toBeGreaterThan(0);
    expect(evidence?.reports.map((r) => [r.type, r.hasMatch])).toEqual([['report/watchlist', true]]);
  });

  it('is null when the relationship linkages are suppressed (relationship-allowlist: include_none)', () => {
    const { body } = webhook('all-passed', 'all');
    const payload = (body as { data: { attributes: { payload: { data: Record<string, unknown> } } } }).data.attributes
      .payload;
    delete payload.data.relationships;
    expect(evidenceFromWebhook(body)).toBeNull();
  });

  it('is null for a body that is not an inquiry event, and for a camelCase payload (it falls back to the API)', () => {
    expect(evidenceFromWebhook(null)).toBeNull();
    expect(evidenceFromWebhook({ data: { attributes: { payload: 'x' } } })).toBeNull();
    const camel = buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed'), included: 'all', inflection: 'camel' });
    expect(evidenceFromWebhook(camel.body)).toBeNull();
  });
});
