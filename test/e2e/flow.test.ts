import { afterEach, describe, expect, it } from 'vitest';
import { isLifecycleScenario, listScenarios } from '../../src/sim/scenarios.js';
import { E2E_TIMEOUT_MS, E2eWorld } from './harness.js';

// Real processes over real sockets: the compiled service (node dist/main.js), the Persona simulator, the sink.
let world: E2eWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('end to end', { timeout: E2E_TIMEOUT_MS }, () => {
  it('decides every scenario as the default policy says and delivers each decision, signed', async () => {
    world = await E2eWorld.start();
    const sender = world.sender();
    // one webhook each; lifecycle stories and scenarios that assume a policy have their own test (lifecycle.test.ts)
    const sent = listScenarios()
      .filter((scenario) => !isLifecycleScenario(scenario) && scenario.policy === undefined)
      .map((scenario) => ({ scenario, event: world!.event(scenario.key) }));
    const results = await sender.sendBurst(sent.map((s) => s.event));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const decided = await world.settled(sent.map((s) => s.event.inquiryId));
    for (const { scenario, event } of sent) {
      const view = decided.get(event.inquiryId);
      expect({ scenario: scenario.key, outcome: view?.outcome, reason: view?.reasons[0]?.code }).toEqual({
        scenario: scenario.key,
        outcome: scenario.expectedOutcome,
        reason: scenario.expectedReason,
      });
    }
    const stats = world.stack.persona.stats();
    const settled = sent.filter((s) => s.scenario.key !== 'settles-after-polls' && s.scenario.key !== 'never-settles');
    for (const { event } of settled) expect(decided.get(event.inquiryId)?.personaCalls).toBe(1);
    expect(stats.totals.rateLimited).toBe(0);
    expect(world.deliveries()).toHaveLength(sent.length);
  });

  it('turns duplicate deliveries of one event into one decision and one downstream delivery', async () => {
    world = await E2eWorld.start();
    const event = world.event('all-passed');
    const results = await world.sender().sendDuplicates(event, 4, { concurrent: true });
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await world.settled([event.inquiryId]);
    await world.sender().sendDuplicates(event, 2);
    const view = await world.decision(event.inquiryId);
    expect(view).toMatchObject({ sequence: 1 });
    expect(world.deliveries().filter((d) => d.inquiryId === event.inquiryId)).toHaveLength(1);
    expect(world.stack.persona.stats().byInquiry[event.inquiryId]).toBeDefined();
  });

  it('keeps the decision of the newer event when an older one arrives after it', async () => {
    world = await E2eWorld.start();
    const inquiryId = world.event('all-passed').inquiryId;
    const older = world.event('all-passed', { inquiryId, createdAt: '2026-11-29T09:00:00.000Z' });
    const newer = world.event('all-passed', { inquiryId, createdAt: '2026-11-29T09:05:00.000Z' });
    const results = await world.sender().sendOutOfOrder(older, newer);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await world.settled([inquiryId]);
    const view = await world.decision(inquiryId);
    expect(view).toMatchObject({ status: 'decided', outcome: 'approved', sequence: 1 });
    expect(world.deliveries().filter((d) => d.inquiryId === inquiryId)).toHaveLength(1);
  });

  it('rides out Persona 5xx and 429 answers and still decides with the right outcome', async () => {
    world = await E2eWorld.start({
      sim: { faults: { scenarios: { 'all-passed': { serverErrors: 2 }, 'failed-liveness': { rateLimited: 1 } } } },
    });
    const a = world.event('all-passed');
    const b = world.event('failed-liveness');
    await world.sender().sendBurst([a, b]);
    const decided = await world.settled([a.inquiryId, b.inquiryId]);
    expect(decided.get(a.inquiryId)).toMatchObject({ outcome: 'approved', personaCalls: 3 });
    expect(decided.get(b.inquiryId)).toMatchObject({ outcome: 'declined', personaCalls: 2 });
    const totals = world.stack.persona.stats().totals;
    expect(totals.serverErrors).toBe(2);
    expect(totals.rateLimited).toBe(1);
  });

  it('retries a failing downstream until it acknowledges, with the same webhook-id', async () => {
    world = await E2eWorld.start({ sim: { sinkFailures: { failFirst: 2, failStatus: 503 } } });
    const event = world.event('watchlist-hit');
    await world.sender().send(event);
    await world.settled([event.inquiryId]);
    const attempts = world.stack.sink.deliveries().filter((d) => d.inquiryId === event.inquiryId);
    expect(attempts.map((d) => d.status)).toEqual([503, 503, 204]);
    expect(new Set(attempts.map((d) => d.webhookId)).size).toBe(1);
  });
});
