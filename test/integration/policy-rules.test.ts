import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { passedGovernmentId, sampleValue, scrapeMetrics } from '../helpers/metrics.js';
import { interceptInquiry } from '../helpers/persona-nock.js';
import { buildInquiryEventBody } from '../helpers/persona-webhook.js';
import { postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { createTestContext, TEST_API_TOKEN, type TestContext } from '../helpers/test-app.js';

// A policy with CEL rules through the service: a rule that reads a behaviors key the inquiry lacks gives a
// rule_error reason (shown in GET /decisions/:id and counted by rule), never a crash and never a match.
const dir = mkdtempSync(join(tmpdir(), 'persona-decider-rules-'));
const policyFile = join(dir, 'policy.json');
writeFileSync(
  policyFile,
  JSON.stringify({
    version: 'rules-1',
    rules: [
      { name: 'device', when: 'inquiry.behaviors["device-risk"] >= 80', then: 'manual_review' },
      { name: 'vip', when: '"vip" in inquiry.tags', then: 'manual_review' },
    ],
  }),
);

// a candidate run as the shadow policy: its own unguarded rule fails too, and is counted under policy="shadow"
const shadowFile = join(dir, 'shadow.json');
writeFileSync(
  shadowFile,
  JSON.stringify({
    version: 'rules-2-candidate',
    rules: [{ name: 'velocity', when: 'inquiry.behaviors["velocity"] > 3', then: 'declined' }],
  }),
);

const contexts: TestContext[] = [];
beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  for (const ctx of contexts.splice(0)) await ctx.cleanup();
});
afterAll(() => {
  nock.enableNetConnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('policy rules in the pipeline', () => {
  it('decides with the rules that can be read, and reports and counts the one that cannot', async () => {
    const ctx = await createTestContext({ env: { DECISION_POLICY_FILE: policyFile } });
    contexts.push(ctx);
    await postWebhook(
      ctx,
      buildInquiryEventBody({ eventId: 'evt_r1', inquiryId: 'inq_r1', createdAt: '2026-11-29T09:59:00.000Z' }),
    );
    // the interceptor's inquiry has no device-risk signal and no tags: "device" cannot be evaluated, "vip" does not match
    interceptInquiry('inq_r1', [passedGovernmentId('ver_r1')]);
    await runUntilIdle(ctx);
    const response = await ctx.app.inject({
      url: '/decisions/inq_r1',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    const view = response.json<{
      outcome: string;
      policyVersion: string;
      reasons: { code: string; rule?: string }[];
    }>();
    expect(view).toMatchObject({ outcome: 'approved', policyVersion: 'rules-1' });
    expect(view.reasons.filter((r) => r.code.startsWith('rule_'))).toEqual([
      expect.objectContaining({ code: 'rule_error', outcome: 'info', rule: 'device' }),
    ]);
    const metrics = await scrapeMetrics(ctx.app);
    expect(sampleValue(metrics, 'persona_decider_rule_errors_total', { policy: 'live', rule: 'device' })).toBe(1);
    expect(sampleValue(metrics, 'persona_decider_rule_errors_total', { policy: 'live', rule: 'vip' })).toBeUndefined();
  });

  it("counts the shadow policy's rule errors apart from the live policy's", async () => {
    const ctx = await createTestContext({
      env: { DECISION_POLICY_FILE: policyFile, DECISION_SHADOW_POLICY_FILE: shadowFile },
    });
    contexts.push(ctx);
    await postWebhook(
      ctx,
      buildInquiryEventBody({ eventId: 'evt_s1', inquiryId: 'inq_s1', createdAt: '2026-11-29T09:59:00.000Z' }),
    );
    interceptInquiry('inq_s1', [passedGovernmentId('ver_s1')]);
    await runUntilIdle(ctx);
    const view = (
      await ctx.app.inject({ url: '/decisions/inq_s1', headers: { authorization: `Bearer ${TEST_API_TOKEN}` } })
    ).json<{ outcome: string; shadow: { reasons: { code: string; rule?: string }[] } }>();
    expect(view.outcome).toBe('approved');
    expect(view.shadow.reasons).toContainEqual(expect.objectContaining({ code: 'rule_error', rule: 'velocity' }));
    const metrics = await scrapeMetrics(ctx.app);
    expect(sampleValue(metrics, 'persona_decider_rule_errors_total', { policy: 'live', rule: 'device' })).toBe(1);
    expect(sampleValue(metrics, 'persona_decider_rule_errors_total', { policy: 'shadow', rule: 'velocity' })).toBe(1);
    expect(sampleValue(metrics, 'persona_decider_rule_errors_total', { policy: 'live', rule: 'velocity' })).toBe(
      undefined,
    );
  });
});
