import nock from 'nock';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../../src/errors.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createPersonaClient } from '../../src/persona/client.js';
import type { PersonaClientOptions } from '../../src/persona/client.js';
import { createRateBudget } from '../../src/persona/rate-limit.js';
import {
  FAKE_PII_VALUES,
  buildErrorBody,
  buildInquiry,
  buildInquiryResponse,
  buildInquiryTemplate,
  buildResourceResponse,
} from '../../src/sim/persona-objects.js';
import { buildVerification } from '../../src/sim/persona-verifications.js';
import { buildReport } from '../../src/sim/persona-reports.js';
import type { PersonaResource } from '../../src/sim/persona-objects.js';

const ORIGIN = 'https://persona.test';
const BASE_PATH = '/api/v1';
const API_KEY = 'persona_sandbox_test_key';
const INQUIRY_ID = 'inq_Client1';

/** Headers Persona sends on every authenticated response (OAS components/headers). */
function rateHeaders(remaining = 299, resetSeconds = 42): Record<string, string> {
  return {
    'RateLimit-Limit': '300',
    'RateLimit-Remaining': String(remaining),
    'RateLimit-Reset': String(resetSeconds),
    'Request-Id': 'req_Test1',
  };
}

const linkOf = ({ type, id }: PersonaResource) => ({ type, id });

const governmentId = buildVerification({
  id: 'ver_Gov1',
  type: 'verification/government-id',
  status: 'passed',
  createdAt: '2026-01-01T00:01:00.000Z',
  checks: [
    { name: 'id_expired_detection', status: 'passed', requirement: 'required' },
    { name: 'id_barcode_detection', status: 'not_applicable', requirement: 'not_required', reasons: ['disabled'] },
  ],
  inquiryId: INQUIRY_ID,
});
const selfie = buildVerification({
  id: 'ver_Selfie1',
  type: 'verification/selfie',
  status: 'failed',
  createdAt: '2026-01-01T00:02:00.000Z',
  checks: [{ name: 'selfie_liveness_detection', status: 'failed', reasons: ['replica_detected'] }],
  inquiryId: INQUIRY_ID,
});
const watchlist = buildReport({
  id: 'rep_Watch1',
  type: 'report/watchlist',
  status: 'ready',
  hasMatch: false,
  inquiryId: INQUIRY_ID,
});
const inquiry = buildInquiry({
  id: INQUIRY_ID,
  status: 'completed',
  verifications: [linkOf(governmentId), linkOf(selfie)],
  reports: [linkOf(watchlist)],
});
const fullResponse = buildInquiryResponse(inquiry, [
  governmentId,
  selfie,
  watchlist,
  buildInquiryTemplate({ id: 'itmpl_Client1' }),
]);

const expectedEvidence = {
  inquiryId: INQUIRY_ID,
  inquiryStatus: 'completed',
  // identifiers from the inquiry's attributes and relationships (buildInquiry derives them from the id)
  referenceId: 'user-Client1',
  accountId: 'act_Client1',
  templateId: 'itmpl_Client1',
  // the inquiry's tags and risk signals (buildInquiry's defaults: numbers only, so all of them kept)
  tags: [],
  behaviors: { 'bot-score': 3, 'completion-time': 310.5, 'request-spoof-attempts': 0, 'user-agent-spoof-attempts': 0 },
  verifications: [
    {
      id: 'ver_Gov1',
      type: 'verification/government-id',
      status: 'passed',
      createdAt: '2026-01-01T00:01:00.000Z',
      completedAt: '2026-01-01T00:02:00.000Z',
      checks: [
        { name: 'id_expired_detection', status: 'passed', requirement: 'required', reasons: [] },
        { name: 'id_barcode_detection', status: 'not_applicable', requirement: 'not_required', reasons: ['disabled'] },
      ],
    },
    {
      id: 'ver_Selfie1',
      type: 'verification/selfie',
      status: 'failed',
      createdAt: '2026-01-01T00:02:00.000Z',
      completedAt: '2026-01-01T00:03:00.000Z',
      checks: [
        { name: 'selfie_liveness_detection', status: 'failed', requirement: 'required', reasons: ['replica_detected'] },
      ],
    },
  ],
  reports: [
    {
      id: 'rep_Watch1',
      type: 'report/watchlist',
      status: 'ready',
      hasMatch: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      completedAt: '2026-01-01T00:00:05.000Z',
    },
  ],
};

