import nock from 'nock';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDownstreamClient } from '../../src/downstream/client.js';
import type { DeliveryResult } from '../../src/downstream/client.js';
import { AppError, ErrorCodes } from '../../src/errors.js';
import { createManualClock } from '../../src/lib/clock.js';
import type { ManualClock } from '../../src/lib/clock.js';

const ORIGIN = 'https://consumer.test';
const PATH = '/hooks/decisions';
const SECRET = `whsec_${Buffer.from('downstream-secret-of-32-bytes!!!').toString('base64')}`;
const START_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
const BODY = JSON.stringify({ type: 'decision.created', data: { decisionId: 'dec_1', note: 'Zoë ✅' } });
const TIMEOUT_MS = 50;

interface Captured {
  headers: Record<string, string>;
  body: string;
}

let clock: ManualClock;

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
});
beforeEach(() => {
  clock = createManualClock(START_MS);
  // The reference verifier compares webhook-timestamp with Date; keep Date on the test clock (timers stay real).
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(START_MS);
});
afterEach(() => {
  nock.cleanAll();
  vi.useRealTimers();
});

function client(timeoutMs = 1000) {
  return createDownstreamClient({ url: `${ORIGIN}${PATH}`, signingSecret: SECRET, timeoutMs, clock });
}

function send(timeoutMs?: number, webhookId = 'dec_1'): Promise<DeliveryResult> {
  return client(timeoutMs).send({ webhookId, body: BODY });
}

/** Replies with `status` and records what the consumer received. */
function capture(status: number, into: Captured[]): nock.Scope {
  return nock(ORIGIN)
    .post(PATH)
    .reply(async (request: Request) => {
      into.push({ headers: Object.fromEntries(request.headers), body: await request.text() });
      return [status, 'ok'];
    });
}

