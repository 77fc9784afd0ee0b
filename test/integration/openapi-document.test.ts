import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decisionCreatedPayloadSchema } from '../../src/downstream/payload-schema.js';
import { toDecisionPayload } from '../../src/downstream/payload.js';
import { exampleDecisionDelivery } from '../../src/http/openapi/decision-created-webhook.js';
import { EXAMPLE_DOWNSTREAM_SECRET, EXAMPLE_TIME } from '../../src/http/openapi/examples.js';
import { generateOpenApiDocument, OPENAPI_FILE } from '../../scripts/lib/openapi-document.js';
import { createTestContext, type TestContext } from '../helpers/test-app.js';

/**
 * docs/openapi.json is the contract clients read: it must be what the code generates (CI fails while it is stale),
 * a valid OpenAPI 3.1 document, and what the service serves. The examples are sent to the service by
 * openapi-examples.test.ts.
 */
const committed = readFileSync(OPENAPI_FILE, 'utf8');

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx.cleanup();
});

describe('docs/openapi.json', () => {
  it('is what the code generates', async () => {
    const generated = await generateOpenApiDocument();
    expect(generated === committed, 'docs/openapi.json is stale: run `npm run openapi` and commit it').toBe(true);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(committed) as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect([result.valid, validator.version]).toEqual([true, '3.1']);
  });

  it('is what GET /openapi.json serves, without a token', async () => {
    const res = await ctx.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(JSON.parse(committed));
  });
});

describe('GET /docs', () => {
  it('serves the reference page and every asset it loads from this service, under a policy naming no other host', async () => {
    const page = await ctx.app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\/static\//);
      expect((await ctx.app.inject({ url: asset })).statusCode, asset).toBe(200);
    }
    const policy = String(page.headers['content-security-policy']);
    expect(policy).toContain("default-src 'self'");
    expect(policy).not.toMatch(/https?:|upgrade-insecure-requests/);
  });

  it('loads the document from here, with the online validator off', async () => {
    const initializer = await ctx.app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toContain("resolveUrl('./json')");
    expect(initializer.body).toContain('validatorUrl: null');
    expect((await ctx.app.inject({ url: '/docs/json' })).json()).toEqual(JSON.parse(committed));
  });
});

describe('the decision.created webhook', () => {
  it('documents an example that a Standard Webhooks library verifies with the example secret', () => {
    const { body, headers } = exampleDecisionDelivery();
    vi.useFakeTimers({ now: Date.parse(EXAMPLE_TIME) });
    try {
      expect(new Webhook(EXAMPLE_DOWNSTREAM_SECRET).verify(body, headers)).toEqual(JSON.parse(body));
    } finally {
      vi.useRealTimers();
    }
    const documented = JSON.parse(committed).webhooks['decision.created'].post;
    expect(documented.requestBody.content['application/json'].examples.approved.value).toEqual(JSON.parse(body));
  });

  it('describes the body the service delivers, field for field', () => {
    const { body } = exampleDecisionDelivery();
    const delivered = JSON.parse(body) as { data: Record<string, unknown> };
    expect(decisionCreatedPayloadSchema.parse(delivered)).toEqual(delivered);
    expect(Object.keys(delivered.data).sort()).toEqual(
      Object.keys(decisionCreatedPayloadSchema.shape.data.shape).sort(),
    );
    const withoutOptional = toDecisionPayload(
      {
        decisionId: 'dec_1',
        inquiryId: 'inq_1',
        outcome: 'declined',
        reasons: [],
        decidedAt: EXAMPLE_TIME,
        policyVersion: 'p',
        sequence: 2,
        eventId: 'evt_1',
        eventName: null,
        evidence: { inquiryStatus: 'failed', referenceId: null, accountId: null, templateId: null },
      },
      EXAMPLE_TIME,
    );
    expect(decisionCreatedPayloadSchema.safeParse(JSON.parse(withoutOptional)).success).toBe(true);
  });
});
