import { describe, expect, it } from 'vitest';
import { scheduleReconciliation } from '../../src/deps.js';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { buildReportEvent } from '../../src/sim/report-event.js';
import type { ScenarioKey } from '../../src/sim/scenarios.js';
import type { SimulatorStack } from '../../src/sim/stack.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics.js';
import { createTestWorker } from '../helpers/pipeline.js';
import { useSimulatedPersona } from '../helpers/simulated-persona.js';
import { TEST_API_TOKEN, type TestContext } from '../helpers/test-app.js';

// The reconciliation sweep against the simulator, the service listening on loopback: webhooks Persona never
// delivered are found in GET /events and decided like any other, each inquiry once and delivered once; the next
// run stops at the checkpoint; every run is recorded (GET /reconciliations).
const simulated = useSimulatedPersona();

const INTERVAL_SECONDS = 60;

async function start(env: Record<string, string> = {}): Promise<{ c: TestContext; s: SimulatorStack; url: string }> {
  const { c, s } = await simulated({ RECONCILE_INTERVAL_SECONDS: String(INTERVAL_SECONDS), ...env });
  const url = await c.app.listen({ port: 0, host: '127.0.0.1' });
  return { c, s, url };
}

/** Runs every job due now; the sweep's next step or run is later and is left for the test to reach. */
async function drainDue(c: TestContext): Promise<void> {
  const worker = createTestWorker(c);
  for (let round = 0; round < 20; round += 1) {
    await worker.drain();
    const next = await c.queue.nextRunAt();
    if (next === null || next > c.clock.now()) return;
  }
  throw new Error('jobs kept coming due');
}

