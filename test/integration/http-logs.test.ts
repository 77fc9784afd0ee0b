import { createHash } from 'node:crypto';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenFingerprint } from '../../src/http/bearer-auth.js';
import { buildVerification } from '../../src/sim/persona-verifications.js';
import { buildInquiryEventBody } from '../helpers/persona-webhook.js';
import { createTestWorker, postWebhook } from '../helpers/pipeline.js';
import { interceptInquiry } from '../helpers/persona-nock.js';
import { createTestContext, TEST_API_TOKEN, TEST_DOWNSTREAM_SECRET, type TestContext } from '../helpers/test-app.js';

let ctx: TestContext;
afterEach(async () => {
  await ctx.cleanup();
});

const parsedLogs = () => ctx.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('request ids', () => {
  beforeEach(async () => {
    ctx = await createTestContext();
  });

  it('keeps a plain X-Request-Id from a proxy, answers with it and puts it on every log line of the request', async () => {
    const id = 'edge-4f1c2a9e-7b3d-4e21-9c0f-2d8e1a6b5c4d';
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/decisions/inq_none',
      headers: { 'x-request-id': id, authorization: 'Bearer wrong' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toBe(id);
    const lines = parsedLogs().filter((line) => line.reqId !== undefined);
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['bearer authentication failed', 'request rejected']),
    );
    for (const line of lines) expect(line.reqId).toBe(id);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['a newline', 'abc\ninjected'],
    ['spaces and quotes', 'abc "x" y'],
    ['a JSON fragment', '{"level":60}'],
  ])('replaces an X-Request-Id with %s by a fresh one', async (_why, sent) => {
    const res = await ctx.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': sent } });
    expect(res.statusCode).toBe(200);
    const answered = res.headers['x-request-id'];
    expect(answered).toMatch(/^[0-9a-f-]{36}$/);
    expect(answered).not.toBe(sent);
  });

  it('generates a different id for each request without one, on every answer (404 and errors too)', async () => {
    const ids = new Set<string>();
    for (const url of ['/healthz', '/healthz', '/no-such-route', '/decisions/inq_x']) {
      const res = await ctx.app.inject({ method: 'GET', url });
      ids.add(String(res.headers['x-request-id']));
    }
    expect(ids.size).toBe(4);
  });

  it('keeps the id when the webhook route names its event in later lines', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/persona',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-webhook-1' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(401);
    const rejected = parsedLogs().find((line) => String(line.msg).startsWith('webhook rejected'));
    expect(rejected).toMatchObject({ reqId: 'req-webhook-1' });
  });
});

describe('TRUST_PROXY', () => {
  /** A request as a proxy at 10.0.0.2 forwards it, for a client that sent its own X-Forwarded-For first. */
  async function clientIpSeen(trustProxy: string | undefined): Promise<unknown> {
    ctx = await createTestContext({ env: { TRUST_PROXY: trustProxy } });
    await ctx.app.inject({
      method: 'GET',
      url: '/deliveries',
      remoteAddress: '10.0.0.2',
      headers: { 'x-forwarded-for': '198.51.100.66, 203.0.113.7', authorization: 'Bearer nope' },
    });
    return parsedLogs().find((line) => line.msg === 'bearer authentication failed')?.ip;
  }

  it('is off by default: the peer is the client, whatever X-Forwarded-For says', async () => {
    expect(await clientIpSeen(undefined)).toBe('10.0.0.2');
  });

  it('believes the proxies it lists (one hop here: the last address before them is the client)', async () => {
    expect(await clientIpSeen('10.0.0.0/8')).toBe('203.0.113.7');
  });

  it('believes no proxy it does not list', async () => {
    expect(await clientIpSeen('192.168.0.0/16,::1')).toBe('10.0.0.2');
  });

  it('takes a hop count', async () => {
    expect(await clientIpSeen('1')).toBe('203.0.113.7');
  });

  it('with two hops, also believes the next proxy (a client-supplied address can then be taken for the client)', async () => {
    expect(await clientIpSeen('2')).toBe('198.51.100.66');
  });

  it('serves request.ip to a route (the same value the logs carry)', async () => {
    ctx = await createTestContext({ env: { TRUST_PROXY: 'loopback' } });
    ctx.app.get('/test-only/ip', async (request) => ({ ip: request.ip }));
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/test-only/ip',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(res.json()).toEqual({ ip: '203.0.113.9' });
  });
});