describe('downstream client', () => {
  it('reports 200 as delivered', async () => {
    const scope = nock(ORIGIN).post(PATH).reply(200, { received: true });
    expect(await send()).toEqual({ ok: true, status: 200, durationMs: 0 });
    expect(scope.isDone()).toBe(true);
  });

  it('reports 204 as delivered', async () => {
    nock(ORIGIN).post(PATH).reply(204);
    expect(await send()).toMatchObject({ ok: true, status: 204 });
  });

  it('measures the attempt on the injected clock', async () => {
    nock(ORIGIN)
      .post(PATH)
      .reply(() => {
        clock.advance(250);
        return [200, ''];
      });
    expect(await send()).toMatchObject({ ok: true, durationMs: 250 });
  });

  it.each([500, 502, 503, 408])('treats HTTP %i as retryable', async (status) => {
    nock(ORIGIN).post(PATH).reply(status, 'try later');
    expect(await send()).toEqual({
      ok: false,
      retryable: true,
      status,
      retryAfterMs: null,
      error: `HTTP ${status}`,
      durationMs: 0,
    });
  });

  it('treats 429 as retryable and honours Retry-After in seconds', async () => {
    nock(ORIGIN).post(PATH).reply(429, 'slow down', { 'Retry-After': '30' });
    expect(await send()).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 30_000 });
  });

  it('reads a Retry-After HTTP-date relative to the clock when the response arrives', async () => {
    nock(ORIGIN)
      .post(PATH)
      .reply(() => {
        clock.advance(10_000);
        return [503, '', { 'Retry-After': 'Thu, 01 Jan 2026 12:01:00 GMT' }];
      });
    expect(await send()).toMatchObject({ retryable: true, status: 503, retryAfterMs: 50_000 });
  });

  it.each([400, 401, 404, 410, 422])('treats HTTP %i as not retryable', async (status) => {
    nock(ORIGIN).post(PATH).reply(status, 'no', { 'Retry-After': '5' });
    expect(await send()).toEqual({
      ok: false,
      retryable: false,
      status,
      retryAfterMs: null,
      error: `HTTP ${status}`,
      durationMs: 0,
    });
  });

  it('does not follow a redirect with the signed body, and reports it as not retryable', async () => {
    nock(ORIGIN).post(PATH).reply(307, '', { Location: 'https://elsewhere.test/hook' });
    const elsewhere = nock('https://elsewhere.test').post('/hook').reply(200);
    expect(await send()).toMatchObject({ ok: false, retryable: false, status: 307, error: 'HTTP 307' });
    expect(elsewhere.isDone()).toBe(false);
  });

  it('gives up after timeoutMs and reports a retryable timeout', async () => {
    // nock 15's .delay() only holds back the end of the body for fetch, so hold the whole response instead.
    let release: () => void = () => undefined;
    nock(ORIGIN)
      .post(PATH)
      .reply(() => new Promise<[number, string]>((resolve) => (release = () => resolve([200, 'too late']))));
    const result = await send(TIMEOUT_MS);
    release();
    expect(result).toEqual({
      ok: false,
      retryable: true,
      status: null,
      retryAfterMs: null,
      error: `timeout after ${TIMEOUT_MS} ms`,
      durationMs: 0,
    });
  });

  it('times out through nock .delay() too, when the reply is an error that arrives late', async () => {
    nock(ORIGIN).post(PATH).delay(500).replyWithError(new Error('late'));
    expect(await send(TIMEOUT_MS)).toMatchObject({
      ok: false,
      retryable: true,
      error: `timeout after ${TIMEOUT_MS} ms`,
    });
  });

  it('reports a refused connection as retryable, by its error code', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    nock(ORIGIN)
      .post(PATH)
      .replyWithError(new TypeError('fetch failed', { cause: refused }));
    expect(await send()).toEqual({
      ok: false,
      retryable: true,
      status: null,
      retryAfterMs: null,
      error: 'ECONNREFUSED',
      durationMs: 0,
    });
  });

  it('reports any other network failure as retryable', async () => {
    nock(ORIGIN).post(PATH).replyWithError('socket hang up');
    expect(await send()).toMatchObject({
      ok: false,
      retryable: true,
      status: null,
      error: 'network error: socket hang up',
    });
  });

  it('drains a large success body and still reports delivery', async () => {
    nock(ORIGIN)
      .post(PATH)
      .reply(200, 'x'.repeat(1024 * 1024));
    expect(await send()).toMatchObject({ ok: true, status: 200 });
  });

  it('sends Standard Webhooks headers and a body the standardwebhooks library verifies', async () => {
    const seen: Captured[] = [];
    capture(200, seen);
    await send(undefined, 'dec_01JH8Z');
    const [request] = seen;
    expect(request?.body).toBe(BODY);
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'dec_01JH8Z',
      'webhook-timestamp': String(START_MS / 1000),
    });
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(SECRET).verify(request?.body ?? '', request?.headers ?? {})).toEqual(JSON.parse(BODY));
  });

  it('keeps the webhook-id across retries but signs each attempt with a fresh timestamp', async () => {
    const seen: Captured[] = [];
    capture(503, seen);
    capture(200, seen);
    const downstream = client();
    expect((await downstream.send({ webhookId: 'dec_1', body: BODY })).ok).toBe(false);
    clock.advance(90_000);
    vi.setSystemTime(clock.now());
    expect((await downstream.send({ webhookId: 'dec_1', body: BODY })).ok).toBe(true);

    expect(seen.map((r) => r.headers['webhook-id'])).toEqual(['dec_1', 'dec_1']);
    expect(seen.map((r) => r.headers['webhook-timestamp'])).toEqual([
      String(START_MS / 1000),
      String(START_MS / 1000 + 90),
    ]);
    const last = seen[1];
    expect(() => new Webhook(SECRET).verify(last?.body ?? '', last?.headers ?? {})).not.toThrow();
  });

  it('throws, rather than reporting a network failure, for a webhook-id that cannot be a header', async () => {
    await expect(send(undefined, 'dec\n1')).rejects.toThrow(TypeError);
  });

  it.each([
    ['an unparseable url', { url: 'not a url' }],
    ['a non-http url', { url: 'ftp://consumer.test/hook' }],
    ['a url with credentials', { url: 'https://user:pass@consumer.test/hook' }],
    ['a malformed secret', { signingSecret: 'whsec_***' }],
    ['a zero timeout', { timeoutMs: 0 }],
  ])('refuses to start with %s', (_name, override) => {
    const make = () =>
      createDownstreamClient({ url: `${ORIGIN}${PATH}`, signingSecret: SECRET, timeoutMs: 1000, clock, ...override });
    expect(make).toThrow(AppError);
    expect(make).toThrow(expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }));
  });
});
