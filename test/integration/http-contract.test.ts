import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { DecisionStore } from '../../src/store/decision-store.js';
import { engineDecision } from '../helpers/decision-fixtures.js';
import { createTestWorker } from '../helpers/pipeline.js';
import { buildInquiryEventBody, signedWebhookRequest } from '../helpers/persona-webhook.js';
import {
  createTestContext,
  TEST_API_TOKEN,
  TEST_DOWNSTREAM_SECRET,
  TEST_WEBHOOK_SECRET,
  type TestContext,
} from '../helpers/test-app.js';

/**
 * What a client sees, exactly: status, body and the headers that matter, for every route and every way it answers.
 * The other integration suites check behaviour; this one pins the wire format so that refactoring the edge cannot
 * change it unnoticed.
 */
const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };
const EVENT_CREATED_AT = '2026-11-29T09:59:00.000Z';

let ctx: TestContext;
beforeEach(async () => {
  ctx = await createTestContext({
    env: { DOWNSTREAM_URL: 'https://consumer.test/hooks', DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET },
  });
});
afterEach(async () => {
  await ctx.cleanup();
});

async function call(options: InjectOptions): Promise<{ status: number; body: unknown; res: LightMyRequestResponse }> {
  const res = await ctx.app.inject(options);
  return { status: res.statusCode, body: res.json(), res };
}

const error = (code: string, message: string) => ({ error: { code, message } });

function signed(body: object | string, secret = TEST_WEBHOOK_SECRET): InjectOptions {
  const request = signedWebhookRequest(body, {
    secrets: [secret],
    timestampSeconds: Math.floor(ctx.clock.now() / 1000),
  });
  return { method: 'POST', url: '/webhooks/persona', payload: request.payload, headers: request.headers };
}

async function receive(inquiryId: string): Promise<void> {
  expect(
    (await call(signed(buildInquiryEventBody({ eventId: `evt_${inquiryId}`, inquiryId, createdAt: EVENT_CREATED_AT }))))
      .status,
  ).toBe(200);
}

async function decide(inquiryId: string) {
  await receive(inquiryId);
  const saved = await ctx.decisions.save(
    engineDecision({ inquiryId, eventId: `evt_${inquiryId}`, eventCreatedAt: EVENT_CREATED_AT }),
  );
  if (!saved) throw new Error('not saved');
  return saved;
}

