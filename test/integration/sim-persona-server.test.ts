import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { withMatchDismissals } from '../../src/decision/evidence.js';
import { matchEventsAt } from '../../src/sim/lifecycle-events.js';
import { defaultPolicy, parsePolicy } from '../../src/decision/policy.js';
import type { Policy } from '../../src/decision/policy.js';
import { createManualClock, systemClock } from '../../src/lib/clock.js';
import { createPersonaClient } from '../../src/persona/client.js';
import { createRateBudget } from '../../src/persona/rate-limit.js';
import { inquiryIdFor, reportIdFor, verificationIdFor } from '../../src/sim/inquiry-ids.js';
import { createPersonaSimulator } from '../../src/sim/persona-server.js';
import type { PersonaSimulator, PersonaSimulatorOptions } from '../../src/sim/persona-server.js';
import { findScenario, listScenarios, reportsAtStep } from '../../src/sim/scenarios.js';
import type { Scenario } from '../../src/sim/scenarios.js';
import { createOpenApiValidator } from '../helpers/openapi.js';

const API_KEY = 'persona_sandbox_sim_test';
const AUTH = { authorization: `Bearer ${API_KEY}` };
const validator = createOpenApiValidator('2025-12-08');
const okBody = (path: string): string =>
  `#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/get/responses/200/content/application~1json/schema`;
const errorBody = (name: string): string => `#/components/responses/${name}/content/application~1json/schema`;

interface JsonApiDoc {
  data: { type: string; id: string; attributes: Record<string, unknown> };
  included: Array<{ type: string; id: string; attributes: Record<string, unknown> }>;
  errors?: Array<{ title: string }>;
}

const started: PersonaSimulator[] = [];

async function start(options: Partial<PersonaSimulatorOptions> = {}): Promise<PersonaSimulator> {
  const sim = createPersonaSimulator({ apiKey: API_KEY, ...options });
  started.push(sim);
  await sim.listen();
  return sim;
}

