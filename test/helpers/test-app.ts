import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createManualClock, type ManualClock } from '../../src/lib/clock.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { DatabaseHandle } from '../../src/store/database-handle.js';
import type { DecisionStore } from '../../src/store/decision-store.js';
import type { DeliveryStore } from '../../src/store/delivery-store.js';
import type { EventStore } from '../../src/store/event-store.js';
import type { JobQueue } from '../../src/store/job-queue.js';

export const TEST_WEBHOOK_SECRET = 'wbhsec_test_secret_one';
export const TEST_WEBHOOK_SECRET_2 = 'wbhsec_test_secret_two';
export const TEST_API_TOKEN = 'test-read-token-0123456789abcdef0123456789';
export const TEST_DOWNSTREAM_SECRET = 'whsec_dGVzdC1kb3duc3RyZWFtLXNlY3JldC0xMjM0NTY3OA==';

/** The smallest valid environment; tests override what they exercise. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PERSONA_WEBHOOK_SECRET: `${TEST_WEBHOOK_SECRET},${TEST_WEBHOOK_SECRET_2}`,
    PERSONA_API_KEY: 'persona_sandbox_test_key',
    PERSONA_API_URL: 'https://persona.test/api/v1',
    API_TOKENS: TEST_API_TOKEN,
    LOG_LEVEL: 'debug',
    ...overrides,
  };
}

/** Captures every log line as parsed JSON, so tests can assert on logs (and on what must never be in them). */
export function createCapturedLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l.length > 0),
      );
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

export interface TestContext {
  /** The service's deps as createDeps built them, with the manual clock, captured logs and instant sleeps. */
  deps: Deps;
  dir: string;
  databaseUrl: string;
  config: Config;
  clock: ManualClock;
  logger: Logger;
  logLines: string[];
  database: DatabaseHandle;
  queue: JobQueue;
  events: EventStore;
  decisions: DecisionStore;
  deliveries: DeliveryStore;
  app: FastifyInstance;
  wakeups: number;
  /** Closes the app and the database; the directory stays (for restart tests) until `cleanup`. */
  close(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * A fresh app on a real SQLite file in a temp dir (or the database a test names), wired by createDeps like the
 * service, with a manual clock, captured logs, a fixed jitter and sleeps that move the clock instead of waiting.
 */
export async function createTestContext(
  options: {
    env?: Record<string, string | undefined>;
    dir?: string;
    clock?: ManualClock;
    databaseUrl?: string;
    /** Of the captured logs (default debug). */
    logLevel?: string;
  } = {},
): Promise<TestContext> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'persona-decider-test-'));
  // SQLite in the temp dir unless the test names a database (e.g. a PostgreSQL one of test/store/dialects.ts)
  const databaseUrl = options.databaseUrl ?? `sqlite:${join(dir, 'decisions.db')}`;
  const config = loadConfig(testEnv({ DATABASE_URL: databaseUrl, ...options.env }));
  const clock = options.clock ?? createManualClock(Date.parse('2026-11-29T10:00:00.000Z'));
  const { logger, lines } = createCapturedLogger(options.logLevel);
  const sleep = async (ms: number) => {
    clock.advance(ms);
  };
  const deps = await createDeps(config, { clock, logger, random: () => 0.5, sleep });
  const { database, queue, events, decisions, deliveries } = deps;
  const context: TestContext = {
    deps,
    dir,
    databaseUrl,
    config,
    clock,
    logger,
    logLines: lines,
    database,
    queue,
    events,
    decisions,
    deliveries,
    wakeups: 0,
    app: undefined as unknown as FastifyInstance,
    close: async () => {
      await context.app.close();
      await database.close();
    },
    cleanup: async () => {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  context.app = await buildApp({
    ...deps,
    onEnqueued: () => {
      context.wakeups += 1;
    },
  });
  return context;
}