describe('POST /webhooks/persona answers', () => {
  it('200 with the event id and what became of it', async () => {
    const { status, body, res } = await call(signed(buildInquiryEventBody({ eventId: 'evt_c1', inquiryId: 'inq_c1' })));
    expect([status, body]).toEqual([200, { received: true, eventId: 'evt_c1', status: 'stored' }]);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('401 SIGNATURE_INVALID to a body signed with another secret', async () => {
    const { status, body } = await call(signed(buildInquiryEventBody(), 'wbhsec_attacker'));
    expect([status, body]).toEqual([401, error('SIGNATURE_INVALID', 'signature verification failed')]);
  });

  it('400 EVENT_INVALID, saying why, to a signed body that is not an event', async () => {
    const { status, body } = await call(signed('{"data": '));
    expect([status, body]).toEqual([400, error('EVENT_INVALID', 'not a Persona event envelope: the body is not JSON')]);
  });

  it('413 BODY_TOO_LARGE and 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const large = buildInquiryEventBody() as { data: { attributes: Record<string, unknown> } };
    large.data.attributes.padding = 'x'.repeat(1024 * 1024);
    expect(await call(signed(large))).toMatchObject({
      status: 413,
      body: error('BODY_TOO_LARGE', 'request body is too large'),
    });
    const plain = signed(buildInquiryEventBody());
    const { status, body } = await call({ ...plain, headers: { ...plain.headers, 'content-type': 'text/plain' } });
    expect([status, body]).toEqual([415, error('UNSUPPORTED_MEDIA_TYPE', 'content type must be application/json')]);
  });

  it('503 DATABASE_UNAVAILABLE when the event cannot be stored', async () => {
    await ctx.database.close();
    const { status, body } = await call(signed(buildInquiryEventBody()));
    expect([status, body]).toEqual([503, error('DATABASE_UNAVAILABLE', 'temporarily unable to store the event')]);
  });
});

describe('health answers', () => {
  it('200 on /healthz and /readyz, 503 with a status beside the error on /readyz without a database', async () => {
    expect(await call({ url: '/healthz' })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call({ url: '/readyz' })).toMatchObject({ status: 200, body: { status: 'ready' } });
    await ctx.database.close();
    const { status, body } = await call({ url: '/readyz' });
    expect([status, body]).toEqual([
      503,
      { status: 'unavailable', ...error('DATABASE_UNAVAILABLE', 'database unreachable') },
    ]);
  });
});

describe('operations and read API answers', () => {
  it.each([
    ['GET', '/decisions/inq_1'],
    ['GET', '/decisions?referenceId=user-1'],
    ['POST', '/decisions/inq_1/redeliver'],
    ['POST', '/inquiries/inq_1/reprocess'],
    ['GET', '/deliveries'],
    ['POST', '/deliveries/msg_1/retry'],
  ] as const)('401 UNAUTHORIZED with WWW-Authenticate: Bearer on %s %s without a valid token', async (method, url) => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }]) {
      const { status, body, res } = await call({ method, url, headers });
      expect([status, body]).toEqual([401, error('UNAUTHORIZED', 'a valid bearer token is required')]);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    }
  });

  it.each([
    ['GET', '/decisions/inq%20bad', 'malformed inquiry id'],
    ['POST', '/decisions/inq%20bad/redeliver', 'malformed inquiry id'],
    ['POST', '/inquiries/inq%20bad/reprocess', 'malformed inquiry id'],
    ['POST', '/deliveries/not-a-delivery/retry', 'malformed delivery id'],
  ] as const)('400 BAD_REQUEST naming the field on %s %s', async (method, url, message) => {
    const { status, body } = await call({ method, url, headers: auth });
    expect([status, body]).toEqual([400, error('BAD_REQUEST', message)]);
  });

  it.each([
    ['status=lost', 'status Invalid option: expected one of "pending"|"failed"|"delivered"'],
    ['limit=0', 'limit Too small: expected number to be >=1'],
    ['limit=201', 'limit Too big: expected number to be <=200'],
    ['limit=abc', 'limit Invalid input: expected number, received NaN'],
    ['limit=1.5', 'limit Invalid input: expected int, received number'],
    ['cursor=garbage', 'cursor is not a cursor from a previous page'],
    [
      'status=lost&limit=0',
      'status Invalid option: expected one of "pending"|"failed"|"delivered"; limit Too small: expected number to be >=1',
    ],
  ])('400 BAD_REQUEST naming the field on GET /deliveries?%s', async (query, problems) => {
    const { status, body } = await call({ url: `/deliveries?${query}`, headers: auth });
    expect([status, body]).toEqual([400, error('BAD_REQUEST', `invalid query: ${problems}`)]);
  });

  it.each([
    ['referenceId=', 'referenceId Too small: expected string to have >=1 characters'],
    ['status=lost', 'status Invalid option: expected one of "decided"|"processing"|"failed"'],
    ['reviewed=maybe', 'reviewed Invalid option: expected one of "true"|"false"'],
    ['since=yesterday', 'since must be an ISO-8601 instant'],
    ['referenceId=u&limit=0', 'limit Too small: expected number to be >=1'],
    ['referenceId=u&cursor=garbage', 'cursor is not a cursor from a previous page'],
  ])('400 BAD_REQUEST naming the field on GET /decisions?%s', async (query, problems) => {
    const { status, body } = await call({ url: `/decisions?${query}`, headers: auth });
    expect([status, body]).toEqual([400, error('BAD_REQUEST', `invalid query: ${problems}`)]);
  });

  it("GET /decisions?referenceId lists the reference id's decisions, a page at a time", async () => {
    await receive('inq_list');
    const decision = await decide('inq_list');
    const referenceId = decision.evidence.referenceId ?? '';
    const { status, body } = await call({ url: `/decisions?referenceId=${referenceId}&limit=1`, headers: auth });
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [
        {
          decisionId: decision.decisionId,
          inquiryId: 'inq_list',
          sequence: 1,
          outcome: decision.outcome,
          reasons: decision.reasons,
          decidedAt: decision.decidedAt,
          policyVersion: decision.policyVersion,
          eventId: decision.eventId,
          eventName: decision.eventName,
          personaStatus: decision.evidence.inquiryStatus,
          referenceId,
          accountId: decision.evidence.accountId,
          templateId: decision.evidence.templateId,
          status: 'decided',
          review: null,
        },
      ],
      nextCursor: null,
    });
  });

  it.each([
    ['GET', '/decisions/inq_none', 'no decision for this inquiry'],
    ['POST', '/decisions/inq_none/redeliver', 'no decision for this inquiry'],
    ['POST', '/inquiries/inq_none/reprocess', 'no such inquiry'],
    ['POST', '/deliveries/msg_none/retry', 'no such delivery'],
    ['GET', '/no/such/route', 'no such route'],
    ['GET', '/webhooks/persona', 'no such route'],
  ] as const)('404 NOT_FOUND on %s %s', async (method, url, message) => {
    const { status, body } = await call({ method, url, headers: auth });
    expect([status, body]).toEqual([404, error('NOT_FOUND', message)]);
  });

  it('400 BAD_REQUEST to a malformed JSON body on a route that takes none', async () => {
    const headers = { ...auth, 'content-type': 'application/json' };
    const { status, body } = await call({
      method: 'POST',
      url: '/inquiries/inq_1/reprocess',
      headers,
      payload: '{nope',
    });
    expect([status, body]).toEqual([
      400,
      error('BAD_REQUEST', "Body is not valid JSON but content-type is set to 'application/json'"),
    ]);
  });

  it('GET /decisions/:inquiryId: 200 while processing, then with the decision', async () => {
    await receive('inq_view');
    const processing = {
      inquiryId: 'inq_view',
      status: 'processing',
      outcome: null,
      reasons: [],
      decidedAt: null,
      policyVersion: null,
      sequence: null,
      decisionId: null,
      eventId: null,
      eventName: null,
      personaStatus: null,
      referenceId: null,
      accountId: null,
      templateId: null,
      evidence: null,
      personaCalls: null,
      history: [],
      error: null,
      writeBack: null,
      shadow: null,
      review: null,
    };
    const before = await call({ url: '/decisions/inq_view', headers: auth });
    expect([before.status, before.body]).toEqual([200, processing]);
    const decision = await decide('inq_view');
    const { status, body } = await call({ url: '/decisions/inq_view', headers: auth });
    expect(status).toBe(200);
    expect(body).toEqual({
      inquiryId: 'inq_view',
      status: 'decided',
      outcome: decision.outcome,
      reasons: decision.reasons,
      decidedAt: decision.decidedAt,
      policyVersion: decision.policyVersion,
      sequence: decision.sequence,
      decisionId: decision.decisionId,
      eventId: decision.eventId,
      eventName: decision.eventName,
      personaStatus: decision.evidence.inquiryStatus,
      referenceId: decision.evidence.referenceId,
      accountId: decision.evidence.accountId,
      templateId: decision.evidence.templateId,
      evidence: decision.evidence,
      personaCalls: decision.personaCalls,
      history: [],
      error: null,
      writeBack: null,
      shadow: null,
      review: null,
    });
  });

  it('POST /inquiries/:inquiryId/reprocess: 202 with the inquiry id', async () => {
    await receive('inq_again');
    const { status, body } = await call({ method: 'POST', url: '/inquiries/inq_again/reprocess', headers: auth });
    expect([status, body]).toEqual([202, { inquiryId: 'inq_again', status: 'processing' }]);
  });

  it('GET /deliveries, POST …/redeliver and POST …/retry: the delivery view; 409 CONFLICT once delivered', async () => {
    const decision = await decide('inq_del');
    const view = {
      decisionId: decision.decisionId,
      inquiryId: 'inq_del',
      sequence: 1,
      status: 'pending',
      attempts: 0,
      lastStatus: null,
      lastError: null,
      nextAttemptAt: '2026-11-29T10:00:00.000Z',
      createdAt: '2026-11-29T10:00:00.000Z',
      deliveredAt: null,
    };
    const list = await call({ url: '/deliveries', headers: auth });
    const [first] = (list.body as { items: { deliveryId: string }[] }).items;
    const id = first?.deliveryId;
    expect(list).toMatchObject({ status: 200 });
    expect(list.body).toEqual({ items: [{ deliveryId: id, webhookId: id, ...view }], nextCursor: null });

    const redelivered = await call({ method: 'POST', url: '/decisions/inq_del/redeliver', headers: auth });
    const againId = (redelivered.body as { deliveryId: string }).deliveryId;
    expect(againId).not.toBe(id);
    expect([redelivered.status, redelivered.body]).toEqual([202, { deliveryId: againId, webhookId: againId, ...view }]);

    const retried = await call({ method: 'POST', url: `/deliveries/${id}/retry`, headers: auth });
    expect([retried.status, retried.body]).toEqual([202, { deliveryId: id, webhookId: id, ...view }]);

    await ctx.deliveries.markDelivered(id as string, { attempts: 1, lastStatus: 204, lastError: null });
    const conflict = await call({ method: 'POST', url: `/deliveries/${id}/retry`, headers: auth });
    expect([conflict.status, conflict.body]).toEqual([
      409,
      error('CONFLICT', 'delivery already acknowledged; use redeliver to send it again'),
    ]);
  });
});