async function get(sim: PersonaSimulator, path: string, headers: Record<string, string> = AUTH) {
  const response = await fetch(`${sim.apiUrl}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as JsonApiDoc };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

/** Every step of every scenario: [key, step index, event name, scenario]. */
const STEP_ROWS = listScenarios().flatMap((scenario) =>
  scenario.steps.map((step, index) => [scenario.key, index, step.event, scenario] as const),
);

/** The default policy with the scenario's own keys over it (`requiredReportTypes` needs the engine's support). */
function policyFor(scenario: Scenario): Policy {
  return scenario.policy ? parsePolicy({ ...scenario.policy }, `scenario ${scenario.key}`) : defaultPolicy;
}

async function putStep(sim: PersonaSimulator, inquiryId: string, body: unknown) {
  const response = await fetch(`${sim.url}/_sim/inquiries/${inquiryId}/step`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as { error: { code: string } }) };
}

describe('Persona simulator: objects against the official 2025-12-08 spec', () => {
  it.each(STEP_ROWS)(
    'serves %s at step %i (%s) as spec-valid inquiry, verifications and reports',
    async (_key, step, _event, scenario) => {
      const sim = await start({ pendingFetches: 1 });
      const id = inquiryIdFor(scenario.key);
      expect(sim.setStep(id, step)).toEqual({ ok: true });
      const reports = reportsAtStep(scenario, step);
      // Twice, so a pending verification is validated both initiated and settled.
      for (let i = 0; i < 2; i += 1) {
        const inquiry = await get(sim, `/inquiries/${id}?include=verifications,reports`);
        expect(inquiry.status).toBe(200);
        expect(validator.validate(okBody('/inquiries/{inquiry-id}'), inquiry.body)).toEqual([]);
        expect(inquiry.body.data.attributes.status).toBe(scenario.steps[step]?.inquiryStatus);
        expect(inquiry.body.included).toHaveLength(scenario.verifications.length + reports.length);
      }
      for (const v of scenario.verifications) {
        const verification = await get(sim, `/verifications/${verificationIdFor(id, v.slot)}`);
        expect(verification.status).toBe(200);
        expect(validator.validate(okBody('/verifications/{verification-id}'), verification.body)).toEqual([]);
      }
      for (const r of reports) {
        const report = await get(sim, `/reports/${reportIdFor(id, r.slot)}`);
        expect(report.status).toBe(200);
        expect(validator.validate(okBody('/reports/{report-id}'), report.body)).toEqual([]);
      }
    },
  );

  it.each([
    ['an unknown scenario', '/inquiries/inq_noSuchScenario_x1'],
    ['a malformed inquiry id', '/inquiries/whatever'],
    ['a verification slot the scenario lacks', '/verifications/ver_allPassed_x1_gov9'],
    ['a report of an unknown inquiry', '/reports/rep_nope_x1_watchlist'],
    ['a path Persona does not serve here', '/accounts/act_1'],
  ])('answers 404 Record not found for %s, with a body that matches the spec', async (_label, path) => {
    const sim = await start();
    const response = await get(sim, path);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: [{ title: 'Record not found' }] });
    expect(validator.validate(errorBody('not-found'), response.body)).toEqual([]);
    expect(response.headers.get('ratelimit-limit')).toBe('300');
  });
});

describe('Persona simulator: include', () => {
  const typesOf = (doc: JsonApiDoc): string[] => doc.included.map((r) => r.type).sort();
  const id = inquiryIdFor('all-passed', 'inc1');

  it.each([
    ['', []],
    ['?include=', []],
    ['?include=verifications', ['verification/database', 'verification/government-id', 'verification/selfie']],
    ['?include=reports', ['report/watchlist']],
    [
      '?include=verifications,reports',
      ['report/watchlist', 'verification/database', 'verification/government-id', 'verification/selfie'],
    ],
  ])('GET /inquiries/{id}%s includes only what was asked for', async (query, types) => {
    const sim = await start();
    const response = await get(sim, `/inquiries/${id}${query}`);
    expect(typesOf(response.body)).toEqual(types);
    expect(response.body.data.id).toBe(id);
  });

  it('honours Key-Inflection: camel, leaving the keys of fields alone', async () => {
    const sim = await start();
    const response = await get(sim, `/inquiries/${id}`, { ...AUTH, 'key-inflection': 'camel' });
    expect(response.body.data.attributes).toHaveProperty('createdAt');
    expect(response.body.data.attributes.fields).toHaveProperty('name-first');
  });
});

describe('Persona simulator: settles-after-polls', () => {
  it('serves the pending selfie as initiated for N fetches, then passed, whichever endpoint fetches it', async () => {
    const sim = await start({ pendingFetches: 3 });
    const id = inquiryIdFor('settles-after-polls');
    const selfie = verificationIdFor(id, 'selfie');
    const viaInquiry = async () =>
      (await get(sim, `/inquiries/${id}?include=verifications`)).body.included.find((v) => v.id === selfie)?.attributes
        .status;
    const direct = async () => (await get(sim, `/verifications/${selfie}`)).body.data.attributes.status;
    expect([await viaInquiry(), await direct(), await direct(), await direct(), await viaInquiry()]).toEqual([
      'initiated',
      'initiated',
      'initiated',
      'passed',
      'passed',
    ]);
  });

  it('does not count a fetch without include (the inquiry carries only linkages)', async () => {
    const sim = await start({ pendingFetches: 1 });
    const id = inquiryIdFor('settles-after-polls');
    await get(sim, `/inquiries/${id}`);
    expect((await get(sim, `/verifications/${verificationIdFor(id, 'selfie')}`)).body.data.attributes.status).toBe(
      'initiated',
    );
  });

  it('starts over after POST /_sim/reset', async () => {
    const sim = await start({ pendingFetches: 1 });
    const selfie = `/verifications/${verificationIdFor(inquiryIdFor('settles-after-polls', 'r1'), 'selfie')}`;
    await get(sim, selfie);
    expect((await fetch(`${sim.url}/_sim/reset`, { method: 'POST' })).status).toBe(204);
    expect((await get(sim, selfie)).body.data.attributes.status).toBe('initiated');
  });
});

describe('Persona simulator: lifecycle steps', () => {
  const late = inquiryIdFor('watchlist-late', 'step1');
  const watchlist = `/reports/${reportIdFor(late, 'watchlist')}`;

  it('moves an inquiry through its steps at PUT /_sim/inquiries/:inquiryId/step, serving each step', async () => {
    const sim = await start();
    const reviewed = inquiryIdFor('reviewer-approves', 'step2');
    const statusOf = async () => (await get(sim, `/inquiries/${reviewed}`)).body.data.attributes.status;
    expect(await statusOf()).toBe('completed');
    expect(await putStep(sim, reviewed, { step: 1 })).toEqual({ status: 204, body: null });
    expect(await statusOf()).toBe('needs_review');
    expect((await putStep(sim, reviewed, { step: 2 })).status).toBe(204);
    expect(await statusOf()).toBe('approved');
    expect((await putStep(sim, reviewed, { step: 0 })).status).toBe(204);
    expect(await statusOf()).toBe('completed');
  });

  it("links, includes and serves by id only the reports of the inquiry's current step", async () => {
    const sim = await start();
    const reportsOf = async () =>
      (await get(sim, `/inquiries/${late}?include=reports`)).body.included.map((r) => r.attributes['has-match']);
    expect([await reportsOf(), (await get(sim, watchlist)).status]).toEqual([[], 404]);
    await putStep(sim, late, { step: 1 });
    expect(await reportsOf()).toEqual([false]);
    await putStep(sim, late, { step: 2 });
    expect(await reportsOf()).toEqual([true]);
    expect((await get(sim, watchlist)).body.data.attributes['has-match']).toBe(true);
    // dismissed: Persona keeps has-match true (OAS example report-watchlist-dismissed-webhook-body)
    await putStep(sim, late, { step: 3 });
    expect((await get(sim, watchlist)).body.data.attributes['has-match']).toBe(true);
  });

  it.each([
    ['an unknown inquiry', 'inq_noSuchScenario_x1', { step: 0 }, 404, 'INQUIRY_NOT_FOUND'],
    ['a step out of range', late, { step: 4 }, 404, 'STEP_OUT_OF_RANGE'],
    ['a step of a one-step scenario', inquiryIdFor('all-passed'), { step: 1 }, 404, 'STEP_OUT_OF_RANGE'],
    ['a negative step', late, { step: -1 }, 400, 'STEP_INVALID'],
    ['a step that is not a number', late, { step: 'two' }, 400, 'STEP_INVALID'],
    ['a body without a step', late, {}, 400, 'STEP_INVALID'],
    ['a body with an unknown key', late, { step: 1, stage: 2 }, 400, 'STEP_INVALID'],
  ])('answers PUT step for %s with %i', async (_label, inquiryId, body, status, code) => {
    const sim = await start();
    expect(await putStep(sim, inquiryId, body)).toEqual({
      status,
      body: { error: { code, message: expect.any(String) } },
    });
  });

  it('forgets every step on POST /_sim/reset and does not count control requests', async () => {
    const sim = await start();
    await putStep(sim, late, { step: 2 });
    expect((await fetch(`${sim.url}/_sim/reset`, { method: 'POST' })).status).toBe(204);
    expect((await get(sim, watchlist)).status).toBe(404);
    await putStep(sim, late, { step: 1 });
    expect(sim.stats().totals.requests).toBe(1);
  });

  it('lists every scenario with its steps and policy at GET /_sim/scenarios', async () => {
    const sim = await start();
    const listed = (await (await fetch(`${sim.url}/_sim/scenarios`)).json()) as Array<{
      key: string;
      steps: unknown[];
      policy?: unknown;
    }>;
    expect(listed.map((s) => s.key)).toEqual(listScenarios().map((s) => s.key));
    expect(listed.find((s) => s.key === 'reviewer-approves')).toMatchObject({
      expectedOutcome: 'approved',
      expectedReason: 'persona_approved',
      steps: [
        {
          event: 'inquiry.completed',
          expectedOutcome: 'manual_review',
          expectedReason: 'report_match',
          delivers: true,
        },
        {
          event: 'inquiry.marked-for-review',
          expectedOutcome: 'manual_review',
          expectedReason: 'persona_marked_for_review',
          delivers: false,
        },
        { event: 'inquiry.approved', expectedOutcome: 'approved', expectedReason: 'persona_approved', delivers: true },
      ],
    });
    expect(listed.find((s) => s.key === 'required-watchlist-missing')?.policy).toEqual(
      findScenario('required-watchlist-missing')?.policy,
    );
    expect(listed.find((s) => s.key === 'all-passed')).not.toHaveProperty('policy');
  });
});

describe('Persona simulator: auth and rate limit', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'Bearer persona_sandbox_wrong' }],
    ['a non-bearer scheme', { authorization: `Basic ${API_KEY}` }],
  ])("answers 401 with Persona's body for %s, without rate-limit headers", async (_label, headers) => {
    const sim = await start();
    const response = await get(sim, `/inquiries/${inquiryIdFor('all-passed')}`, headers);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: [{ title: 'Must be authenticated to access this endpoint' }] });
    expect(validator.validate(errorBody('unauthorized'), response.body)).toEqual([]);
    expect(response.headers.get('ratelimit-limit')).toBeNull();
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(sim.stats().unauthorized).toBe(1);
  });

  it('counts RateLimit-Remaining down and answers 429 after `limit` requests until the window resets', async () => {
    const clock = createManualClock();
    const sim = await start({ clock, rateLimit: { limit: 3, windowMs: 6_000 } });
    const path = `/inquiries/${inquiryIdFor('all-passed')}`;
    const seen = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await get(sim, path);
      seen.push([
        response.status,
        response.headers.get('ratelimit-limit'),
        response.headers.get('ratelimit-remaining'),
        response.headers.get('ratelimit-reset'),
      ]);
      clock.advance(1_000);
    }
    expect(seen).toEqual([
      [200, '3', '2', '6'],
      [200, '3', '1', '5'],
      [200, '3', '0', '4'],
      [429, '3', '0', '3'],
    ]);
    clock.advance(2_000);
    const after = await get(sim, path);
    expect([after.status, after.headers.get('ratelimit-remaining')]).toEqual([200, '2']);
  });

  it("answers 429 with Persona's body, valid against the spec, and counts it", async () => {
    const sim = await start({ rateLimit: { limit: 1, windowMs: 60_000 } });
    const id = inquiryIdFor('all-passed');
    await get(sim, `/inquiries/${id}`);
    const response = await get(sim, `/inquiries/${id}`);
    expect(response.status).toBe(429);
    expect(response.body.errors?.[0]?.title).toBe('Rate limit exceeded');
    expect(validator.validate(errorBody('too-many-requests'), response.body)).toEqual([]);
    expect(sim.stats()).toMatchObject({
      totals: { requests: 2, rateLimited: 1 },
      byInquiry: { [id]: { inquiry: 2, rateLimited: 1 } },
    });
  });

  it('gives every response a distinct Request-Id', async () => {
    const sim = await start();
    const ids = new Set<string | null>();
    for (let i = 0; i < 3; i += 1) ids.add((await get(sim, '/inquiries/inq_allPassed_x1')).headers.get('request-id'));
    expect(ids.size).toBe(3);
  });
});

describe('Persona simulator: faults', () => {
  it("answers a scenario's first N requests per inquiry with 5xx, with a spec-valid body, then serves", async () => {
    const sim = await start({ faults: { scenarios: { 'watchlist-hit': { serverErrors: 2 } } } });
    const statuses = async (id: string) => {
      const out = [];
      for (let i = 0; i < 3; i += 1) out.push((await get(sim, `/inquiries/${id}`)).status);
      return out;
    };
    const first = inquiryIdFor('watchlist-hit');
    expect(await statuses(first)).toEqual([503, 503, 200]);
    expect(await statuses(inquiryIdFor('watchlist-hit'))).toEqual([503, 503, 200]);
    expect(await statuses(inquiryIdFor('all-passed'))).toEqual([200, 200, 200]);
    expect(sim.stats().byInquiry[first]?.serverErrors).toBe(2);
    expect(sim.stats().totals.serverErrors).toBe(4);
  });

  it("sends a 5xx body that matches the spec's service-unavailable response", async () => {
    const sim = await start({ faults: { global: { serverErrors: 1 } } });
    const response = await get(sim, '/inquiries/inq_allPassed_x1');
    expect(response.status).toBe(503);
    expect(validator.validate(errorBody('service-unavailable'), response.body)).toEqual([]);
  });

  it('forces 429s with a short RateLimit-Reset, whatever the window says', async () => {
    const sim = await start({ faults: { global: { rateLimited: 1, rateLimitedResetSeconds: 2 } } });
    const forced = await get(sim, '/inquiries/inq_allPassed_x1');
    expect([forced.status, forced.headers.get('ratelimit-remaining'), forced.headers.get('ratelimit-reset')]).toEqual([
      429,
      '0',
      '2',
    ]);
    expect((await get(sim, '/inquiries/inq_allPassed_x1')).status).toBe(200);
    expect(sim.stats().totals.rateLimited).toBe(1);
  });

  it('adds latency to every request through the injected sleep', async () => {
    const waits: number[] = [];
    const sim = await start({
      sleep: async (ms) => void waits.push(ms),
      faults: { global: { latencyMs: 50 }, scenarios: { 'all-passed': { latencyMs: 10 } } },
    });
    await get(sim, '/inquiries/inq_allPassed_x1');
    await get(sim, '/inquiries/inq_watchlistHit_x1');
    expect(waits).toEqual([60, 50]);
  });

  it('takes a new fault configuration at PUT /_sim/faults and refuses a malformed one', async () => {
    const sim = await start();
    const put = (body: unknown) =>
      fetch(`${sim.url}/_sim/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put({ global: { serverErrors: 1, serverErrorStatus: 500 } })).status).toBe(200);
    expect((await get(sim, '/inquiries/inq_allPassed_x1')).status).toBe(500);
    expect((await put({ global: { serverErrors: 'many' } })).status).toBe(400);
    expect((await put({ scenarios: { 'no-such-scenario': {} } })).status).toBe(400);
  });
});

