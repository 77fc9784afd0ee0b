import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPersonaPayload } from '../../src/persona/signature.js';
import { buildInquiryEventBody } from '../helpers/persona-webhook.js';
import { postWebhook } from '../helpers/pipeline.js';
import { listRoutes, type RouteEntry } from '../helpers/route-table.js';
import {
  createTestContext,
  TEST_API_TOKEN,
  TEST_DOWNSTREAM_SECRET,
  TEST_WEBHOOK_SECRET,
  type TestContext,
} from '../helpers/test-app.js';

/**
 * Property-based fuzzing of every route through app.inject: random methods, paths (real routes with random params,
 * and made-up ones), query strings, headers (good and bad tokens and signatures among them) and bodies (good and
 * bad Persona events, JSON, text, bytes). The app must never answer a 5xx other than a documented 503, never throw,
 * keep every error in the `{ error: { code, message } }` shape, and stay healthy. A failure prints fast-check's seed
 * and the shrunk counterexample; replay it with FUZZ_SEED=<seed> (and FUZZ_PATH=<path>).
 */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const PATH = process.env.FUZZ_PATH;

/** The 503s the API documents: the webhook's (nothing stored, Persona retries) and /readyz's. */
const DOCUMENTED_503 = new Set(['DATABASE_UNAVAILABLE', 'INTAKE_OVERLOADED']);
const SEEDED_INQUIRY = 'inq_FuzzSeed0001';
const READ_TOKEN = 'fuzz-read-token-0123456789abcdef0123456789';

let ctx: TestContext;
let routes: RouteEntry[];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  ctx = await createTestContext({
    env: {
      DOWNSTREAM_URL: 'https://hooks.example/decisions',
      DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET,
      API_READ_TOKENS: `viewer:${READ_TOKEN}`,
    },
  });
  await ctx.app.ready();
  routes = listRoutes(ctx.app);
  // something for the id routes to find
  await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_FuzzSeed0001', inquiryId: SEEDED_INQUIRY }));
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await ctx.cleanup();
});

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), printable);
const idLike = fc.stringMatching(/^[A-Za-z0-9_-]{1,200}$/);

/** A path parameter: a real id, an id-shaped string of any length, or anything at all (encoded or not). */
const param = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(SEEDED_INQUIRY, 'msg_0123456789abcdef', 'inq_unknown') },
  idLike,
  anyText.map(encodeURIComponent),
  // raw, as a client may send it (a backslash only trips the test client's own URL parser)
  printable.filter((s) => !/[\s?#\\]/.test(s)),
);

/** A real route with its params filled in, or a path that is no route at all. */
const path = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(param, { minLength: 0, maxLength: 4 }).map((parts) => `/${parts.join('/')}`) },
);

const queryString = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom('limit', 'cursor', 'status', 'referenceId', 'include', 'since', 'until'),
      fc.constantFrom('outcome', 'reviewed', 'order', 'target', 'inquiryId'),
      printable,
    ),
    fc.oneof(
      fc.constantFrom('1', '50', '200', '0', '-1', '1e3', 'pending', 'failed', 'delivered', 'user_1'),
      fc.constantFrom('decided', 'manual_review', 'true', 'false', 'oldest', 'newest', SEEDED_INQUIRY),
      fc.constantFrom('2026-02-30T10:00:00Z', '+275760-09-13T00:00:00Z', '2026-11-29T24:00:00Z'),
      fc.constantFrom('2026-11-29T10:00:00Z', '2026-11-29T10:00:00.123456+14:00', '0000-01-01T00:00:00-23:59'),
      anyText,
      fc.string().map((s) => `cur_${s}`),
    ),
    { maxKeys: 4 },
  )
  .map((q) =>
    Object.entries(q)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&'),
  );

/** A Persona event body, well-formed or with random ids, names and timestamps. */
const personaEvent = fc
  .record({
    eventId: fc.oneof({ weight: 4, arbitrary: idLike }, anyText),
    inquiryId: fc.oneof(fc.constant(SEEDED_INQUIRY), { weight: 3, arbitrary: idLike }, anyText),
    name: fc.oneof(
      fc.constantFrom('inquiry.completed', 'inquiry.approved', 'report/watchlist.ready', 'account.created'),
      anyText,
    ),
    createdAt: fc.oneof(fc.constant('2026-11-29T09:59:00.000Z'), anyText),
    inflection: fc.constantFrom('kebab' as const, 'camel' as const, 'snake' as const),
  })
  .map((o) => JSON.stringify(buildInquiryEventBody(o)));

const body = fc.oneof(
  fc.constant(undefined),
  fc.json(),
  anyText,
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  // a Persona event, well-formed or with random ids and names
  { weight: 4, arbitrary: personaEvent },
  // an operator action's body: a review, a note
  fc
    .record({
      outcome: fc.oneof(fc.constantFrom('approved', 'declined', 'retry', 'manual_review'), anyText),
      note: anyText,
      sequence: fc.oneof(fc.integer(), fc.double(), anyText),
    })
    .map((b) => JSON.stringify(b)),
);

