import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { evidenceFromWebhook } from '../../src/persona/webhook-evidence.js';
import { largestIncludedInquiryWebhook } from '../helpers/included-webhook.js';

// A webhook over WEBHOOK_BODY_LIMIT_BYTES answers 413, which Persona retries for ~51 h and then drops: the default
// must hold an inquiry event with everything included (the zero-call path) with a wide margin.
const config = loadConfig({
  DATABASE_URL: 'sqlite::memory:',
  PERSONA_WEBHOOK_SECRET: 'wbhsec_body_limit_test_0123456789abcdef',
  PERSONA_API_KEY: 'persona_body_limit_test_0123456789',
  API_TOKENS: 'body-limit-test-token-0123456789abcdefgh',
});

describe('WEBHOOK_BODY_LIMIT_BYTES', () => {
  const webhook = largestIncludedInquiryWebhook();

  it('is built from the spec: the largest inquiry webhook example, one of every related object included', () => {
    expect(webhook.exampleName).toMatch(/^inquiry-.*-webhook-body$/);
    expect(webhook.includedTypes).toEqual(
      expect.arrayContaining(['verification/government-id', 'report/watchlist', 'document/government-id']),
    );
    expect(webhook.includedTypes.filter((t) => t.startsWith('verification/')).length).toBeGreaterThan(10);
    // and the service reads its evidence from it: the spec's shapes take the zero-call path
    const evidence = evidenceFromWebhook(webhook.body);
    expect(evidence?.verifications.length).toBe(
      webhook.includedTypes.filter((t) => t.startsWith('verification/')).length,
    );
    expect(evidence?.reports.map((r) => r.type)).toEqual(['report/watchlist']);
  });

  it('defaults to at least 32 times that webhook (docs/benchmarks.md, "Webhook size with everything included")', () => {
    expect(config.webhookBodyLimitBytes).toBe(1024 * 1024);
    expect(config.webhookBodyLimitBytes / webhook.bytes).toBeGreaterThanOrEqual(32);
  });
});
