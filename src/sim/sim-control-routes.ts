import type { FastifyInstance } from 'fastify';
import type { FaultInjector } from './faults.js';
import { faultConfigSchema } from './faults.js';
import type { RateLimitConfig } from './fixed-window.js';
import { listScenarios } from './scenarios.js';
import type { SimStatsRecorder } from './sim-stats.js';

/**
 * Control endpoints for tools that run the simulator in another process (demo, e2e, bench). Not part of
 * Persona's API: no auth, not rate limited, not counted.
 */
export interface SimControlRoutesOptions {
  stats: SimStatsRecorder;
  faults: FaultInjector;
  reset: () => void;
  settings: { rateLimit: RateLimitConfig; pendingFetches: number };
}

export async function simControlRoutes(app: FastifyInstance, options: SimControlRoutesOptions): Promise<void> {
  app.get('/stats', async () => ({ ...options.stats.snapshot(), settings: options.settings }));
  app.post('/reset', async (_request, reply) => {
    options.reset();
    return reply.code(204).send();
  });
  app.get('/faults', async () => options.faults.get());
  app.put('/faults', async (request, reply) => {
    const parsed = faultConfigSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      return reply.code(400).send({ error: { code: 'FAULTS_INVALID', message: issues.join('; ') } });
    }
    options.faults.set(parsed.data);
    return options.faults.get();
  });
  app.get('/scenarios', async () =>
    listScenarios().map(({ key, description, expectedOutcome, expectedReason }) => ({
      key,
      description,
      expectedOutcome,
      expectedReason,
    })),
  );
}
