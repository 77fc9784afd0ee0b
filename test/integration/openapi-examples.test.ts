import type { LightMyRequestResponse } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IDS as ids, EXAMPLE_PERSONA_SECRET, EXAMPLE_TIME } from '../../src/http/openapi/examples.js';
import type { Given } from '../../src/http/openapi/named-examples.js';
import { createManualClock } from '../../src/lib/clock.js';
import { cleanEvidence, engineDecision, report } from '../helpers/decision-fixtures.js';
import {
  type ExampleCase,
  exampleCases,
  mediaOf,
  loadOpenApiDocument,
  operationsOf,
  toRequest,
} from '../helpers/openapi-examples.js';
import { buildInquiryEventBody, signedWebhookRequest } from '../helpers/persona-webhook.js';
import { createTestWorker } from '../helpers/pipeline.js';
import { createTestContext, TEST_API_TOKEN, TEST_DOWNSTREAM_SECRET, type TestContext } from '../helpers/test-app.js';

/**
 * Every example of the API contract, sent to the service: each response example's request (see
 * test/helpers/openapi-examples.ts) must get the documented status, an answer that validates against the documented
 * schema and headers, and, for an error, the example's code. The service is seeded with the examples' ids.
 */
const document = loadOpenApiDocument();
// reads first, so they answer from the seeded state before the writes change it (a webhook re-opens its inquiry)
const cases = exampleCases(document).sort((a, b) => Number(a.method !== 'GET') - Number(b.method !== 'GET'));

const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

const METRICS_TOKEN = 'openapi-examples-metrics-token-0123456789';
const READ_TOKEN = 'openapi-examples-read-token-0123456789abcdef';
const downstream = {
  DOWNSTREAM_URL: 'https://consumer.test/hooks',
  DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET,
  METRICS_TOKEN,
};
/** The token each security scheme of the document takes in the test contexts (the first scheme an operation names). */
const TOKENS: Record<string, string> = { bearerAuth: TEST_API_TOKEN, metricsAuth: METRICS_TOKEN };
const contexts: Partial<Record<'seeded' | Given, TestContext>> = {};

async function context(env: Record<string, string> = {}): Promise<TestContext> {
  return createTestContext({
    clock: createManualClock(Date.parse(EXAMPLE_TIME)),
    env: {
      PERSONA_WEBHOOK_SECRET: EXAMPLE_PERSONA_SECRET,
      LOG_LEVEL: 'warn',
      API_TOKENS: `alice:${TEST_API_TOKEN}`,
      API_READ_TOKENS: `viewer:${READ_TOKEN}`,
      ...env,
    },
  });
}

async function receive(ctx: TestContext, eventId: string, inquiryId: string, createdAt: string): Promise<void> {
  const body = buildInquiryEventBody({ eventId, inquiryId, createdAt });
  const signed = signedWebhookRequest(body, {
    secrets: [EXAMPLE_PERSONA_SECRET],
    timestampSeconds: Math.floor(ctx.clock.now() / 1000),
  });
  const res = await ctx.app.inject({ method: 'POST', url: '/webhooks/persona', ...signed });
  if (res.statusCode !== 200) throw new Error(`seeding ${eventId}: ${res.statusCode} ${res.body}`);
}

/** The state the examples describe: a decided inquiry, one processing, a pending and a delivered delivery, a failed job. */
async function seed(ctx: TestContext): Promise<void> {
  // a job this version cannot read, failed by the worker (first, while it is the only job)
  await receive(ctx, 'evt_SeedUnreadableJob000001', 'inq_SeedUnreadableJob000001', '2026-11-29T09:50:00.000Z');
  await ctx.database.db.updateTable('jobs').set({ payload: '{}' }).execute();
  await createTestWorker(ctx).drain();

  const seededEvent = { eventId: 'evt_SeedDecided00000000001', eventCreatedAt: '2026-11-29T09:55:00.000Z' };
  await receive(ctx, seededEvent.eventId, ids.inquiryId, seededEvent.eventCreatedAt);
  const evidence = { ...cleanEvidence(), referenceId: ids.referenceId };
  const decision = await ctx.decisions.save(engineDecision({ inquiryId: ids.inquiryId, ...seededEvent, evidence }));
  if (!decision) throw new Error('seeding: decision not saved');
  const rename = (to: string) =>
    ctx.database.db
      .updateTable('deliveries')
      .set({ delivery_id: to })
      .where('delivery_id', 'like', 'msg_%')
      .where('delivery_id', 'not in', [ids.deliveryId, ids.deliveredDeliveryId]);
  await rename(ids.deliveryId).execute();
  await ctx.deliveries.redeliver(decision);
  await rename(ids.deliveredDeliveryId).execute();
  await ctx.deliveries.markDelivered(ids.deliveredDeliveryId, { attempts: 1, lastStatus: 204, lastError: null });

  await receive(ctx, 'evt_SeedProcessing000000001', ids.processingInquiryId, seededEvent.eventCreatedAt);

  // the review queue's inquiry: decided manual_review (a watchlist match), not reviewed
  const reviewEvent = { eventId: 'evt_SeedReview00000000001', eventCreatedAt: seededEvent.eventCreatedAt };
  await receive(ctx, reviewEvent.eventId, ids.reviewInquiryId, reviewEvent.eventCreatedAt);
  const matched = { ...cleanEvidence(), reports: [report('report/watchlist', 'ready', true)] };
  const queued = await ctx.decisions.save(
    engineDecision({ inquiryId: ids.reviewInquiryId, ...reviewEvent, evidence: matched }),
  );
  if (queued?.outcome !== 'manual_review') throw new Error('seeding: the review example is not manual_review');
}

