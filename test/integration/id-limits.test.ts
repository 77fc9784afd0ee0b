import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSONA_ID_MAX_LENGTH } from '../../src/persona/ids.js';
import { buildInquiryEventBody, signedWebhookRequest } from '../helpers/persona-webhook.js';
import { postWebhook } from '../helpers/pipeline.js';
import { createTestContext, TEST_API_TOKEN, TEST_WEBHOOK_SECRET, type TestContext } from '../helpers/test-app.js';

/** An id of exactly `length` characters. */
const idOf = (length: number) => `inq_${'x'.repeat(length - 4)}`;
const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };
/** Every route with an :inquiryId, as an operator or an internal service calls it. */
const inquiryRoutes = [
  { name: 'GET /decisions/:inquiryId', method: 'GET', path: (id: string) => `/decisions/${id}` },
  { name: 'POST /decisions/:inquiryId/redeliver', method: 'POST', path: (id: string) => `/decisions/${id}/redeliver` },
  { name: 'POST /inquiries/:inquiryId/reprocess', method: 'POST', path: (id: string) => `/inquiries/${id}/reprocess` },
] as const;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx.cleanup();
});

describe('one limit for inquiry ids: 128 characters', () => {
  it('is the limit intake and paths share', () => {
    expect(PERSONA_ID_MAX_LENGTH).toBe(128);
  });

  it('takes a 128-character inquiry id at intake and finds it again at every :inquiryId route', async () => {
    const id = idOf(128);
    expect(await postWebhook(ctx, buildInquiryEventBody({ eventId: 'evt_long', inquiryId: id }))).toMatchObject({
      status: 'stored',
    });
    const view = await ctx.app.inject({ method: 'GET', url: `/decisions/${id}`, headers: auth });
    expect([view.statusCode, view.json()]).toEqual([200, expect.objectContaining({ inquiryId: id })]);
    const reprocess = await ctx.app.inject({ method: 'POST', url: `/inquiries/${id}/reprocess`, headers: auth });
    expect([reprocess.statusCode, reprocess.json()]).toEqual([202, { inquiryId: id, status: 'processing' }]);
    // no downstream configured: the route was reached and says so
    const redeliver = await ctx.app.inject({ method: 'POST', url: `/decisions/${id}/redeliver`, headers: auth });
    expect(redeliver.json()).toMatchObject({ error: { code: 'CONFLICT' } });
  });

  it('refuses a 129-character inquiry id at intake with a 400 naming the field', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/webhooks/persona', ...signedRequest(idOf(129)) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'EVENT_INVALID' });
    expect(res.json().error.message).toBe('not a Persona event envelope: data.attributes.payload.data.id is too long');
  });

  it.each(inquiryRoutes)('refuses a 129-character id at $name with 400 malformed inquiry id', async (route) => {
    const res = await ctx.app.inject({ method: route.method, url: route.path(idOf(129)), headers: auth });
    expect([res.statusCode, res.json()]).toEqual([
      400,
      { error: { code: 'BAD_REQUEST', message: 'malformed inquiry id' } },
    ]);
  });

  it.each(inquiryRoutes)(
    'refuses a far longer id at $name with a 400 in the usual error shape, not a 414',
    async (route) => {
      for (const length of [161, 1000]) {
        const res = await ctx.app.inject({ method: route.method, url: route.path(idOf(length)), headers: auth });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({
          error: { code: 'BAD_REQUEST', message: 'malformed path parameter: ids have at most 128 characters' },
        });
        expect(res.headers['x-request-id']).toBeDefined();
      }
    },
  );
});

function signedRequest(inquiryId: string) {
  // the signature is valid: only the inquiry id is wrong
  return signedWebhookRequest(buildInquiryEventBody({ eventId: 'evt_too_long', inquiryId }), {
    secrets: [TEST_WEBHOOK_SECRET],
    timestampSeconds: Math.floor(ctx.clock.now() / 1000),
  });
}