describe('response schemas', () => {
  it('answer 500 INTERNAL, saying nothing of why, when a reply does not match its schema', async () => {
    const decisions = {
      ...ctx.decisions,
      getInquiryView: async () => ({ inquiryId: 'inq_odd', status: 'pondering', error: null, decision: null }),
    };
    const app = await buildApp({
      ...ctx.deps,
      decisions: decisions as unknown as DecisionStore,
      onEnqueued: () => undefined,
    });
    try {
      const res = await app.inject({ url: '/decisions/inq_odd', headers: auth });
      expect([res.statusCode, res.json()]).toEqual([500, error('INTERNAL', 'internal error')]);
      expect(ctx.logLines.filter((l) => l.includes('request failed'))).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});

describe('without downstream delivery', () => {
  it('POST /decisions/:inquiryId/redeliver answers 409 CONFLICT', async () => {
    await ctx.cleanup();
    ctx = await createTestContext();
    await decide('inq_nowhere');
    const { status, body } = await call({ method: 'POST', url: '/decisions/inq_nowhere/redeliver', headers: auth });
    expect([status, body]).toEqual([409, error('CONFLICT', 'downstream delivery is not configured (DOWNSTREAM_URL)')]);
  });

  it('POST /decisions/:inquiryId/redeliver answers 409 CONFLICT before looking for the decision', async () => {
    await ctx.cleanup();
    ctx = await createTestContext();
    const { status, body } = await call({ method: 'POST', url: '/decisions/inq_never_seen/redeliver', headers: auth });
    expect([status, body]).toEqual([409, error('CONFLICT', 'downstream delivery is not configured (DOWNSTREAM_URL)')]);
  });
});

describe('GET /jobs/failed answers', () => {
  it('200 with the jobs that can never run, newest first, each naming its bad fields', async () => {
    await receive('inq_badjob');
    // the inquiry's job as another version might have left it: a payload this version cannot read
    await ctx.database.db
      .updateTable('jobs')
      .set({ payload: JSON.stringify({ eventId: 'evt_inq_badjob' }) })
      .execute();
    const worker = createTestWorker(ctx);
    expect(await worker.drain()).toBe(1);
    const { status, body } = await call({ method: 'GET', url: '/jobs/failed', headers: auth });
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [
        {
          id: expect.any(Number),
          kind: 'process_inquiry',
          key: 'process:evt_inq_badjob',
          queue: 'inquiry:inq_badjob',
          attempts: 1,
          lastError: expect.stringMatching(/^invalid process_inquiry payload: inquiryId: .*; eventCreatedAt: /),
          createdAt: new Date(ctx.clock.now()).toISOString(),
          failedAt: new Date(ctx.clock.now()).toISOString(),
        },
      ],
    });
  });

  it('401 without a token and 400 naming a bad limit', async () => {
    expect((await call({ method: 'GET', url: '/jobs/failed' })).status).toBe(401);
    const { status, body } = await call({ method: 'GET', url: '/jobs/failed?limit=0', headers: auth });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringContaining('limit') } });
  });
});

describe('path parameters', () => {
  it('takes an inquiry id of the longest length Persona ids may have here (128)', async () => {
    const inquiryId = `inq_${'a'.repeat(124)}`;
    expect(
      (await call(signed(buildInquiryEventBody({ eventId: 'evt_long', inquiryId, createdAt: EVENT_CREATED_AT }))))
        .status,
    ).toBe(200);
    await ctx.decisions.save(engineDecision({ inquiryId, eventId: 'evt_long', eventCreatedAt: EVENT_CREATED_AT }));
    const { status, body } = await call({ method: 'GET', url: `/decisions/${inquiryId}`, headers: auth });
    expect(status).toBe(200);
    expect(body).toMatchObject({ inquiryId, status: 'decided' });
  });
});
