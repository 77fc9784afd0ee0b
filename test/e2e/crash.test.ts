import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecorder } from '../helpers/events.js';
import { E2E_TIMEOUT_MS, E2eWorld } from './harness.js';

let world: E2eWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('crash and shutdown', { timeout: E2E_TIMEOUT_MS }, () => {
  it('decides and delivers every acknowledged webhook when the service is SIGKILLed mid-burst and restarted', async () => {
    world = await E2eWorld.start({ sim: { latencyMs: 20 } });
    const w = world;
    const port = new URL(w.url).port;
    const events = Array.from({ length: 150 }, () => w.event('all-passed'));
    // like Persona, the sender retries what was not acknowledged (the service is down for a moment)
    const burst = w.sender({ retryUntilAcked: true }).sendBurst(events, { concurrency: 2 });
    // killed the moment it has logged its 30th acknowledgement: mid-burst, whatever the machine's speed
    await w.service?.untilLogs((l) => l.msg === 'webhook accepted', 30);
    await w.service?.kill();
    await w.startService(port);
    const results = await burst;
    expect(results.every((r) => r.acked)).toBe(true);
    expect(results.some((r) => r.attempts > 1)).toBe(true); // some webhooks did hit the dead service
    const decided = await w.settled(events.map((e) => e.inquiryId));
    expect([...decided.values()].every((d) => d.outcome === 'approved')).toBe(true);
    // at-least-once downstream: a delivery in flight at the kill may be sent twice, but always under one webhook-id
    const byInquiry = new Map<string, Set<string | null>>();
    for (const d of w.deliveries())
      byInquiry.set(d.inquiryId as string, (byInquiry.get(d.inquiryId as string) ?? new Set()).add(d.webhookId));
    expect(byInquiry.size).toBe(events.length);
    for (const ids of byInquiry.values()) expect(ids.size).toBe(1);
  });

  it('drains on SIGTERM: finishes the job in flight, then exits 0', async () => {
    // The simulator holds its answer to the first Persona call until the test releases it (any later call would be
    // answered at once, and fail the count below): the call is certainly in flight when the signal arrives, and
    // still in flight when the service starts draining. The service's Persona timeout is as long as the test's.
    const held = createRecorder<() => void>();
    const sleep = (): Promise<void> =>
      held.items.length === 0 ? new Promise((release) => held.push(release)) : Promise.resolve();
    world = await E2eWorld.start({
      sim: { sleep, faults: { scenarios: { 'all-passed': { latencyMs: 1 } } } },
      env: { PERSONA_TIMEOUT_MS: String(E2E_TIMEOUT_MS) },
    });
    const service = world.service;
    if (!service) throw new Error('service not started');
    const event = world.event('all-passed');
    await world.sender().send(event);
    await held.count(1); // the Persona call has arrived
    process.kill(service.pid, 'SIGTERM');
    await service.untilLogs((l) => l.msg === 'shutting down: draining');
    expect(world.stack.persona.stats().inFlight).toBe(1);
    held.items[0]?.();
    // it exits on its own, with nothing to force it (afterEach would stop it only if this never ended)
    expect(await service.exited).toBe(0);
    expect(world.stack.persona.stats().totals.requests).toBe(1); // the held call was the only one
    const db = new Database(join(world.dir, 'decisions.db'), { readonly: true });
    try {
      const row = db.prepare('select outcome from decisions where inquiry_id = ?').get(event.inquiryId) as
        { outcome: string } | undefined;
      expect(row?.outcome).toBe('approved');
    } finally {
      db.close();
    }
  });
});
