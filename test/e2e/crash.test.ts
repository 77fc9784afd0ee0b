import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/report.js';
import { E2eWorld } from './harness.js';

let world: E2eWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('crash and shutdown', { timeout: 90_000 }, () => {
  it('decides and delivers every acknowledged webhook when the service is SIGKILLed mid-burst and restarted', async () => {
    world = await E2eWorld.start({ sim: { latencyMs: 20 } });
    const w = world;
    const port = new URL(w.url).port;
    const events = Array.from({ length: 150 }, () => w.event('all-passed'));
    // like Persona, the sender retries what was not acknowledged (the service is down for a moment)
    const burst = w.sender({ retryUntilAcked: { maxAttempts: 200, delayMs: 50 } }).sendBurst(events, { concurrency: 2 });
    const accepted = () => w.service?.readLogs().filter((l) => l.msg === 'webhook accepted').length ?? 0;
    await waitFor(async () => accepted() >= 30, 30_000, 2);
    await w.service?.kill();
    await w.startService(port);
    const results = await burst;
    expect(results.every((r) => r.acked)).toBe(true);
    expect(results.some((r) => r.attempts > 1)).toBe(true); // some webhooks did hit the dead service
    const decided = await w.settled(events.map((e) => e.inquiryId), 60_000);
    expect([...decided.values()].every((d) => d.outcome === 'approved')).toBe(true);
    // at-least-once downstream: a delivery in flight at the kill may be sent twice, but always under one webhook-id
    const byInquiry = new Map<string, Set<string | null>>();
    for (const d of w.deliveries()) byInquiry.set(d.inquiryId as string, (byInquiry.get(d.inquiryId as string) ?? new Set()).add(d.webhookId));
    expect(byInquiry.size).toBe(events.length);
    for (const ids of byInquiry.values()) expect(ids.size).toBe(1);
  });

  it('drains on SIGTERM: finishes the job in flight, then exits 0', async () => {
    world = await E2eWorld.start({ sim: { faults: { scenarios: { 'all-passed': { latencyMs: 1500 } } } } });
    const event = world.event('all-passed');
    await world.sender().send(event);
    // the Persona call is in flight (1.5 s of simulated latency) when the signal arrives
    await waitFor(async () => world!.stack.persona.stats().inFlight > 0, 10_000, 10);
    const code = await world.service?.stop(20_000);
    expect(code).toBe(0);
    const db = new Database(join(world.dir, 'decisions.db'), { readonly: true });
    try {
      const row = db.prepare('select outcome from decisions where inquiry_id = ?').get(event.inquiryId) as { outcome: string } | undefined;
      expect(row?.outcome).toBe('approved');
    } finally {
      db.close();
    }
  });
});