async function get(c: TestContext, url: string) {
  const res = await c.app.inject({ url, headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
  return res.json();
}

/** One webhook per scenario from a sender of the stack (Persona logs each event); the `lost` ones never arrive. */
async function send(c: TestContext, s: SimulatorStack, url: string, scenarios: ScenarioKey[], lost: ScenarioKey[]) {
  const inquiries = scenarios.map((scenario) => ({ scenario, inquiryId: inquiryIdFor(scenario) }));
  const lostIds = new Set(inquiries.filter((i) => lost.includes(i.scenario)).map((i) => i.inquiryId));
  const sender = s.createSender(`${url}/webhooks/persona`, {
    now: () => c.clock.now(),
    lose: (event) => lostIds.has(event.inquiryId),
  });
  const lostEventIds: string[] = [];
  for (const { inquiryId } of inquiries) {
    const createdAt = new Date(c.clock.now() - 120_000).toISOString();
    const result = await sender.send(buildInquiryEvent({ inquiryId, createdAt }));
    expect(result.acked).toBe(!lostIds.has(inquiryId));
    if (!result.acked) lostEventIds.push(result.eventId);
  }
  return { inquiries, lostIds, lostEventIds };
}

const distinctDeliveries = (s: SimulatorStack) => new Set(s.sink.deliveries().map((d) => d.webhookId)).size;

describe('the reconciliation sweep', () => {
  it('finds the webhooks Persona never delivered and decides them like any other, each inquiry once', async () => {
    const { c, s, url } = await start();
    const scenarios: ScenarioKey[] = ['all-passed', 'failed-liveness', 'watchlist-hit', 'latest-requires-retry'];
    const lost: ScenarioKey[] = ['failed-liveness', 'latest-requires-retry'];
    const { inquiries, lostIds, lostEventIds } = await send(c, s, url, scenarios, lost);
    await drainDue(c); // the two delivered webhooks are decided; the lost ones are unknown
    for (const id of lostIds)
      expect(
        (await c.app.inject({ url: `/decisions/${id}`, headers: { authorization: `Bearer ${TEST_API_TOKEN}` } }))
          .statusCode,
      ).toBe(404);

    await scheduleReconciliation(c.deps);
    await scheduleReconciliation(c.deps); // every replica does at startup: still one job
    await drainDue(c);
    for (const { inquiryId, scenario } of inquiries) {
      const decision = await get(c, `/decisions/${inquiryId}`);
      expect({ scenario, status: decision.status, sequence: decision.sequence }).toEqual({
        scenario,
        status: 'decided',
        sequence: 1,
      });
    }
    expect(distinctDeliveries(s)).toBe(4);
    const { items } = await get(c, '/reconciliations');
    expect(items).toEqual([
      expect.objectContaining({ status: 'completed', pages: 1, found: 4, newEvents: 2, error: null }),
    ]);
    expect(sampleValue(await scrapeMetrics(c.app), 'persona_decider_missed_webhooks_total')).toBe(2);
    const warned = c.logLines.filter((l) => l.includes('reconciliation found events no webhook brought'));
    expect(warned).toHaveLength(1);
    for (const id of lostEventIds) expect(warned[0]).toContain(id);

    // the next run, an interval later: stops at the checkpoint, rereads only the overlap, finds nothing new
    c.clock.advance(INTERVAL_SECONDS * 1000);
    await drainDue(c);
    const runs = (await get(c, '/reconciliations')).items;
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ status: 'completed', newEvents: 0 });
    expect(distinctDeliveries(s)).toBe(4);
  });

  it('reads a long history a few pages a minute, resuming where it left off, within its share of the rate limit', async () => {
    // 2 % of 300/min: 6 pages of 100 per step, then the next step a minute later
    const { c, s, url } = await start({ RECONCILE_RATE_SHARE_PERCENT: '2' });
    const sender = s.createSender(`${url}/webhooks/persona`, { now: () => c.clock.now(), lose: () => true });
    // report events of inquiries the service never saw: found, stored (as ignored), and no job each
    for (let i = 0; i < 650; i += 1) {
      const createdAt = new Date(c.clock.now() - 3600_000 + i * 1000).toISOString();
      const inquiryId = inquiryIdFor('watchlist-hit', `bulk${i}`);
      await sender.send(
        buildReportEvent({ inquiryId, reportSlot: 'watchlist', name: 'report/watchlist.ready', step: 0, createdAt }),
      );
    }
    await scheduleReconciliation(c.deps);
    await drainDue(c);
    expect((await get(c, '/reconciliations')).items[0]).toMatchObject({ status: 'running', pages: 6, found: 600 });
    expect(s.persona.stats().totals.requests).toBeGreaterThanOrEqual(6);
    c.clock.advance(60_000);
    await drainDue(c);
    expect((await get(c, '/reconciliations')).items[0]).toMatchObject({
      status: 'completed',
      pages: 7,
      found: 650,
      newEvents: 650,
    });
  });

  it('leaves an event younger than the grace (its webhook may be on its way) to the next run', async () => {
    const { c, s, url } = await start(); // interval 60 s: a grace of 60 s
    const sender = s.createSender(`${url}/webhooks/persona`, { now: () => c.clock.now(), lose: () => true });
    const young = inquiryIdFor('all-passed', 'young');
    await sender.send(
      buildInquiryEvent({ inquiryId: young, createdAt: new Date(c.clock.now() - 10_000).toISOString() }),
    );
    await scheduleReconciliation(c.deps);
    await drainDue(c);
    expect((await get(c, '/reconciliations')).items[0]).toMatchObject({ status: 'completed', found: 0, newEvents: 0 });
    const unknown = await c.app.inject({
      url: `/decisions/${young}`,
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(unknown.statusCode).toBe(404);
    // its webhook never came: the next run, an interval later, takes it
    c.clock.advance(INTERVAL_SECONDS * 1000);
    await drainDue(c);
    expect((await get(c, '/reconciliations')).items[0]).toMatchObject({ status: 'completed', found: 1, newEvents: 1 });
    expect((await get(c, `/decisions/${young}`)).status).toBe('decided');
  });

  it('steps over an event that does not parse, logging it, and reads on', async () => {
    const { c, s, url } = await start();
    const sender = s.createSender(`${url}/webhooks/persona`, { now: () => c.clock.now(), lose: () => true });
    const at = (minutesAgo: number) => new Date(c.clock.now() - minutesAgo * 60_000).toISOString();
    const older = inquiryIdFor('all-passed', 'older');
    await sender.send(buildInquiryEvent({ inquiryId: older, createdAt: at(3) }));
    // newer than it: an event whose payload is not an object (Persona would never, but a sweep must not stall)
    s.persona.logEvent({
      type: 'event',
      id: 'evt_malformed1',
      attributes: { name: 'inquiry.completed', 'created-at': at(2), payload: 'not an object' },
    });
    await scheduleReconciliation(c.deps);
    await drainDue(c);
    expect((await get(c, `/decisions/${older}`)).status).toBe('decided');
    expect((await get(c, '/reconciliations')).items[0]).toMatchObject({ status: 'completed', found: 1, newEvents: 1 });
    expect(c.logLines.some((l) => l.includes('an event Persona listed does not parse'))).toBe(true);
  });

  it('reads no further back than RECONCILE_LOOKBACK_HOURS on its first run', async () => {
    const { c, s, url } = await start({ RECONCILE_LOOKBACK_HOURS: '1' });
    const sender = s.createSender(`${url}/webhooks/persona`, { now: () => c.clock.now(), lose: () => true });
    const old = inquiryIdFor('all-passed', 'old');
    const recent = inquiryIdFor('all-passed', 'recent');
    await sender.send(
      buildInquiryEvent({ inquiryId: old, createdAt: new Date(c.clock.now() - 2 * 3600_000).toISOString() }),
    );
    await sender.send(
      buildInquiryEvent({ inquiryId: recent, createdAt: new Date(c.clock.now() - 120_000).toISOString() }),
    );
    await scheduleReconciliation(c.deps);
    await drainDue(c);
    expect((await get(c, `/decisions/${recent}`)).status).toBe('decided');
    expect(
      (await c.app.inject({ url: `/decisions/${old}`, headers: { authorization: `Bearer ${TEST_API_TOKEN}` } }))
        .statusCode,
    ).toBe(404);
  });

  it('is off with RECONCILE_INTERVAL_SECONDS=0: no job, and one left from before ends without calling Persona', async () => {
    const { c, s } = await start({ RECONCILE_INTERVAL_SECONDS: '0' });
    await scheduleReconciliation(c.deps);
    expect(await c.queue.nextRunAt()).toBeNull();
    await c.queue.enqueue({
      kind: 'reconcile',
      key: 'reconcile',
      queue: 'reconcile',
      payload: { pages: 0, found: 0, newEvents: 0 },
      runAt: c.clock.now(),
    });
    await drainDue(c);
    expect(await c.queue.nextRunAt()).toBeNull();
    expect(s.persona.stats().totals.requests).toBe(0);
  });
});
