import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findScenario } from '../../src/sim/scenarios.js';
import { pollUntil } from '../helpers/events.js';
import { sampleValue } from '../helpers/metrics.js';
import { E2E_TIMEOUT_MS, E2E_TOKEN, E2eWorld } from './harness.js';

// The shadow policy through real processes: the built service (node dist/main.js) with DECISION_SHADOW_POLICY_FILE,
// the Persona simulator and the Standard Webhooks sink on loopback. Live and shadow disagree on one scenario; only the
// live outcome is delivered (and written back), the shadow shows under `shadow`, and the metric counts the pair.
const SHADOW_POLICY = {
  version: 'vip-review',
  rules: [{ name: 'vip', when: '"vip" in inquiry.tags', then: 'manual_review' }],
};

let world: E2eWorld | undefined;
let dir: string | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

interface ShadowedView {
  outcome: string;
  sequence: number;
  shadow: { outcome: string; reasons: { code: string }[]; policyVersion: string } | null;
  writeBack: { action: string; status: string } | null;
}

async function get<T>(w: E2eWorld, path: string): Promise<T> {
  const res = await fetch(`${w.url}${path}`, { headers: { authorization: `Bearer ${E2E_TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe('the shadow policy end to end', { timeout: E2E_TIMEOUT_MS }, () => {
  it('delivers only the live outcome where live and shadow disagree; the shadow shows and is counted', async () => {
    expect(findScenario('risk-signals')?.signals?.tags).toContain('vip');
    dir = mkdtempSync(join(tmpdir(), 'persona-decider-shadow-e2e-'));
    const shadowFile = join(dir, 'shadow.json');
    writeFileSync(shadowFile, JSON.stringify(SHADOW_POLICY));
    world = await E2eWorld.start({
      env: {
        DECISION_SHADOW_POLICY_FILE: shadowFile,
        // the shadow's manual_review would be told to Persona, were it the live outcome
        PERSONA_WRITE_BACK: 'manual_review',
      },
    });
    const w = world;
    const ready = w.service?.readLogs().find((line) => line.msg === 'ready');
    expect(ready).toMatchObject({ policyVersion: 'default-2', shadowPolicyVersion: 'vip-review' });

    // risk-signals: tagged vip, approved live, manual_review in the shadow; the other two agree
    const events = [w.event('risk-signals'), w.event('all-passed'), w.event('watchlist-hit')];
    const [vip, clean, hit] = events.map((e) => e.inquiryId) as [string, string, string];
    const results = await w.sender().sendBurst(events);
    expect(results.every((r) => r.status === 200)).toBe(true);
    await w.settled([vip, clean, hit]);

    const deliveries = w.deliveries();
    expect(Object.fromEntries(deliveries.map((d) => [d.inquiryId, d.outcome]))).toEqual({
      [vip]: 'approved',
      [clean]: 'approved',
      [hit]: 'manual_review',
    });
    expect(deliveries).toHaveLength(3);
    for (const d of deliveries) expect(JSON.stringify(d.body)).not.toMatch(/shadow|vip/);

    const view = await get<ShadowedView>(w, `/decisions/${vip}`);
    expect(view).toMatchObject({ outcome: 'approved', sequence: 1, writeBack: null });
    expect(view.shadow).toMatchObject({ outcome: 'manual_review', policyVersion: 'vip-review' });
    expect(view.shadow?.reasons[0]?.code).toBe('rule_vip');
    expect((await get<ShadowedView>(w, `/decisions/${clean}`)).shadow).toMatchObject({ outcome: 'approved' });

    // only the live manual_review (watchlist-hit) is written back; the vip inquiry's shadow never is
    await pollUntil(async () => (await get<ShadowedView>(w, `/decisions/${hit}`)).writeBack?.status === 'done');
    expect(w.stack.persona.reviews().map((r) => [r.inquiryId, r.action])).toEqual([[hit, 'mark-for-review']]);

    const metrics = await (await fetch(`${w.url}/metrics`)).text();
    const pair = (live: string, shadow: string) =>
      sampleValue(metrics, 'persona_decider_shadow_decisions_total', { live_outcome: live, shadow_outcome: shadow });
    expect({
      disagree: pair('approved', 'manual_review'),
      agreeApproved: pair('approved', 'approved'),
      agreeReview: pair('manual_review', 'manual_review'),
      other: pair('manual_review', 'approved'),
    }).toEqual({ disagree: 1, agreeApproved: 1, agreeReview: 1, other: 0 });

    const summary = await get<Record<string, unknown>>(w, '/shadow/summary');
    expect(summary).toMatchObject({
      shadowPolicyVersion: 'vip-review',
      decisions: 3,
      disagreements: 1,
      shadowPolicyVersions: [{ policyVersion: 'vip-review', decisions: 3 }],
      evidence: {
        total: 3,
        changed: 1,
        transitions: [
          { from: 'approved', to: 'approved', count: 1, examples: [clean] },
          { from: 'approved', to: 'manual_review', count: 1, examples: [vip] },
          { from: 'manual_review', to: 'manual_review', count: 1, examples: [hit] },
        ],
      },
      reasonChanges: [
        { code: 'all_evidence_passed', added: 0, removed: 1 },
        { code: 'rule_vip', added: 1, removed: 0 },
      ],
    });
  });
});
