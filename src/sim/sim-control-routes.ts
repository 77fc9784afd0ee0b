import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FaultInjector } from './faults.js';
import { faultConfigSchema } from './faults.js';
import type { RateLimitConfig } from './fixed-window.js';
import type { SetStepResult } from './scenario-catalog.js';
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
  setStep: (inquiryId: string, step: number) => SetStepResult;
  settings: { rateLimit: RateLimitConfig; pendingFetches: number };
}

const stepBodySchema = z.strictObject({ step: z.number().int().min(0) });

const STEP_ERRORS = {
  unknown_inquiry: { code: 'INQUIRY_NOT_FOUND', message: 'no scenario inquiry has this id' },
  step_out_of_range: { code: 'STEP_OUT_OF_RANGE', message: "the inquiry's scenario has no such step" },
} as const;

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
      return reply.code(400).send({ error: { code: 'FAULTS_INVALID', message: describeIssues(parsed.error) } });
    }
    options.faults.set(parsed.data);
    return options.faults.get();
  });
  app.put<{ Params: { inquiryId: string } }>('/inquiries/:inquiryId/step', async (request, reply) => {
    const parsed = stepBodySchema.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: { code: 'STEP_INVALID', message: describeIssues(parsed.error) } });
    }
    const result = options.setStep(request.params.inquiryId, parsed.data.step);
    return result.ok ? reply.code(204).send() : reply.code(404).send({ error: STEP_ERRORS[result.reason] });
  });
  app.get('/scenarios', async () =>
    listScenarios().map(({ key, description, expectedOutcome, expectedReason, steps, policy }) => ({
      key,
      description,
      expectedOutcome,
      expectedReason,
      steps: steps.map(({ event, expectedOutcome, expectedReason, delivers }) => ({
        event,
        expectedOutcome,
        expectedReason,
        delivers,
      })),
      ...(policy ? { policy } : {}),
    })),
  );
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