describe("Persona simulator: read by the service's own Persona client", () => {
  let sim: PersonaSimulator;
  beforeAll(async () => {
    sim = createPersonaSimulator({ apiKey: API_KEY });
    await sim.listen();
  });
  afterAll(async () => {
    await sim.close();
  });

  function client() {
    const sleep = async (): Promise<void> => {};
    return createPersonaClient({
      baseUrl: sim.apiUrl,
      apiKey: API_KEY,
      apiVersion: '2025-12-08',
      timeoutMs: 5_000,
      maxRetries: 0,
      clock: systemClock,
      random: () => 0.5,
      sleep,
      rateBudget: createRateBudget({ clock: systemClock, sleep }),
    });
  }

  it.each(STEP_ROWS)(
    '%s at step %i (%s): one call for the evidence, decided as documented',
    async (_key, step, _event, scenario) => {
      const persona = client();
      const id = inquiryIdFor(scenario.key);
      expect(sim.setStep(id, step)).toEqual({ ok: true });
      const ctx = { calls: 0 };
      let evidence = await persona.getInquiryEvidence(id, ctx);
      expect(ctx.calls).toBe(1);
      // Poll what is pending, as the pipeline does, a bounded number of times.
      for (let poll = 0; poll < 4; poll += 1) {
        const pending = evidence.verifications.find((v) => v.status === 'initiated');
        if (!pending) break;
        const fresh = await persona.getVerification(pending.id, ctx);
        evidence = { ...evidence, verifications: evidence.verifications.map((v) => (v.id === fresh.id ? fresh : v)) };
      }
      const decision = decide(withMatchDismissals(evidence, matchEventsAt(id, step)), policyFor(scenario));
      expect({ outcome: decision.outcome, reason: decision.reasons[0]?.code }).toEqual({
        outcome: scenario.steps[step]?.expectedOutcome,
        reason: scenario.steps[step]?.expectedReason,
      });
      expect(sim.stats().byInquiry[id]?.requests).toBe(ctx.calls);
    },
  );

  it('reports settles-after-polls as decided after the default two polls', async () => {
    const persona = client();
    const id = inquiryIdFor('settles-after-polls');
    const first = await persona.getInquiryEvidence(id);
    const selfie = first.verifications.find((v) => v.type === 'verification/selfie');
    expect(selfie?.status).toBe('initiated');
    expect((await persona.getVerification(selfie?.id ?? '')).status).toBe('initiated');
    expect((await persona.getVerification(selfie?.id ?? '')).status).toBe('passed');
  });
});

