import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { GroupCommitOverloadedError } from '../../src/lib/group-commit.js';
import type { EventStore } from '../../src/store/event-store.js';
import { buildInquiryEventBody, FAKE_PII, signedWebhookRequest } from '../helpers/persona-webhook.js';
import {
  createTestContext,
  TEST_WEBHOOK_SECRET,
  TEST_WEBHOOK_SECRET_2,
  type TestContext,
} from '../helpers/test-app.js';

let ctx: TestContext;
beforeEach(async () => {
  ctx = await createTestContext();
});
afterEach(async () => {
  await ctx.cleanup();
});

const nowSeconds = () => Math.floor(ctx.clock.now() / 1000);

function post(
  body: object | string,
  opts: { secrets?: string[]; timestampSeconds?: number; headers?: Record<string, string> } = {},
) {
  const request = signedWebhookRequest(body, {
    secrets: opts.secrets ?? [TEST_WEBHOOK_SECRET],
    timestampSeconds: opts.timestampSeconds ?? nowSeconds(),
  });
  return ctx.app.inject({
    method: 'POST',
    url: '/webhooks/persona',
    payload: request.payload,
    headers: { ...request.headers, ...opts.headers },
  });
}

async function counts() {
  const events = await ctx.database.db.selectFrom('persona_events').selectAll().execute();
  const jobs = await ctx.database.db.selectFrom('jobs').selectAll().execute();
  return { events, jobs };
}

