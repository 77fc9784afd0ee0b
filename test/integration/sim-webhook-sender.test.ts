import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePersonaSignatureHeader, verifyPersonaSignature } from '../../src/persona/signature.js';
import { parseAttemptHeaders, parsePersonaEvent } from '../../src/persona/webhook-event.js';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor, verificationIdFor } from '../../src/sim/inquiry-ids.js';
import { listenOn } from '../../src/sim/listen.js';
import { findScenario, SCENARIO_KEYS } from '../../src/sim/scenarios.js';
import { createWebhookSender } from '../../src/sim/webhook-sender.js';
import type { WebhookSenderOptions } from '../../src/sim/webhook-sender.js';
import { createOpenApiValidator } from '../helpers/openapi.js';

const validator = createOpenApiValidator('2025-12-08');
const webhookBody = (name: string): string => `#/webhooks/${name}/post/requestBody/content/application~1json/schema`;
const SECRET = 'wbhsec_sender_test_new';
const OLD_SECRET = 'wbhsec_sender_test_old';
const NOW_MS = Date.UTC(2026, 10, 29, 12, 0, 0);

interface Received {
  raw: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** A Persona webhook receiver stand-in: records raw bytes and headers, answers from a status script. */
async function startReceiver(script: number[] = []) {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const app: FastifyInstance = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post('/webhooks/persona', async (request, reply) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Yield to the event loop so concurrent requests can overlap; nothing waits on a timer.
    await new Promise((resolve) => setImmediate(resolve));
    received.push({ raw: request.body as Buffer, headers: request.headers });
    inFlight -= 1;
    return reply.code(script.shift() ?? 200).send({ received: true });
  });
  const url = `${await listenOn(app)}/webhooks/persona`;
  receivers.push(app);
  return { url, received, maxInFlight: () => maxInFlight, app };
}

const receivers: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((app) => app.close()));
});

function sender(url: string, options: Partial<WebhookSenderOptions> = {}) {
  return createWebhookSender({ url, secrets: SECRET, now: () => NOW_MS, ...options });
}

function verify(received: Received, secrets: string[]) {
  const header = received.headers['persona-signature'];
  return verifyPersonaSignature({
    header: typeof header === 'string' ? header : undefined,
    rawBody: received.raw,
    secrets,
    toleranceSeconds: 300,
    nowMs: NOW_MS,
  });
}

describe('inquiry event envelope', () => {
  it.each(SCENARIO_KEYS)("is valid against the spec's webhook body for %s's first event", (key) => {
    const event = buildInquiryEvent({ inquiryId: inquiryIdFor(key) });
    expect(event.name).toBe(findScenario(key)?.steps[0]?.event);
    expect(validator.validate(webhookBody(event.name), event.body)).toEqual([]);
  });

  it('is valid for an inquiry id that names no scenario, and for another event name', () => {
    expect(
      validator.validate(webhookBody('inquiry.completed'), buildInquiryEvent({ inquiryId: 'inq_Plain1' }).body),
    ).toEqual([]);
    const approved = buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed'), name: 'inquiry.approved' });
    expect(validator.validate(webhookBody('inquiry.approved'), approved.body)).toEqual([]);
  });

  it('carries an evt_ id, created-at, the inquiry with its verification linkages, and an empty included', () => {
    const inquiryId = inquiryIdFor('all-passed', 'env1');
    const event = buildInquiryEvent({ inquiryId, createdAt: '2026-11-29T12:00:00.000Z' });
    const body = event.body as {
      data: {
        id: string;
        attributes: Record<string, unknown> & {
          payload: { data: { relationships: { verifications: { data: Array<{ id: string }> } } }; included: unknown[] };
        };
      };
    };
    expect(body.data.id).toMatch(/^evt_[A-Za-z0-9]+$/);
    expect(body.data.attributes['created-at']).toBe('2026-11-29T12:00:00.000Z');
    expect(body.data.attributes.payload.data.relationships.verifications.data.map((v) => v.id)).toContain(
      verificationIdFor(inquiryId, 'gov1'),
    );
    expect(body.data.attributes.payload.included).toEqual([]);
  });

  it('is parsed by the service into the same event id, inquiry id and created-at, in kebab and camel inflection', () => {
    for (const inflection of ['kebab', 'camel'] as const) {
      const event = buildInquiryEvent({ inquiryId: inquiryIdFor('watchlist-hit'), inflection });
      const parsed = parsePersonaEvent(event.body);
      expect(parsed).toMatchObject({
        ok: true,
        event: { eventId: event.eventId, inquiryId: event.inquiryId, name: 'inquiry.completed' },
      });
    }
  });
});

