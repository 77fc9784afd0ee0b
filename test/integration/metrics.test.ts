import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { declaredMetrics, passedGovernmentId as passed, sampleValue, scrapeMetrics } from '../helpers/metrics.js';
import { buildInquiryEventBody, signedWebhookRequest } from '../helpers/persona-webhook.js';
import { createTestWorker, postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { interceptInquiry, PERSONA_BASE, PERSONA_ORIGIN } from '../helpers/persona-nock.js';
import { storeDialects } from '../store/dialects.js';
import {
  createTestContext,
  TEST_DOWNSTREAM_SECRET,
  TEST_WEBHOOK_SECRET,
  type TestContext,
} from '../helpers/test-app.js';

const CONSUMER = 'https://consumer.test';
const DOWNSTREAM = { DOWNSTREAM_URL: `${CONSUMER}/hooks`, DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET };

const contexts: TestContext[] = [];
const cleanups: Array<() => Promise<void>> = [];
async function context(env: Record<string, string> = {}, databaseUrl?: string): Promise<TestContext> {
  const ctx = await createTestContext({ env, ...(databaseUrl ? { databaseUrl } : {}) });
  contexts.push(ctx);
  return ctx;
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  for (const ctx of contexts.splice(0)) await ctx.cleanup();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Sends a webhook body as Persona would, signed `ageSeconds` ago (or unsigned), and returns the status. */
async function send(
  ctx: TestContext,
  body: object | string,
  opts: { ageSeconds?: number; secret?: string; headers?: Record<string, string> } = {},
): Promise<number> {
  const signed = signedWebhookRequest(body, {
    secrets: [opts.secret ?? TEST_WEBHOOK_SECRET],
    timestampSeconds: Math.floor(ctx.clock.now() / 1000) - (opts.ageSeconds ?? 0),
  });
  const headers = { ...signed.headers, ...opts.headers };
  const res = await ctx.app.inject({ method: 'POST', url: '/webhooks/persona', payload: signed.payload, headers });
  return res.statusCode;
}

const counter = (text: string, name: string, labels: Record<string, string>) => sampleValue(text, name, labels) ?? 0;

describe('GET /metrics', () => {
  it('counts webhooks by result, decisions by outcome and policy, Persona calls, deliveries and jobs', async () => {
    const ctx = await context(DOWNSTREAM);
    const body = buildInquiryEventBody({
      eventId: 'evt_m1',
      inquiryId: 'inq_m1',
      createdAt: '2026-11-29T09:59:00.000Z',
    });
    expect(await send(ctx, body)).toBe(200);
    expect(await send(ctx, body)).toBe(200); // the same event again: duplicate
    expect(await send(ctx, body, { secret: 'wbhsec_someone_else' })).toBe(401);
    expect(await send(ctx, body, { ageSeconds: 4 * 24 * 3600 })).toBe(401); // older than WEBHOOK_MAX_AGE_SECONDS
    expect(await send(ctx, { hello: 'world' })).toBe(400);
    expect(await send(ctx, 'x'.repeat(1024 * 1024 + 1))).toBe(413);
    expect(await send(ctx, body, { headers: { 'content-type': 'text/plain' } })).toBe(415);

    interceptInquiry('inq_m1', [passed('ver_m1')]);
    nock(CONSUMER).post('/hooks').reply(204);
    await runUntilIdle(ctx);
    // a later event that keeps the outcome: added to the decision's history, counted as unchanged
    const later = buildInquiryEventBody({
      eventId: 'evt_m2',
      inquiryId: 'inq_m1',
      name: 'inquiry.approved',
      createdAt: '2026-11-29T09:59:30.000Z',
    });
    expect(await send(ctx, later)).toBe(200);
    interceptInquiry('inq_m1', [passed('ver_m1')], 200, 'approved');
    await runUntilIdle(ctx);

    const text = await scrapeMetrics(ctx.app);
    const webhooks = (result: string) => counter(text, 'persona_decider_webhooks_total', { result });
    expect(
      [
        'stored',
        'duplicate',
        'signature',
        'stale',
        'invalid_body',
        'too_large',
        'unsupported_media_type',
        'ignored',
      ].map((result) => [result, webhooks(result)]),
    ).toEqual([
      ['stored', 2],
      ['duplicate', 1],
      ['signature', 1],
      ['stale', 1],
      ['invalid_body', 1],
      ['too_large', 1],
      ['unsupported_media_type', 1],
      ['ignored', 0],
    ]);
    expect(sampleValue(text, 'persona_decider_webhook_ack_seconds_count')).toBe(8);
    const decisions = { outcome: 'approved', policy_version: 'default-2' };
    expect(counter(text, 'persona_decider_decisions_total', { result: 'decided', ...decisions })).toBe(1);
    expect(counter(text, 'persona_decider_decisions_total', { result: 'unchanged', ...decisions })).toBe(1);
    expect(sampleValue(text, 'persona_decider_webhook_to_decision_seconds_count', { result: 'decided' })).toBe(1);
    expect(counter(text, 'persona_decider_persona_requests_total', { endpoint: 'inquiry', status: '200' })).toBe(2);
    expect(sampleValue(text, 'persona_decider_persona_request_duration_seconds_count', { endpoint: 'inquiry' })).toBe(
      2,
    );
    expect(counter(text, 'persona_decider_delivery_attempts_total', { result: 'delivered', status_class: '2xx' })).toBe(
      1,
    );
    expect(sampleValue(text, 'persona_decider_decision_to_delivered_seconds_count')).toBe(1);
    expect(counter(text, 'persona_decider_jobs_total', { kind: 'process_inquiry', result: 'done' })).toBe(2);
    expect(counter(text, 'persona_decider_jobs_total', { kind: 'deliver_decision', result: 'done' })).toBe(1);
    // labels are bounded: no id of an inquiry, event or verification ever becomes a label value
    expect(text).not.toMatch(/inq_m1|evt_m[12]|ver_m1/);
    expect(sampleValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts Persona answering 429, a network error and a timeout, each retry one request', async () => {
    const ctx = await context();
    await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_r1', inquiryId: 'inq_r1' }));
    const path = `${PERSONA_BASE}/inquiries/inq_r1`;
    nock(PERSONA_ORIGIN)
      .get(path)
      .query(true)
      .reply(429, { errors: [{ title: 'Too Many Requests' }] }, { 'Retry-After': '1' })
      .get(path)
      .query(true)
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .get(path)
      .query(true)
      // what fetch rejects with when AbortSignal.timeout fires
      .replyWithError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    interceptInquiry('inq_r1', [passed('ver_r1')]);
    await runUntilIdle(ctx);

    const text = await scrapeMetrics(ctx.app);
    const requests = (status: string) =>
      counter(text, 'persona_decider_persona_requests_total', { endpoint: 'inquiry', status });
    expect([requests('429'), requests('network_error'), requests('timeout'), requests('200')]).toEqual([1, 1, 1, 1]);
  });

  it('reads the gauges from the database, at most once per 5 s', async () => {
    const ctx = await context({ ...DOWNSTREAM, DOWNSTREAM_MAX_CLIENT_ERROR_ATTEMPTS: '1' });
    await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_g1', inquiryId: 'inq_g1' }));
    ctx.clock.advance(90_000);
    let text = await scrapeMetrics(ctx.app);
    expect(sampleValue(text, 'persona_decider_jobs_due', { kind: 'process_inquiry' })).toBe(1);
    expect(sampleValue(text, 'persona_decider_jobs_oldest_due_age_seconds', { kind: 'process_inquiry' })).toBe(90);
    expect(sampleValue(text, 'persona_decider_database_up')).toBe(1);

    await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_g2', inquiryId: 'inq_g2' }));
    text = await scrapeMetrics(ctx.app);
    expect(sampleValue(text, 'persona_decider_jobs_due', { kind: 'process_inquiry' })).toBe(1); // the cached read
    ctx.clock.advance(5_000);
    text = await scrapeMetrics(ctx.app);
    expect(sampleValue(text, 'persona_decider_jobs_due', { kind: 'process_inquiry' })).toBe(2);
    expect(sampleValue(text, 'persona_decider_jobs_oldest_due_age_seconds', { kind: 'process_inquiry' })).toBe(95);

    // inq_g1: Persona does not know it (failed); inq_g2: decided, and the consumer refuses it (dead letter)
    interceptInquiry('inq_g1', [], 404);
    interceptInquiry('inq_g2', [passed('ver_g2')]);
    nock(CONSUMER).post('/hooks').reply(400);
    // a job this version cannot read leaves the queue for failed_jobs; one another worker holds is running
    await ctx.database.db
      .insertInto('jobs')
      .values([
        { kind: 'process_inquiry', key: 'bad', queue: null, payload: '{}', attempts: 0, run_at: 0, created_at: 0 },
        {
          kind: 'deliver_decision',
          key: 'held',
          queue: null,
          payload: '{}',
          attempts: 1,
          run_at: 0,
          created_at: 0,
          locked_by: 'another-worker',
          locked_until: ctx.clock.now() + 3_600_000,
        },
      ])
      .execute();
    await createTestWorker(ctx).drain();
    ctx.clock.advance(5_000);
    text = await scrapeMetrics(ctx.app);
    expect(
      [
        'jobs_due',
        'jobs_running',
        'failed_jobs',
        'inquiries_failed',
        'deliveries_pending',
        'deliveries_dead_lettered',
      ].map((name) => [
        name,
        sampleValue(text, `persona_decider_${name}`, name.startsWith('jobs_') ? { kind: 'process_inquiry' } : {}),
      ]),
    ).toEqual([
      ['jobs_due', 0],
      ['jobs_running', 0],
      ['failed_jobs', 1],
      ['inquiries_failed', 1],
      ['deliveries_pending', 0],
      ['deliveries_dead_lettered', 1],
    ]);
    expect(sampleValue(text, 'persona_decider_jobs_running', { kind: 'deliver_decision' })).toBe(1);
    expect(counter(text, 'persona_decider_jobs_total', { kind: 'process_inquiry', result: 'failed' })).toBe(1);
    expect(
      counter(text, 'persona_decider_delivery_attempts_total', { result: 'dead_lettered', status_class: '4xx' }),
    ).toBe(1);
    // Persona said 299 of 300 left, the window resetting in 60 s; once it has, the whole limit is available again
    expect(sampleValue(text, 'persona_decider_persona_rate_budget_remaining', { budget: 'persona' })).toBe(299);
    expect(sampleValue(text, 'persona_decider_persona_rate_budget_limit', { budget: 'persona' })).toBe(300);
    ctx.clock.advance(62_000);
    text = await scrapeMetrics(ctx.app);
    expect(sampleValue(text, 'persona_decider_persona_rate_budget_remaining', { budget: 'persona' })).toBe(300);
  });

  const postgres = storeDialects.find((d) => d.dialect === 'postgres');
  it.skipIf(!postgres || postgres.skipReason !== null)(
    'on PostgreSQL reads the rate budget every replica shares from its row',
    async () => {
      if (!postgres) return;
      const database = await postgres.createDatabase();
      cleanups.push(database.cleanup);
      const ctx = await context({}, database.url);
      await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_p1', inquiryId: 'inq_p1' }));
      interceptInquiry('inq_p1', [passed('ver_p1')]);
      await runUntilIdle(ctx);
      const text = await scrapeMetrics(ctx.app);
      expect(sampleValue(text, 'persona_decider_persona_rate_budget_remaining', { budget: 'persona' })).toBe(299);
      expect(sampleValue(text, 'persona_decider_persona_rate_budget_limit', { budget: 'persona' })).toBe(300);
    },
  );

  it('still answers when the database does not: database_up 0, the last values kept', async () => {
    const ctx = await context();
    await postWebhook(ctx, buildInquiryEventBody());
    expect(sampleValue(await scrapeMetrics(ctx.app), 'persona_decider_jobs_due', { kind: 'process_inquiry' })).toBe(1);
    await ctx.database.close();
    ctx.clock.advance(5_000);
    const text = await scrapeMetrics(ctx.app);
    expect(sampleValue(text, 'persona_decider_database_up')).toBe(0);
    expect(sampleValue(text, 'persona_decider_jobs_due', { kind: 'process_inquiry' })).toBe(1);
    expect(ctx.logLines.filter((line) => line.includes('database gauges could not be read'))).toHaveLength(1);
  });

  it('keeps each app its own registry: two apps in one process count apart', async () => {
    const one = await context();
    const two = await context();
    await postWebhook(one, buildInquiryEventBody());
    expect(sampleValue(await scrapeMetrics(one.app), 'persona_decider_webhooks_total', { result: 'stored' })).toBe(1);
    expect(sampleValue(await scrapeMetrics(two.app), 'persona_decider_webhooks_total', { result: 'stored' })).toBe(0);
  });

  it('passes promtool-style naming: every family of the service is prefixed, counters end in _total', async () => {
    const ctx = await context();
    const families = declaredMetrics(await scrapeMetrics(ctx.app));
    const own = [...families].filter(([name]) => !/^(process|nodejs)_/.test(name));
    expect(own.length).toBeGreaterThan(15);
    for (const [name, type] of own) {
      expect(name).toMatch(/^persona_decider_[a-z_]+$/);
      expect(name.endsWith('_total')).toBe(type === 'counter');
    }
  });
});

describe('METRICS_TOKEN', () => {
  const token = 'metrics-scraper-token-0123456789abcdef';

  it('requires Authorization: Bearer <METRICS_TOKEN> when set', async () => {
    const ctx = await context({ METRICS_TOKEN: token });
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef0123456', `Basic ${token}`]) {
      const res = await ctx.app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
      expect([res.statusCode, res.headers['www-authenticate'], res.json().error.code]).toEqual([
        401,
        'Bearer',
        'UNAUTHORIZED',
      ]);
    }
    const text = await scrapeMetrics(ctx.app, { authorization: `Bearer ${token}` });
    expect(text).toContain('persona_decider_webhooks_total');
  });

  it('leaves /metrics open when unset', async () => {
    const ctx = await context();
    expect(await scrapeMetrics(ctx.app)).toContain('persona_decider_webhooks_total');
  });
});

describe('METRICS_ENABLED=false', () => {
  it('serves no /metrics and still takes webhooks', async () => {
    const ctx = await context({ METRICS_ENABLED: 'false' });
    expect((await ctx.app.inject({ url: '/metrics' })).statusCode).toBe(404);
    expect(await postWebhook(ctx, buildInquiryEventBody())).toMatchObject({ status: 'stored' });
  });
});