/** A client on a manual clock; both sleeps only record the wait and move the clock, so nothing waits for real. */
function setup(overrides: Partial<PersonaClientOptions> = {}) {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const retrySleeps: number[] = [];
  const budgetSleeps: number[] = [];
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const rateBudget = createRateBudget({
    clock,
    sleep: async (ms) => {
      budgetSleeps.push(ms);
      clock.advance(ms);
    },
  });
  const client = createPersonaClient({
    baseUrl: `${ORIGIN}${BASE_PATH}`,
    apiKey: API_KEY,
    apiVersion: '2025-12-08',
    timeoutMs: 5000,
    maxRetries: 3,
    clock,
    random: () => 0.5,
    sleep: async (ms) => {
      retrySleeps.push(ms);
      clock.advance(ms);
    },
    rateBudget,
    logger,
    ...overrides,
  });
  return { client, clock, retrySleeps, budgetSleeps, logLines, ctx: { calls: 0 } };
}

const persona = () => nock(ORIGIN);
const inquiryPath = `${BASE_PATH}/inquiries/${INQUIRY_ID}`;
const include = { include: 'verifications,reports' };

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('Persona client', () => {
  it('asks for verifications and reports with the bearer key, API version, kebab keys and JSON accept headers', async () => {
    const { client } = setup();
    persona()
      .get(inquiryPath)
      .query(include)
      .matchHeader('authorization', `Bearer ${API_KEY}`)
      .matchHeader('persona-version', '2025-12-08')
      .matchHeader('key-inflection', 'kebab')
      .matchHeader('accept', 'application/json')
      .reply(200, fullResponse, rateHeaders());
    await expect(client.getInquiryEvidence(INQUIRY_ID)).resolves.toEqual(expectedEvidence);
  });

  it('makes exactly one call for a settled inquiry whose verifications and reports are included', async () => {
    const { client, ctx, retrySleeps, budgetSleeps } = setup();
    persona().get(inquiryPath).query(include).reply(200, fullResponse, rateHeaders());
    await client.getInquiryEvidence(INQUIRY_ID, ctx);
    expect(ctx.calls).toBe(1);
    expect([...retrySleeps, ...budgetSleeps]).toEqual([]);
  });

  it('requests no path for an id that is not Persona-shaped (persona-response-ids.test.ts has the cases)', async () => {
    const { client, ctx } = setup();
    await expect(client.getVerification('ver_a/b c', ctx)).rejects.toMatchObject({
      code: ErrorCodes.PERSONA_BAD_RESPONSE,
    });
    expect(ctx.calls).toBe(0);
  });

  it('waits for RateLimit-Reset after a 429 and then succeeds', async () => {
    const { client, ctx, retrySleeps } = setup();
    persona()
      .get(inquiryPath)
      .query(include)
      .reply(
        429,
        buildErrorBody('Rate limit exceeded', 'You have hit your rate limit of 300 requests / min.'),
        rateHeaders(0, 7),
      )
      .get(inquiryPath)
      .query(include)
      .reply(200, fullResponse, rateHeaders(299, 60));
    await expect(client.getInquiryEvidence(INQUIRY_ID, ctx)).resolves.toEqual(expectedEvidence);
    expect(ctx.calls).toBe(2);
    expect(retrySleeps).toHaveLength(1);
    // 7 s from RateLimit-Reset plus under 1 s of jitter for its whole-second rounding.
    expect(retrySleeps[0]).toBeGreaterThanOrEqual(7000);
    expect(retrySleeps[0]).toBeLessThan(8000);
  });

  it('honours Retry-After when Persona sends it', async () => {
    const { client, retrySleeps } = setup();
    persona()
      .get(`${BASE_PATH}/reports/rep_Watch1`)
      .reply(503, 'Service Unavailable', { 'Retry-After': '12' })
      .get(`${BASE_PATH}/reports/rep_Watch1`)
      .reply(200, buildResourceResponse(watchlist), rateHeaders());
    await client.getReport('rep_Watch1');
    expect(retrySleeps[0]).toBeGreaterThanOrEqual(12_000);
    expect(retrySleeps[0]).toBeLessThan(13_000);
  });

  it('retries 503 and 502 with exponential backoff, then succeeds', async () => {
    const { client, ctx, retrySleeps } = setup();
    persona()
      .get(inquiryPath)
      .query(include)
      .reply(503, buildErrorBody('Service Unavailable'), rateHeaders(298))
      .get(inquiryPath)
      .query(include)
      .reply(502, '<html>bad gateway</html>')
      .get(inquiryPath)
      .query(include)
      .reply(200, fullResponse, rateHeaders(297));
    await expect(client.getInquiryEvidence(INQUIRY_ID, ctx)).resolves.toEqual(expectedEvidence);
    expect(ctx.calls).toBe(3);
    // random 0.5 means no jitter: 1 s, then 2 s.
    expect(retrySleeps).toEqual([1000, 2000]);
  });

  it('gives up after maxRetries with a retryable PERSONA_UNAVAILABLE so the job can be rescheduled', async () => {
    const { client, ctx } = setup({ maxRetries: 2 });
    persona()
      .get(inquiryPath)
      .query(include)
      .times(3)
      .reply(500, buildErrorBody('Internal Server Error'), rateHeaders());
    const error = await rejection(client.getInquiryEvidence(INQUIRY_ID, ctx));
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_UNAVAILABLE, retryable: true });
    expect(error.message).toBe(`Persona GET /inquiries/${INQUIRY_ID} returned 500 (Internal Server Error)`);
    expect(ctx.calls).toBe(3);
  });

  it('gives up after maxRetries of 429 with a retryable PERSONA_RATE_LIMITED', async () => {
    const { client, ctx } = setup({ maxRetries: 1 });
    persona()
      .get(inquiryPath)
      .query(include)
      .times(2)
      .reply(429, buildErrorBody('Rate limit exceeded'), rateHeaders(0, 3));
    const error = await rejection(client.getInquiryEvidence(INQUIRY_ID, ctx));
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_RATE_LIMITED, retryable: true });
    expect(ctx.calls).toBe(2);
  });

  it('does not retry a 404 and reports status, method, path and Persona title', async () => {
    const { client, ctx, retrySleeps } = setup();
    persona().get(inquiryPath).query(include).once().reply(404, buildErrorBody('Record not found'), rateHeaders());
    const error = await rejection(client.getInquiryEvidence(INQUIRY_ID, ctx));
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_NOT_FOUND, retryable: false });
    expect(error.message).toBe(`Persona GET /inquiries/${INQUIRY_ID} returned 404 (Record not found)`);
    expect(ctx.calls).toBe(1);
    expect(retrySleeps).toEqual([]);
  });

  it('does not retry a 401', async () => {
    const { client, ctx } = setup();
    persona()
      .get(`${BASE_PATH}/verifications/ver_Gov1`)
      .once()
      .reply(401, buildErrorBody('Must be authenticated to access this endpoint'));
    const error = await rejection(client.getVerification('ver_Gov1', ctx));
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_UNAUTHORIZED, retryable: false });
    expect(error.message).toContain('returned 401 (Must be authenticated to access this endpoint)');
    expect(ctx.calls).toBe(1);
  });

  it('does not retry a 422 and leaves its details out of the message', async () => {
    const { client, ctx } = setup();
    persona()
      .get(`${BASE_PATH}/reports/rep_Watch1`)
      .reply(422, buildErrorBody('Unprocessable entity', `name ${FAKE_PII_VALUES[0]} is invalid`));
    const error = await rejection(client.getReport('rep_Watch1', ctx));
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_CLIENT_ERROR, retryable: false });
    expect(error.message).not.toContain(FAKE_PII_VALUES[0]);
    expect(ctx.calls).toBe(1);
  });

  it('turns malformed JSON into a non-retryable PERSONA_BAD_RESPONSE without retrying', async () => {
    const { client, ctx } = setup();
    persona()
      .get(inquiryPath)
      .query(include)
      .reply(200, '{"data": {"type": "inquiry", "id": "inq_', { 'Content-Type': 'application/json' });
    const error = await rejection(client.getInquiryEvidence(INQUIRY_ID, ctx));
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_BAD_RESPONSE, retryable: false });
    expect(ctx.calls).toBe(1);
  });

  it('turns a body of the wrong shape into PERSONA_BAD_RESPONSE naming the field, not its value', async () => {
    const { client } = setup();
    const broken = buildVerification({ id: 'ver_Gov1', type: 'verification/government-id', status: 'passed' });
    delete broken.attributes['created-at'];
    persona().get(`${BASE_PATH}/verifications/ver_Gov1`).reply(200, buildResourceResponse(broken), rateHeaders());
    const error = await rejection(client.getVerification('ver_Gov1'));
    expect(error.code).toBe(ErrorCodes.PERSONA_BAD_RESPONSE);
    expect(error.message).toContain('data.attributes.created-at');
    for (const value of FAKE_PII_VALUES) expect(error.message).not.toContain(value);
  });

  it('rejects a response about a different object than the one requested', async () => {
    const { client } = setup();
    persona().get(`${BASE_PATH}/verifications/ver_Gov1`).reply(200, buildResourceResponse(selfie), rateHeaders());
    const error = await rejection(client.getVerification('ver_Gov1'));
    expect(error.code).toBe(ErrorCodes.PERSONA_BAD_RESPONSE);
  });

  it('fetches every linked verification and report individually when the response has no included', async () => {
    const { client, ctx } = setup();
    const { included: _dropped, ...withoutIncluded } = fullResponse;
    persona()
      .get(inquiryPath)
      .query(include)
      .reply(200, withoutIncluded, rateHeaders())
      .get(`${BASE_PATH}/verifications/ver_Gov1`)
      .reply(200, buildResourceResponse(governmentId), rateHeaders())
      .get(`${BASE_PATH}/verifications/ver_Selfie1`)
      .reply(200, buildResourceResponse(selfie), rateHeaders())
      .get(`${BASE_PATH}/reports/rep_Watch1`)
      .reply(200, buildResourceResponse(watchlist), rateHeaders());
    await expect(client.getInquiryEvidence(INQUIRY_ID, ctx)).resolves.toEqual(expectedEvidence);
    expect(ctx.calls).toBe(4);
  });

  it('fetches only the objects missing from a partial included', async () => {
    const { client, ctx } = setup();
    persona()
      .get(inquiryPath)
      .query(include)
      .reply(200, buildInquiryResponse(inquiry, [governmentId, watchlist]), rateHeaders())
      .get(`${BASE_PATH}/verifications/ver_Selfie1`)
      .reply(200, buildResourceResponse(selfie), rateHeaders());
    const evidence = await client.getInquiryEvidence(INQUIRY_ID, ctx);
    expect(evidence.verifications.map((v) => v.id)).toEqual(['ver_Gov1', 'ver_Selfie1']);
    expect(ctx.calls).toBe(2);
  });

  it('tolerates an unknown verification type and unknown status values', async () => {
    const { client } = setup();
    const future = buildVerification({
      id: 'ver_Future1',
      type: 'verification/brain-scan',
      status: 'quantum_pending',
      checks: [
        { name: 'brain_scan_detection', status: 'inconclusive', requirement: 'sometimes', reasons: ['new_reason'] },
      ],
      attributes: { 'brand-new-attribute': { nested: true } },
    });
    const futureInquiry = buildInquiry({ id: INQUIRY_ID, status: 'awaiting_quantum', verifications: [linkOf(future)] });
    persona()
      .get(inquiryPath)
      .query(include)
      .reply(200, buildInquiryResponse(futureInquiry, [future]), rateHeaders());
    const evidence = await client.getInquiryEvidence(INQUIRY_ID);
    expect(evidence.inquiryStatus).toBe('awaiting_quantum');
    expect(evidence.verifications).toEqual([
      {
        id: 'ver_Future1',
        type: 'verification/brain-scan',
        status: 'quantum_pending',
        createdAt: '2026-01-01T00:00:00.000Z',
        completedAt: '2026-01-01T00:01:00.000Z',
        checks: [
          { name: 'brain_scan_detection', status: 'inconclusive', requirement: 'sometimes', reasons: ['new_reason'] },
        ],
      },
    ]);
  });

  it('turns a timeout into a retryable PERSONA_TIMEOUT once the retries are spent', async () => {
    const { client, ctx, retrySleeps } = setup({ maxRetries: 1 });
    // What fetch rejects with when AbortSignal.timeout fires (nock cannot abort a delayed body on its own).
    const timeout = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    persona()
      .get(inquiryPath)
      .query(include)
      .replyWithError(timeout())
      .get(inquiryPath)
      .query(include)
      .replyWithError(timeout());
    const error = await rejection(client.getInquiryEvidence(INQUIRY_ID, ctx));
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_TIMEOUT, retryable: true });
    expect(error.message).toBe(`Persona GET /inquiries/${INQUIRY_ID} timed out after 5000 ms`);
    expect(ctx.calls).toBe(2);
    expect(retrySleeps).toHaveLength(1);
  });

  it('retries a network error and succeeds', async () => {
    const { client, ctx } = setup();
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    persona()
      .get(inquiryPath)
      .query(include)
      .replyWithError(reset)
      .get(inquiryPath)
      .query(include)
      .reply(200, fullResponse, rateHeaders());
    await expect(client.getInquiryEvidence(INQUIRY_ID, ctx)).resolves.toEqual(expectedEvidence);
    expect(ctx.calls).toBe(2);
  });

  it('reports a persistent network error as a retryable PERSONA_NETWORK naming the socket error', async () => {
    const { client } = setup({ maxRetries: 0 });
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    persona().get(`${BASE_PATH}/reports/rep_Watch1`).replyWithError(reset);
    const error = await rejection(client.getReport('rep_Watch1'));
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_NETWORK, retryable: true });
    expect(error.message).toContain('ECONNRESET');
  });

  it('waits for the window to reset before the next request when Persona reports the budget spent', async () => {
    const { client, budgetSleeps, retrySleeps } = setup();
    persona()
      .get(`${BASE_PATH}/reports/rep_Watch1`)
      .twice()
      .reply(200, buildResourceResponse(watchlist), rateHeaders(0, 9));
    await client.getReport('rep_Watch1');
    expect(budgetSleeps).toEqual([]);
    await client.getReport('rep_Watch1');
    // 9 s of RateLimit-Reset plus the budget's 1 s rounding guard; no 429 was needed to learn it.
    expect(budgetSleeps).toEqual([10_000]);
    expect(retrySleeps).toEqual([]);
  });

  it('logs ids and statuses but no personal data from the responses', async () => {
    const { client, logLines } = setup();
    const { included: _dropped, ...withoutIncluded } = fullResponse;
    persona()
      .get(inquiryPath)
      .query(include)
      .reply(200, withoutIncluded, rateHeaders())
      .get(`${BASE_PATH}/verifications/ver_Gov1`)
      .reply(503, buildErrorBody('Service Unavailable'))
      .get(`${BASE_PATH}/verifications/ver_Gov1`)
      .reply(200, buildResourceResponse(governmentId), rateHeaders())
      .get(`${BASE_PATH}/verifications/ver_Selfie1`)
      .reply(200, buildResourceResponse(selfie), rateHeaders())
      .get(`${BASE_PATH}/reports/rep_Watch1`)
      .reply(200, buildResourceResponse(watchlist), rateHeaders());
    const evidence = await client.getInquiryEvidence(INQUIRY_ID);
    const output = [...logLines, JSON.stringify(evidence)].join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    expect(output).toContain(INQUIRY_ID);
    for (const value of FAKE_PII_VALUES) expect(output).not.toContain(value);
    expect(output).not.toContain(API_KEY);
  });

  it('refuses to start with an invalid configuration', () => {
    expect(() => setup({ baseUrl: 'ftp://persona.test', timeoutMs: 0, maxRetries: -1 })).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }),
    );
  });
});