describe('webhook sender', () => {
  it("POSTs the exact bytes with a Persona-Signature the service verifies, and Persona's headers", async () => {
    const receiver = await startReceiver();
    const event = buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') });
    const result = await sender(receiver.url).send(event);
    expect(result).toMatchObject({
      status: 200,
      acked: true,
      attempts: 1,
      eventId: event.eventId,
      inquiryId: event.inquiryId,
    });
    const [got] = receiver.received;
    if (!got) throw new Error('nothing received');
    expect(verify(got, [SECRET])).toEqual({ ok: true });
    expect(verify(got, ['wbhsec_other'])).toEqual({ ok: false, reason: 'mismatch' });
    expect(got.raw.toString('utf8')).toBe(JSON.stringify(event.body));
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(got.headers['persona-signature']).toMatch(new RegExp(`^t=${NOW_MS / 1000},v1=[0-9a-f]{64}$`));
    expect(parseAttemptHeaders(got.headers)).toEqual({
      attemptsMade: 1,
      attemptsLeft: 7,
      firstAttemptedAt: new Date(NOW_MS).toISOString(),
    });
  });

  it('signs with two groups, new secret first, while a secret rotates; each verifies alone', async () => {
    const receiver = await startReceiver();
    await sender(receiver.url, { secrets: [SECRET, OLD_SECRET] }).send(
      buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') }),
    );
    const [got] = receiver.received;
    if (!got) throw new Error('nothing received');
    const groups = parsePersonaSignatureHeader(String(got.headers['persona-signature']));
    expect(groups).toHaveLength(2);
    expect(String(got.headers['persona-signature']).split(' ')).toHaveLength(2);
    expect(verify(got, [SECRET])).toEqual({ ok: true });
    expect(verify(got, [OLD_SECRET])).toEqual({ ok: true });
  });

  it('sends duplicates with the same event id and the same bytes', async () => {
    const receiver = await startReceiver();
    const event = buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') });
    const results = await sender(receiver.url).sendDuplicates(event, 3);
    expect(results.map((r) => [r.eventId, r.status])).toEqual(Array.from({ length: 3 }, () => [event.eventId, 200]));
    expect(new Set(receiver.received.map((r) => r.raw.toString('utf8'))).size).toBe(1);
  });

  it('sends duplicates concurrently when asked', async () => {
    const receiver = await startReceiver();
    const results = await sender(receiver.url).sendDuplicates(
      buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') }),
      4,
      { concurrent: true },
    );
    expect(results.every((r) => r.acked)).toBe(true);
    expect(receiver.received).toHaveLength(4);
  });

  it('sends the newer of two events for one inquiry first', async () => {
    const receiver = await startReceiver();
    const inquiryId = inquiryIdFor('all-passed');
    const older = buildInquiryEvent({ inquiryId, createdAt: '2026-11-29T11:59:00.000Z' });
    const newer = buildInquiryEvent({ inquiryId, createdAt: '2026-11-29T12:00:00.000Z' });
    const results = await sender(receiver.url).sendOutOfOrder(older, newer);
    expect(results.map((r) => r.eventId)).toEqual([newer.eventId, older.eventId]);
    const createdAts = receiver.received.map(
      (r) =>
        (JSON.parse(r.raw.toString('utf8')) as { data: { attributes: { 'created-at': string } } }).data.attributes[
          'created-at'
        ],
    );
    expect(createdAts).toEqual(['2026-11-29T12:00:00.000Z', '2026-11-29T11:59:00.000Z']);
  });

  it('sends a burst with bounded concurrency and returns results in input order', async () => {
    const receiver = await startReceiver();
    const events = Array.from({ length: 20 }, () => buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') }));
    const results = await sender(receiver.url).sendBurst(events, { concurrency: 4 });
    expect(results.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(receiver.received).toHaveLength(20);
    expect(receiver.maxInFlight()).toBeLessThanOrEqual(4);
  });

  it('returns each non-2xx status and does not retry by default', async () => {
    const receiver = await startReceiver([401]);
    const result = await sender(receiver.url).send(buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') }));
    expect(result).toMatchObject({ status: 401, acked: false, attempts: 1, statuses: [401] });
  });

  it("retries until acknowledged, counting attempts in Persona's headers and keeping the first attempt time", async () => {
    const receiver = await startReceiver([503, 500]);
    const waits: number[] = [];
    let now = NOW_MS;
    const send = createWebhookSender({
      url: receiver.url,
      secrets: SECRET,
      now: () => (now += 1_000),
      sleep: async (ms) => void waits.push(ms),
      retryUntilAcked: { maxAttempts: 5, delayMs: 10 },
    });
    const result = await send.send(buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') }));
    expect(result).toMatchObject({ status: 200, acked: true, attempts: 3, statuses: [503, 500, 200] });
    expect(waits).toEqual([10, 10]);
    const attempts = receiver.received.map((r) => parseAttemptHeaders(r.headers));
    expect(attempts.map((a) => [a.attemptsMade, a.attemptsLeft])).toEqual([
      [1, 7],
      [2, 6],
      [3, 5],
    ]);
    expect(new Set(attempts.map((a) => a.firstAttemptedAt)).size).toBe(1);
    // Each attempt is signed afresh with the time it was sent.
    const stamps = receiver.received.map((r) => String(r.headers['persona-signature']).split(',')[0]);
    expect(new Set(stamps).size).toBe(3);
  });

  it('reports a refused connection as status null with the error, after the bounded attempts', async () => {
    const receiver = await startReceiver();
    await receiver.app.close();
    const result = await sender(receiver.url, { retryUntilAcked: { maxAttempts: 2, delayMs: 0 } }).send(
      buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed') }),
    );
    expect(result).toMatchObject({ status: null, acked: false, attempts: 2, statuses: [null, null] });
    expect(result.error).toMatch(/ECONNREFUSED|fetch failed/);
  });
});