describe('POST /webhooks/persona', () => {
  it('stores a signed inquiry.completed event with its processing job and answers 200', async () => {
    const res = await post(buildInquiryEventBody({ eventId: 'evt_A1', inquiryId: 'inq_A1' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, eventId: 'evt_A1', status: 'stored' });
    const { events, jobs } = await counts();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_id: 'evt_A1',
      name: 'inquiry.completed',
      inquiry_id: 'inq_A1',
      disposition: 'accepted',
      attempts_made: 1,
      attempts_left: 7,
    });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: 'process_inquiry', key: 'process:evt_A1', queue: 'inquiry:inq_A1' });
    expect(ctx.wakeups).toBe(1);
  });

  it('accepts a delivery signed with the second configured secret', async () => {
    const res = await post(buildInquiryEventBody(), { secrets: [TEST_WEBHOOK_SECRET_2] });
    expect(res.statusCode).toBe(200);
  });

  it('accepts a rotation header whose first group is signed with an unknown secret', async () => {
    const res = await post(buildInquiryEventBody(), { secrets: ['wbhsec_new_unknown_to_us', TEST_WEBHOOK_SECRET] });
    expect(res.statusCode).toBe(200);
  });

  it.each([['kebab' as const], ['camel' as const], ['snake' as const]])(
    'accepts a %s-inflected body',
    async (inflection) => {
      const res = await post(
        buildInquiryEventBody({ eventId: `evt_${inflection}`, inquiryId: `inq_${inflection}`, inflection }),
      );
      expect(res.statusCode).toBe(200);
      const { events } = await counts();
      expect(events[0]).toMatchObject({
        event_id: `evt_${inflection}`,
        inquiry_id: `inq_${inflection}`,
        name: 'inquiry.completed',
      });
    },
  );

  it('acknowledges the same event delivered three times but stores it once, with one job', async () => {
    const body = buildInquiryEventBody({ eventId: 'evt_dup' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(body)).json().status);
    expect(statuses).toEqual(['stored', 'duplicate', 'duplicate']);
    const { events, jobs } = await counts();
    expect(events).toHaveLength(1);
    expect(jobs).toHaveLength(1);
  });

  it('stores one event and one job when duplicates arrive concurrently', async () => {
    const body = buildInquiryEventBody({ eventId: 'evt_race' });
    const results = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(results.filter((r) => r.json().status === 'stored')).toHaveLength(1);
    const { events, jobs } = await counts();
    expect(events).toHaveLength(1);
    expect(jobs).toHaveLength(1);
  });

  it('records an event name it does not act on as ignored, with no job, and answers 200', async () => {
    const res = await post(buildInquiryEventBody({ eventId: 'evt_started', name: 'inquiry.started' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ignored');
    const { events, jobs } = await counts();
    expect(events[0]).toMatchObject({ disposition: 'ignored' });
    expect(jobs).toHaveLength(0);
    expect(ctx.wakeups).toBe(0);
  });

  it('keeps an event older than one already seen for the inquiry without queueing more work', async () => {
    await post(
      buildInquiryEventBody({ eventId: 'evt_new', inquiryId: 'inq_O', createdAt: '2026-11-29T09:59:00.000Z' }),
    );
    const res = await post(
      buildInquiryEventBody({ eventId: 'evt_old', inquiryId: 'inq_O', createdAt: '2026-11-29T09:58:00.000Z' }),
    );
    expect(res.json().status).toBe('superseded');
    const { events, jobs } = await counts();
    expect(events).toHaveLength(2);
    expect(jobs.map((j) => j.key)).toEqual(['process:evt_new']);
  });

  it.each([
    ['no signature header', { 'persona-signature': '' }],
    ['a malformed signature header', { 'persona-signature': 'abc' }],
    ['a signature from an unknown secret', undefined],
  ])('answers 401 for %s and stores nothing', async (_name, headers) => {
    const secrets = headers ? [TEST_WEBHOOK_SECRET] : ['wbhsec_attacker'];
    const res = await post(buildInquiryEventBody(), { secrets, ...(headers ? { headers } : {}) });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('SIGNATURE_INVALID');
    expect((await counts()).events).toHaveLength(0);
  });

  it('answers 401 for a webhook signed more than 3 days ago (WEBHOOK_MAX_AGE_SECONDS), and for one signed more than 5 minutes in the future', async () => {
    const threeDays = 3 * 24 * 3600;
    const old = await post(buildInquiryEventBody({ eventId: 'evt_too_old' }), {
      timestampSeconds: nowSeconds() - threeDays - 1,
    });
    expect(old.statusCode).toBe(401);
    expect((await post(buildInquiryEventBody(), { timestampSeconds: nowSeconds() + 301 })).statusCode).toBe(401);
    expect((await counts()).events).toHaveLength(0);
  });

  it('accepts a retry signed long ago (past the 5-minute tolerance, within 3 days), and warns with its age', async () => {
    // Persona does not document whether its ~51 h of retries are signed anew: a retry may keep its first timestamp
    const ageSeconds = 51 * 3600;
    const res = await post(buildInquiryEventBody({ eventId: 'evt_retried_late' }), {
      timestampSeconds: nowSeconds() - ageSeconds,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ eventId: 'evt_retried_late', status: 'stored' });
    const warnings = ctx.logLines
      .map((line) => JSON.parse(line) as { level: number; msg: string; signatureAgeSeconds?: number; eventId?: string })
      .filter((line) => line.msg.startsWith('webhook signed longer ago than WEBHOOK_TOLERANCE_SECONDS'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, signatureAgeSeconds: ageSeconds, eventId: 'evt_retried_late' });
  });

  it('does not warn about a webhook signed within the tolerance', async () => {
    expect((await post(buildInquiryEventBody(), { timestampSeconds: nowSeconds() - 299 })).statusCode).toBe(200);
    expect(ctx.logLines.some((line) => line.includes('WEBHOOK_TOLERANCE_SECONDS'))).toBe(false);
  });

  it('answers 401 when the body was changed after signing', async () => {
    const request = signedWebhookRequest(buildInquiryEventBody(), {
      secrets: [TEST_WEBHOOK_SECRET],
      timestampSeconds: nowSeconds(),
    });
    const tampered = request.payload.replace('inquiry.completed', 'inquiry.completes');
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/persona',
      payload: tampered,
      headers: request.headers,
    });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401, not 400, to an unsigned body that is not even JSON', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/persona',
      payload: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    ['invalid JSON', '{"data": '],
    ['a JSON array', '[]'],
    ['an envelope that is not an event', JSON.stringify({ data: { type: 'inquiry', id: 'inq_1' } })],
    [
      'an inquiry event without the inquiry',
      JSON.stringify({
        data: {
          type: 'event',
          id: 'evt_1',
          attributes: { name: 'inquiry.completed', 'created-at': '2026-11-29T10:00:00Z', payload: {} },
        },
      }),
    ],
    ['an empty body', ''],
  ])('answers 400 to a correctly signed body with %s', async (_name, payload) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('EVENT_INVALID');
    expect((await counts()).events).toHaveLength(0);
  });

  it('says plainly that a correctly signed body is not JSON', async () => {
    const res = await post('{"data": ');
    expect(res.json().error.message).toContain('the body is not JSON');
  });

  it('answers 413 to a body over the limit', async () => {
    const body = buildInquiryEventBody() as { data: { attributes: Record<string, unknown> } };
    body.data.attributes.padding = 'x'.repeat(1024 * 1024);
    const res = await post(body);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/xml']])(
    'answers 415 to content type %s',
    async (type) => {
      const res = await post(buildInquiryEventBody(), { headers: { 'content-type': type } });
      expect(res.statusCode).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('answers 503 (so Persona retries) when the event cannot be stored, and logs why with the event ids', async () => {
    await ctx.database.close();
    const res = await post(buildInquiryEventBody({ eventId: 'evt_down', inquiryId: 'inq_down' }));
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('DATABASE_UNAVAILABLE');
    const failed = ctx.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: 50,
      code: 'DATABASE_UNAVAILABLE',
      eventId: 'evt_down',
      inquiryId: 'inq_down',
      err: { type: 'AppError' },
    });
  });

  it('answers 503 INTAKE_OVERLOADED, not DATABASE_UNAVAILABLE, when too many webhooks already wait for the database', async () => {
    const events: EventStore = { ...ctx.events, recordIntake: () => Promise.reject(new GroupCommitOverloadedError()) };
    const app = await buildApp({ ...ctx.deps, events, onEnqueued: () => undefined });
    try {
      const request = signedWebhookRequest(buildInquiryEventBody({ eventId: 'evt_busy' }), {
        secrets: [TEST_WEBHOOK_SECRET],
        timestampSeconds: nowSeconds(),
      });
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/persona',
        payload: request.payload,
        headers: request.headers,
      });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        error: { code: 'INTAKE_OVERLOADED', message: 'too many webhooks are waiting to be stored; try again later' },
      });
      const failed = ctx.logLines
        .filter((l) => l.includes('request failed'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(failed).toMatchObject([{ code: 'INTAKE_OVERLOADED', eventId: 'evt_busy' }]);
      const all = ctx.logLines.join('\n');
      for (const value of Object.values(FAKE_PII)) expect(all).not.toContain(String(value));
    } finally {
      await app.close();
    }
  });

  it('logs one line per webhook with ids and the rejection reason, never the body, signature or secret', async () => {
    const body = buildInquiryEventBody({ eventId: 'evt_log' });
    const request = signedWebhookRequest(body, { secrets: [TEST_WEBHOOK_SECRET], timestampSeconds: nowSeconds() });
    await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/persona',
      payload: request.payload,
      headers: request.headers,
    });
    await post(body, { secrets: ['wbhsec_attacker'] });
    const accepted = ctx.logLines.filter((l) => l.includes('webhook accepted'));
    const rejected = ctx.logLines.filter((l) => l.includes('webhook rejected'));
    expect(accepted).toHaveLength(1);
    expect(JSON.parse(accepted[0] as string)).toMatchObject({ eventId: 'evt_log', status: 'stored' });
    expect(JSON.parse(rejected[0] as string)).toMatchObject({ reason: 'mismatch' });
    const all = ctx.logLines.join('\n');
    for (const value of Object.values(FAKE_PII)) expect(all).not.toContain(String(value));
    expect(all).not.toContain(request.headers['persona-signature']);
    expect(all).not.toContain(TEST_WEBHOOK_SECRET);
  });

  it('does not keep the raw payload: no PII value reaches the database', async () => {
    await post(buildInquiryEventBody({ eventId: 'evt_pii' }));
    const { events, jobs } = await counts();
    const stored = JSON.stringify({ events, jobs });
    for (const value of Object.values(FAKE_PII)) expect(stored).not.toContain(String(value));
  });
});

