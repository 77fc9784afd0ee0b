import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorCodes } from '../../errors.js';
import { toErrorBody } from '../errors.js';
import { errorBodySchema, errorResponses } from '../schemas.js';

export interface HealthOptions {
  /** Resolves when the database answers; rejects otherwise. */
  ping: () => Promise<void>;
}

/** /readyz's 503: the usual error body with a `status` beside it, like its 200 (`{ status: 'ready' }`). */
const unavailableSchema = z.object({ status: z.literal('unavailable'), error: errorBodySchema.shape.error });

/** /healthz: the process is up. /readyz: it can take traffic (the database answers). */
export async function healthRoutes(fastify: FastifyInstance, options: HealthOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const up = z.object({ status: z.literal('ok') });
  app.get('/healthz', { schema: { response: { 200: up, ...errorResponses } } }, async () => ({
    status: 'ok' as const,
  }));
  app.get(
    '/readyz',
    {
      schema: {
        response: { 200: z.object({ status: z.literal('ready') }), 503: unavailableSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      try {
        await options.ping();
        return { status: 'ready' as const };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return reply
          .status(503)
          .send({ status: 'unavailable', ...toErrorBody(ErrorCodes.DATABASE_UNAVAILABLE, 'database unreachable') });
      }
    },
  );
}
