import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/lib/clock.js';
import { connectDatabase, type DatabaseHandle } from '../../src/store/connect.js';
import type { Database } from '../../src/store/database.js';
import { createDecisionStore, type DecisionStore } from '../../src/store/decision-store.js';
import { createDeliveryStore, type DeliveryStore } from '../../src/store/delivery-store.js';
import { createEventStore, type EventStore } from '../../src/store/event-store.js';
import { createJobQueue, type JobQueue } from '../../src/store/job-queue.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { DialectCase } from './dialects.js';

export const T0 = Date.parse('2026-11-29T10:00:00.000Z');

export interface StoreHarness {
  url: string;
  database: DatabaseHandle;
  clock: ManualClock;
  queue: JobQueue;
  events: EventStore;
  decisions: DecisionStore;
  deliveries: DeliveryStore;
}

const TABLES: (keyof Database)[] = ['jobs', 'deliveries', 'decisions', 'inquiries', 'persona_events', 'rate_budget', 'rate_budget_grants'];

/**
 * Registers hooks in the calling describe: one migrated database for the suite, emptied and with the clock
 * back at T0 before each test. Returns a getter (the harness exists once beforeAll has run).
 */
export function useStoreHarness(d: DialectCase): () => StoreHarness {
  let harness: StoreHarness | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await d.createDatabase();
    cleanup = created.cleanup;
    const database = await connectDatabase(created.url);
    await migrateToLatest(database.db);
    const clock = createManualClock(T0);
    const queue = createJobQueue({ db: database.db, dialect: database.dialect, clock, notifier: database.notifier });
    harness = {
      url: created.url,
      database,
      clock,
      queue,
      events: createEventStore({ db: database.db, queue, clock }),
      decisions: createDecisionStore({ db: database.db, queue, clock }),
      deliveries: createDeliveryStore({ db: database.db, queue, clock }),
    };
  });
  afterAll(async () => {
    await harness?.database.close();
    await cleanup?.();
  });
  beforeEach(async () => {
    const h = get();
    for (const table of TABLES) await h.database.db.deleteFrom(table).execute();
    h.clock.set(T0);
  });
  const get = (): StoreHarness => {
    if (!harness) throw new Error('store harness used before beforeAll');
    return harness;
  };
  return get;
}
