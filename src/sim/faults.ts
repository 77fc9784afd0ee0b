import { z } from 'zod';
import type { Random } from '../lib/clock.js';
import { SCENARIO_KEYS } from './scenarios.js';
import type { ScenarioKey } from './scenarios.js';

/**
 * Injected misbehaviour, so the service's retry, backoff and rate-budget code can be exercised against something
 * that answers like Persona on a bad day. A `global` spec applies to every API request and its counted faults
 * (`serverErrors`, `rateLimited`) are spent across all requests; a per-scenario spec applies to requests about
 * inquiries of that scenario (the inquiry and its verifications and reports) and its counted faults are spent
 * per inquiry, so every inquiry of the scenario sees them. Latencies add up; everything else applies independently.
 */
const faultSpecSchema = z.strictObject({
  /** Added to every matching request before it is answered. */
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** Answer the first N matching requests with `serverErrorStatus`. */
  serverErrors: z.number().int().min(0).optional(),
  /** Answer each matching request with `serverErrorStatus` with this probability. */
  serverErrorProbability: z.number().min(0).max(1).optional(),
  serverErrorStatus: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
  /** Answer the first N matching requests with 429 whatever the window says. */
  rateLimited: z.number().int().min(0).optional(),
  rateLimitedProbability: z.number().min(0).max(1).optional(),
  /**
   * `RateLimit-Reset` on a forced 429 (default 1). Clients wait that long, so a forced 429 that claimed the real
   * window's reset would stall tests for up to a minute.
   */
  rateLimitedResetSeconds: z.number().int().min(0).max(3600).optional(),
});

export const faultConfigSchema = z.strictObject({
  global: faultSpecSchema.optional(),
  scenarios: z.partialRecord(z.enum(SCENARIO_KEYS), faultSpecSchema).optional(),
});

type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultConfig = z.infer<typeof faultConfigSchema>;

export type FaultAnswer = { kind: 'rate-limited'; resetSeconds: number } | { kind: 'server-error'; status: number };

export interface FaultVerdict {
  latencyMs: number;
  /** Answer with this instead of serving the request; null to serve it. */
  answer: FaultAnswer | null;
}

export interface FaultScope {
  scenario: ScenarioKey | null;
  inquiryId: string | null;
}

export interface FaultInjector {
  decide(scope: FaultScope): FaultVerdict;
  set(config: FaultConfig): void;
  get(): FaultConfig;
  /** Forgets how many counted faults were spent; the configuration stays. */
  reset(): void;
}

interface Spent {
  serverErrors: number;
  rateLimited: number;
}

export function createFaultInjector(initial: FaultConfig, random: Random): FaultInjector {
  let config = faultConfigSchema.parse(initial);
  const spent = new Map<string, Spent>();

  function spentFor(key: string): Spent {
    let entry = spent.get(key);
    if (!entry) spent.set(key, (entry = { serverErrors: 0, rateLimited: 0 }));
    return entry;
  }

  function answerFor(spec: FaultSpec, counter: Spent): FaultAnswer | null {
    if (counter.rateLimited < (spec.rateLimited ?? 0) || hit(spec.rateLimitedProbability, random)) {
      counter.rateLimited += 1;
      return { kind: 'rate-limited', resetSeconds: spec.rateLimitedResetSeconds ?? 1 };
    }
    if (counter.serverErrors < (spec.serverErrors ?? 0) || hit(spec.serverErrorProbability, random)) {
      counter.serverErrors += 1;
      return { kind: 'server-error', status: spec.serverErrorStatus ?? 503 };
    }
    return null;
  }

  return {
    decide({ scenario, inquiryId }) {
      const applicable: Array<[FaultSpec, string]> = [];
      if (config.global) applicable.push([config.global, 'global']);
      const scoped = scenario ? config.scenarios?.[scenario] : undefined;
      if (scoped && inquiryId) applicable.push([scoped, `inquiry:${inquiryId}`]);
      let latencyMs = 0;
      let answer: FaultAnswer | null = null;
      for (const [spec, key] of applicable) {
        latencyMs += spec.latencyMs ?? 0;
        answer ??= answerFor(spec, spentFor(key));
      }
      return { latencyMs, answer };
    },
    set(next) {
      config = faultConfigSchema.parse(next);
      spent.clear();
    },
    get: () => config,
    reset: () => spent.clear(),
  };
}

function hit(probability: number | undefined, random: Random): boolean {
  return probability !== undefined && probability > 0 && random() < probability;
}