beforeAll(async () => {
  contexts.seeded = await context(downstream);
  await seed(contexts.seeded);
  contexts['downstream-not-configured'] = await context();
  contexts['database-unreachable'] = await context(downstream);
  await contexts['database-unreachable'].database.close();
});

afterAll(async () => {
  for (const ctx of Object.values(contexts)) await ctx.cleanup();
});

async function send(c: ExampleCase): Promise<LightMyRequestResponse> {
  const given = c.example['x-given'];
  const request = toRequest(c);
  const scheme = Object.keys(c.operation.security?.[0] ?? {})[0];
  if (scheme !== undefined && given !== 'no-token') {
    const token = TOKENS[scheme];
    if (!token) throw new Error(`${c.title}: no test token for the security scheme "${scheme}"; add one to TOKENS`);
    request.headers.authorization = `Bearer ${given === 'read-token' ? READ_TOKEN : token}`;
  }
  if (given === 'body-over-limit') {
    request.headers['content-type'] = 'application/json';
    request.payload = JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 1) });
  }
  if (given === 'unsupported-content-type') {
    request.headers['content-type'] = 'application/xml';
    request.payload = '<event/>';
  }
  const known: (Given | undefined)[] = [
    undefined,
    'no-token',
    'read-token',
    'body-over-limit',
    'unsupported-content-type',
  ];
  const ctx = known.includes(given) ? contexts.seeded : contexts[given as Given];
  if (!ctx) throw new Error(`${c.title}: no set-up for x-given "${given}"`);
  return ctx.app.inject(request);
}

describe('the API contract', () => {
  it('documents at least one example for every status of every operation that answers with a body', () => {
    const missing = operationsOf(document).flatMap(({ method, path, operation }) =>
      Object.entries(operation.responses)
        .filter(([, response]) => {
          const answer = mediaOf(response);
          return answer !== undefined && Object.keys(answer.media.examples ?? {}).length === 0;
        })
        .map(([status]) => `${method} ${path} ${status}`),
    );
    expect(missing, 'add named examples to these responses (src/http/openapi/named-examples.ts)').toEqual([]);
  });

  it.each(cases.map((c) => [c.title, c] as const))('%s: the documented answer', async (_title, c) => {
    const res = await send(c);
    const explicit = Object.keys(c.operation.responses).filter((status) => status !== 'default');
    if (c.status === 'default') expect(explicit).not.toContain(String(res.statusCode));
    else expect(res.statusCode).toBe(Number(c.status));

    const answer = mediaOf(c.response);
    const media = answer?.media;
    expect(res.headers['content-type']).toContain(answer?.type);
    const body: unknown = answer?.type === 'application/json' ? res.json() : res.body;
    if (media?.schema) {
      const validate = ajv.compile(media.schema);
      expect(validate(body) ? [] : validate.errors, `answer: ${res.body}`).toEqual([]);
      const exampleValid = ajv.validate(media.schema, c.example.value);
      expect(exampleValid ? [] : ajv.errors, 'the example itself').toEqual([]);
    }
    const documentedCode = (c.example.value as { error?: { code?: string } }).error?.code;
    if (documentedCode) expect(body).toMatchObject({ error: { code: documentedCode } });
    for (const [name, header] of Object.entries(c.response.headers ?? {})) {
      expect(ajv.validate(header.schema, res.headers[name]), `header ${name}: ${String(res.headers[name])}`).toBe(true);
    }
  });
});