describe('restart', () => {
  it('keeps stored events and jobs across a restart of the app and database', async () => {
    await post(buildInquiryEventBody({ eventId: 'evt_persist', inquiryId: 'inq_P' }));
    await ctx.close();
    const reopened = await createTestContext({ dir: ctx.dir, clock: ctx.clock });
    try {
      const events = await reopened.database.db.selectFrom('persona_events').select('event_id').execute();
      const jobs = await reopened.database.db.selectFrom('jobs').select('key').execute();
      expect(events.map((e) => e.event_id)).toEqual(['evt_persist']);
      expect(jobs.map((j) => j.key)).toEqual(['process:evt_persist']);
      const again = signedWebhookRequest(buildInquiryEventBody({ eventId: 'evt_persist', inquiryId: 'inq_P' }), {
        secrets: [TEST_WEBHOOK_SECRET],
        timestampSeconds: nowSeconds(),
      });
      const res = await reopened.app.inject({
        method: 'POST',
        url: '/webhooks/persona',
        payload: again.payload,
        headers: again.headers,
      });
      expect(res.json().status).toBe('duplicate');
    } finally {
      await reopened.close();
    }
  });
});

describe('health', () => {
  it('answers /healthz and /readyz with 200 while the database is reachable', async () => {
    expect((await ctx.app.inject('/healthz')).statusCode).toBe(200);
    expect((await ctx.app.inject('/readyz')).statusCode).toBe(200);
  });

  it('answers /readyz with 503 when the database is gone', async () => {
    await ctx.database.close();
    const res = await ctx.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect((await ctx.app.inject('/healthz')).statusCode).toBe(200);
  });
});
