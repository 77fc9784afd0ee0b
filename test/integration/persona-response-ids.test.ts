import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createPersonaClient } from '../../src/persona/client.js';
import { createRateBudget } from '../../src/persona/rate-limit.js';
import { buildInquiry, buildInquiryResponse } from '../../src/sim/persona-objects.js';

const ORIGIN = 'https://persona.test';
const BASE = '/api/v1';
const INQUIRY_ID = 'inq_Ids1';

function createClient() {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const sleep = async (ms: number) => clock.advance(ms);
  return createPersonaClient({
    baseUrl: `${ORIGIN}${BASE}`,
    apiKey: 'persona_sandbox_test_key',
    apiVersion: '2025-12-08',
    timeoutMs: 5000,
    maxRetries: 0,
    clock,
    random: () => 0.5,
    sleep,
    rateBudget: createRateBudget({ clock, sleep }),
  });
}

/** Every request nock had no answer for: a request to a path the test did not expect. */
const unexpected: string[] = [];
const recordUnexpected = (req: Request): void => {
  unexpected.push(`${req.method} ${req.url}`);
};
beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', recordUnexpected);
});
afterEach(() => {
  nock.cleanAll();
  unexpected.length = 0;
});
afterAll(() => {
  nock.emitter.removeListener('no match', recordUnexpected);
  nock.enableNetConnect();
});

/** Ids an answer could carry to steer the next request elsewhere, or that are simply not Persona's. */
const craftedIds = [
  '../accounts/act_1',
  '..%2Faccounts%2Fact_1',
  'ver_1?include=accounts',
  'ver_1#x',
  'ver 1',
  'x'.repeat(129),
];

describe('ids in Persona answers are checked before they go into a URL', () => {
  it('(the check of this suite sees any request nock has no answer for)', async () => {
    await expect(fetch(`${ORIGIN}${BASE}/accounts/act_1`)).rejects.toThrow();
    expect(unexpected).toEqual([`GET ${ORIGIN}${BASE}/accounts/act_1`]);
  });

  it.each(craftedIds)(
    'a linked verification id %j missing from included is a bad response, not a request',
    async (id) => {
      const inquiry = buildInquiry({
        id: INQUIRY_ID,
        status: 'completed',
        verifications: [{ type: 'verification/government-id', id }],
        reports: [],
      });
      const scope = nock(ORIGIN)
        .get(`${BASE}/inquiries/${INQUIRY_ID}`)
        .query({ include: 'verifications,reports' })
        .reply(200, buildInquiryResponse(inquiry, []));
      const failure = createClient().getInquiryEvidence(INQUIRY_ID);
      await expect(failure).rejects.toMatchObject({
        code: ErrorCodes.PERSONA_BAD_RESPONSE,
        retryable: false,
        message: 'Persona sent a verification id that is not a Persona id; not requested',
      });
      expect(scope.isDone()).toBe(true);
      expect(unexpected).toEqual([]);
    },
  );

  it('a linked report id the same way', async () => {
    const inquiry = buildInquiry({
      id: INQUIRY_ID,
      status: 'completed',
      verifications: [],
      reports: [{ type: 'report/watchlist', id: '../../inquiries/inq_other' }],
    });
    nock(ORIGIN)
      .get(`${BASE}/inquiries/${INQUIRY_ID}`)
      .query({ include: 'verifications,reports' })
      .reply(200, buildInquiryResponse(inquiry, []));
    await expect(createClient().getInquiryEvidence(INQUIRY_ID)).rejects.toMatchObject({
      code: ErrorCodes.PERSONA_BAD_RESPONSE,
      message: 'Persona sent a report id that is not a Persona id; not requested',
    });
    expect(unexpected).toEqual([]);
  });

  it.each(craftedIds)('a poll of a stored verification or report id %j sends nothing', async (id) => {
    const client = createClient();
    await expect(client.getVerification(id)).rejects.toMatchObject({ code: ErrorCodes.PERSONA_BAD_RESPONSE });
    await expect(client.getReport(id)).rejects.toMatchObject({ code: ErrorCodes.PERSONA_BAD_RESPONSE });
    expect(unexpected).toEqual([]);
  });
});