describe('Persona simulator: GET /events and the review actions', () => {
  it('lists the logged events newest first, filtered by name, 2 a page with page[after], valid against the spec', async () => {
    const sim = await start();
    const at = (minute: number) => `2026-11-29T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const names = [
      'inquiry.completed',
      'inquiry.approved',
      'inquiry.completed',
      'report/watchlist.ready',
      'inquiry.completed',
    ];
    names.forEach((name, i) => {
      const inquiryId = inquiryIdFor('all-passed', `ev${i}`);
      sim.logEvent({
        type: 'event',
        id: `evt_sim${i}`,
        attributes: {
          name,
          'created-at': at(i),
          payload: { data: { type: 'inquiry', id: inquiryId, attributes: { status: 'completed' } } },
        },
      });
    });
    const page1 = await get(sim, '/events?filter[name]=inquiry.completed&page[size]=2');
    expect(page1.status).toBe(200);
    expect(validator.validate(okBody('/events'), page1.body)).toEqual([]);
    const body1 = page1.body as unknown as { data: { id: string }[]; links: { next: string | null } };
    expect(body1.data.map((e) => e.id)).toEqual(['evt_sim4', 'evt_sim2']);
    expect(body1.links.next).toContain('page%5Bafter%5D=evt_sim2');
    const page2 = await get(sim, '/events?filter[name]=inquiry.completed&page[size]=2&page[after]=evt_sim2');
    const body2 = page2.body as unknown as { data: { id: string }[]; links: { next: string | null } };
    expect([body2.data.map((e) => e.id), body2.links.next]).toEqual([['evt_sim0'], null]);
    expect((await get(sim, '/events?page[size]=0')).status).toBe(400);
  });

  it('approves a completed inquiry once per Idempotency-Key, and refuses one Persona decided already (422)', async () => {
    const sim = await start();
    const inquiryId = inquiryIdFor('all-passed', 'review1');
    const post = async (action: string, key: string) => {
      const response = await fetch(`${sim.apiUrl}/inquiries/${inquiryId}/${action}`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ meta: { comment: 'test' } }),
      });
      return { status: response.status, body: (await response.json()) as JsonApiDoc };
    };
    const approved = await post('approve', 'dec_1');
    expect([approved.status, approved.body.data.attributes.status]).toEqual([200, 'approved']);
    expect(
      validator.validate(
        '#/paths/~1inquiries~1{inquiry-id}~1approve/post/responses/200/content/application~1json/schema',
        approved.body,
      ),
    ).toEqual([]);
    expect((await post('approve', 'dec_1')).status).toBe(200); // the same key: the same answer
    const refused = await post('decline', 'dec_2');
    expect(refused.status).toBe(422);
    expect((await get(sim, `/inquiries/${inquiryId}`)).body.data.attributes.status).toBe('approved');
    expect(sim.reviews().map((r) => [r.action, r.idempotencyKey])).toEqual([
      ['approve', 'dec_1'],
      ['approve', 'dec_1'],
      ['decline', 'dec_2'],
    ]);
  });
});