const headers = fc.record(
  {
    authorization: fc.oneof(
      { weight: 4, arbitrary: fc.constant(`Bearer ${TEST_API_TOKEN}`) },
      fc.constant(`Bearer ${READ_TOKEN}`),
      fc.constant(`bearer  ${TEST_API_TOKEN} `),
      printable.map((t) => `Bearer ${t}`),
      printable,
    ),
    'content-type': fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
      fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded'),
      printable,
    ),
    /** `valid` signs the body with the real secret (now, or out of the window); otherwise anything. */
    signature: fc.oneof({ weight: 4, arbitrary: fc.constant('valid') }, fc.constantFrom('stale', 'future'), printable),
    'x-request-id': printable,
    'x-forwarded-for': printable,
    accept: printable,
  },
  { requiredKeys: ['content-type'] },
);

const requests = fc.record({
  route: fc.integer({ min: 0, max: 1000 }),
  path,
  params: fc.array(param, { minLength: 3, maxLength: 3 }),
  method: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) }, // the route's own method
    { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') },
  ),
  query: fc.option(queryString),
  headers,
  body,
});

type FuzzRequest = typeof requests extends fc.Arbitrary<infer T> ? T : never;

function toInject(r: FuzzRequest): InjectOptions {
  const route = routes[r.route % routes.length] as RouteEntry;
  let params = [...r.params];
  const url = r.path ?? route.url.replace(/:[A-Za-z]+/g, () => params.shift() ?? ((params = [...r.params]), 'x'));
  const method = (r.method ?? route.methods[r.route % route.methods.length] ?? 'GET') as InjectOptions['method'];
  const { signature, ...rest } = r.headers;
  const injected: Record<string, string> = { ...rest };
  const payload = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : r.body;
  if (signature !== undefined) {
    const nowSeconds = Math.floor(ctx.clock.now() / 1000);
    const offsets: Record<string, number> = { valid: 0, stale: -4 * 24 * 3600, future: 3600 };
    const offset = offsets[signature];
    injected['persona-signature'] =
      offset === undefined ? signature : signPersonaPayload(payload ?? '', TEST_WEBHOOK_SECRET, nowSeconds + offset);
  }
  return {
    method,
    url: r.query ? `${url}?${r.query}` : url,
    headers: injected,
    ...(payload === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload }),
  };
}

describe('every route, fuzzed', () => {
  it('finds the routes it fuzzes in the app itself', () => {
    const urls = routes.map((r) => r.url);
    for (const url of ['/healthz', '/readyz', '/webhooks/persona', '/decisions/:inquiryId', '/jobs/failed']) {
      expect(urls).toContain(url);
    }
  });

  it('never answers a 5xx other than a documented 503, keeps errors in shape, and stays healthy', async () => {
    await fc.assert(
      fc.asyncProperty(requests, async (r) => {
        const res = await ctx.app.inject(toInject(r));
        if (res.statusCode >= 500) {
          expect(res.statusCode).toBe(503);
          expect(DOCUMENTED_503.has(res.json().error.code)).toBe(true);
        }
        expect(res.headers['x-request-id']).toBeDefined();
        if (res.statusCode >= 400 && res.body !== '') {
          expect(res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        }
        const health = await ctx.app.inject({ method: 'GET', url: '/healthz' });
        expect(health.statusCode).toBe(200);
      }),
      { numRuns: NUM_RUNS, ...(SEED === undefined ? {} : { seed: SEED }), ...(PATH ? { path: PATH } : {}) },
    );
    expect((await ctx.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(unhandled).toEqual([]);
  });

  it('answers a signed webhook of any content with 200 or a 4xx, never a 5xx', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(personaEvent, fc.integer({ min: -400, max: 400 }), async (payload, skewSeconds) => {
        const timestamp = Math.floor(ctx.clock.now() / 1000) + skewSeconds;
        const res = await ctx.app.inject({
          method: 'POST',
          url: '/webhooks/persona',
          headers: {
            'content-type': 'application/json',
            'persona-signature': signPersonaPayload(payload, TEST_WEBHOOK_SECRET, timestamp),
          },
          payload,
        });
        statuses.add(res.statusCode);
        expect([200, 400, 401]).toContain(res.statusCode);
      }),
      {
        numRuns: Math.ceil(NUM_RUNS / 3),
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(PATH ? { path: PATH } : {}),
      },
    );
    // both sides were exercised: events stored, and envelopes refused
    expect(statuses).toContain(200);
    expect(statuses).toContain(400);
    expect(unhandled).toEqual([]);
  });
});
