import { setTimeout as delay } from 'node:timers/promises';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Clock, Random } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import type { FaultConfig } from './faults.js';
import { createFaultInjector } from './faults.js';
import type { RateLimitConfig } from './fixed-window.js';
import { createFixedWindow, PERSONA_DEFAULT_RATE_LIMIT } from './fixed-window.js';
import type { ListenAddress } from './listen.js';
import { listenOn, originOf } from './listen.js';
import { personaApiRoutes } from './persona-api-routes.js';
import { createEventLog, type LoggedEvent } from './event-log.js';
import { createScenarioCatalog } from './scenario-catalog.js';
import type { ScenarioCatalog, SetStepResult } from './scenario-catalog.js';
import { simControlRoutes } from './sim-control-routes.js';
import type { SimStats } from './sim-stats.js';
import { createSimStats } from './sim-stats.js';

/**
 * A Persona API stand-in for the demo, the end-to-end tests and the benchmarks: it serves the scenario inquiries
 * (scenarios.ts) under /api/v1 and control endpoints under /_sim (stats, reset, faults, scenarios, lifecycle steps).
 */
export interface PersonaSimulatorOptions {
  /** The bearer token the simulator accepts. */
  apiKey: string;
  /** Default Persona's production limit: 300 requests per 60 s. */
  rateLimit?: RateLimitConfig;
  /** Fetches a `settles-after-polls` verification stays `initiated` for. Default 2. */
  pendingFetches?: number;
  faults?: FaultConfig;
  /** `created-at` of every inquiry; other timestamps are offsets from it. */
  createdAt?: string;
  clock?: Clock;
  random?: Random;
  /** How injected latency waits; tests pass a recorder instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Fastify request logging (off by default: a benchmark would measure the logger). */
  logger?: boolean;
}

export interface PersonaSimulator {
  /** For `app.inject()` in tests; already has every route. */
  readonly app: FastifyInstance;
  /** Listens (127.0.0.1, ephemeral port by default) and returns `apiUrl`. */
  listen(address?: ListenAddress): Promise<string>;
  /** `http://127.0.0.1:<port>`; throws before `listen()`. */
  readonly url: string;
  /** `<url>/api/v1`: what PERSONA_API_URL should be. */
  readonly apiUrl: string;
  close(): Promise<void>;
  stats(): SimStats;
  /** Clears stats, fetch counts, lifecycle steps, the rate window and spent faults; keeps the fault configuration. */
  reset(): void;
  setFaults(config: FaultConfig): void;
  /**
   * Serves the inquiry as at `step` of its scenario's lifecycle (its status and linked reports) from now on, as
   * `PUT /_sim/inquiries/:inquiryId/step` does. Fails for an unknown inquiry or a step the scenario lacks.
   */
  setStep(inquiryId: string, step: number): SetStepResult;
  /** Logs an event as created in Persona, for `GET /events` (the stack's senders call it for every event). */
  logEvent(event: LoggedEvent): void;
  /** The review actions received (`POST /inquiries/{id}/approve|decline|mark-for-review`), in order. */
  reviews(): ReturnType<ScenarioCatalog['reviews']>;
}

const API_PREFIX = '/api/v1';

export function createPersonaSimulator(options: PersonaSimulatorOptions): PersonaSimulator {
  const clock = options.clock ?? systemClock;
  const rateLimit = options.rateLimit ?? PERSONA_DEFAULT_RATE_LIMIT;
  const window = createFixedWindow(rateLimit, clock);
  const faults = createFaultInjector(options.faults ?? {}, options.random ?? Math.random);
  const stats = createSimStats();
  const pendingFetches = options.pendingFetches ?? 2;
  const catalog = createScenarioCatalog({
    pendingFetches,
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
  });
  const eventLog = createEventLog();
  let requests = 0;
  const nextRequestId = (): string => `req_sim${String((requests += 1)).padStart(20, '0')}`;

  const reset = (): void => {
    eventLog.clear();
    stats.reset();
    catalog.reset();
    window.reset();
    faults.reset();
  };
  const app = Fastify({ logger: options.logger ?? false });
  void app.register(personaApiRoutes, {
    prefix: API_PREFIX,
    apiKey: options.apiKey,
    catalog,
    eventLog,
    window,
    windowSeconds: rateLimit.windowMs / 1000,
    faults,
    stats,
    sleep: options.sleep ?? ((ms: number) => delay(ms)),
    nextRequestId,
  });
  void app.register(simControlRoutes, {
    prefix: '/_sim',
    stats,
    faults,
    reset,
    setStep: (inquiryId, step) => catalog.setStep(inquiryId, step),
    settings: { rateLimit, pendingFetches },
  });

  let origin: string | null = null;
  return {
    app,
    async listen(address) {
      origin = await listenOn(app, address);
      return `${origin}${API_PREFIX}`;
    },
    get url() {
      return originOf(origin, 'the Persona simulator');
    },
    get apiUrl() {
      return `${originOf(origin, 'the Persona simulator')}${API_PREFIX}`;
    },
    close: () => app.close(),
    stats: () => stats.snapshot(),
    reset,
    setFaults: (config) => faults.set(config),
    setStep: (inquiryId, step) => catalog.setStep(inquiryId, step),
    reviews: () => catalog.reviews(),
    logEvent: (event) => eventLog.add(event),
  };
}