describe('bearer authentication logs', () => {
  beforeEach(async () => {
    ctx = await createTestContext();
  });

  it.each([
    ['missing', {}],
    ['malformed', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['unknown token', { authorization: 'Bearer not-a-configured-token-0123456789abcdef' }],
  ])('logs a failure (%s) at warn with the route, never the header', async (reason, headers) => {
    await ctx.app.inject({ method: 'POST', url: '/inquiries/inq_1/reprocess', headers });
    const failed = parsedLogs().filter((line) => line.msg === 'bearer authentication failed');
    expect(failed).toEqual([
      expect.objectContaining({ level: 40, route: '/inquiries/:inquiryId/reprocess', method: 'POST', reason }),
    ]);
    const text = ctx.logLines.join('\n');
    expect(text).not.toContain('dXNlcjpwYXNz');
    expect(text).not.toContain('not-a-configured-token');
  });

  it('never logs a valid token either', async () => {
    await ctx.app.inject({
      method: 'GET',
      url: '/decisions/inq_1',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(ctx.logLines.join('\n')).not.toContain(TEST_API_TOKEN);
  });
});

describe('operator actions', () => {
  beforeEach(async () => {
    ctx = await createTestContext();
  });

  it('name the token that made them by fingerprint: the first 8 hex digits of its SHA-256', async () => {
    const fingerprint = createHash('sha256').update(TEST_API_TOKEN).digest('hex').slice(0, 8);
    expect(tokenFingerprint(TEST_API_TOKEN)).toBe(fingerprint);
    await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_op1', inquiryId: 'inq_op1' }));
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/inquiries/inq_op1/reprocess',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(res.statusCode).toBe(202);
    const action = parsedLogs().find((line) => line.msg === 'inquiry re-queued by operator');
    expect(action).toMatchObject({ inquiryId: 'inq_op1', tokenFingerprint: fingerprint });
    expect(ctx.logLines.join('\n')).not.toContain(TEST_API_TOKEN);
  });

  it('redeliver and retry name the token too', async () => {
    await ctx.cleanup();
    ctx = await createTestContext({
      env: { DOWNSTREAM_URL: 'https://consumer.test/hooks', DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET },
    });
    nock.disableNetConnect();
    try {
      await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_op2', inquiryId: 'inq_op2' }));
      const passed = buildVerification({
        id: 'ver_op2',
        type: 'verification/government-id',
        status: 'passed',
        createdAt: '2026-11-29T09:00:00.000Z',
        checks: [{ name: 'id_expired_detection', status: 'passed' }],
      });
      interceptInquiry('inq_op2', [passed]);
      expect(await createTestWorker(ctx).runOnce()).toBe(1); // decided; its delivery waits in the queue
      const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };
      const redelivered = await ctx.app.inject({ method: 'POST', url: '/decisions/inq_op2/redeliver', headers: auth });
      expect(redelivered.statusCode).toBe(202);
      const retried = await ctx.app.inject({
        method: 'POST',
        url: `/deliveries/${redelivered.json().deliveryId}/retry`,
        headers: auth,
      });
      expect(retried.statusCode).toBe(202);
      const fingerprint = tokenFingerprint(TEST_API_TOKEN);
      for (const msg of ['decision redelivery queued', 'delivery re-queued by operator']) {
        expect(parsedLogs().find((line) => line.msg === msg)).toMatchObject({ tokenFingerprint: fingerprint });
      }
      expect(ctx.logLines.join('\n')).not.toContain(TEST_API_TOKEN);
    } finally {
      nock.cleanAll();
      nock.enableNetConnect();
    }
  });
});
