import { afterAll, beforeAll, beforeEach } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { createManualClock, type ManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/logger.js';
import type { DatabaseHandle } from '../../src/store/database-handle.js';
import type { IncomingEvent } from '../../src/store/event-store.js';
import type { JobSpec } from '../../src/job-kinds.js';
import type { Database } from '../../src/store/database.js';
import type { AuditStore } from '../../src/store/audit-store.js';
import type { DecisionList } from '../../src/store/decision-list.js';
import type { DecisionStore } from '../../src/store/decision-store.js';
import type { DeliveryStore } from '../../src/store/delivery-store.js';
import type { EventStore } from '../../src/store/event-store.js';
import type { JobQueue } from '../../src/store/job-queue.js';
import { TEST_DOWNSTREAM_SECRET, testEnv } from '../helpers/test-app.js';
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
  audit: AuditStore;
  decisionList: DecisionList;
}

const TABLES: (keyof Database)[] = [
  'audit_log',
  'delivery_attempts',
  'reconciliations',
  'write_backs',
  'jobs',
  'failed_jobs',
  'deliveries',
  'decisions',
  'inquiries',
  'persona_events',
  'rate_budget',
  'rate_budget_grants',
];

/**
 * Registers hooks in the calling describe: one migrated database for the suite, wired by createDeps like the
 * service (decisions delivered downstream, so the outbox is on), emptied and with the clock back at T0 before each
 * test. Returns a getter (the harness exists once beforeAll has run).
 */
export function useStoreHarness(d: DialectCase): () => StoreHarness {
  let harness: StoreHarness | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await d.createDatabase();
    cleanup = created.cleanup;
    const config = loadConfig(
      testEnv({
        DATABASE_URL: created.url,
        DOWNSTREAM_URL: 'http://127.0.0.1:9/decisions',
        DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET,
      }),
    );
    const clock = createManualClock(T0);
    const deps = await createDeps(config, { clock, logger: createLogger('silent') });
    const { database, queue, events, decisions, deliveries, audit, decisionList } = deps;
    harness = { url: created.url, database, clock, queue, events, decisions, deliveries, audit, decisionList };
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

/** A `report/watchlist.matched` event as intake records it: acted on only for an inquiry already seen. */
export function reportIncomingEvent(
  eventId: string,
  inquiryId: string,
  createdAt: string,
  attempts: IncomingEvent['attempts'] = { attemptsMade: 1, attemptsLeft: 7, firstAttemptedAt: null },
): IncomingEvent {
  return {
    event: {
      eventId,
      name: 'report/watchlist.matched',
      createdAt,
      objectType: 'report/watchlist',
      objectId: `rep_${eventId}`,
      inquiryId,
    },
    disposition: 'accepted',
    knownInquiryOnly: true,
    attempts,
  };
}

/** A delivery job as the queue's contract tests enqueue it (no queue, due at T0, unless overridden). */
export function deliveryJobSpec(
  key: string,
  overrides: Partial<JobSpec<'deliver_decision'>> = {},
): JobSpec<'deliver_decision'> {
  return { kind: 'deliver_decision', key, queue: null, payload: { deliveryId: key }, runAt: T0, ...overrides };
}
