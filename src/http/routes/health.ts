import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorCodes } from '../../errors.js';
import { toErrorBody } from '../errors.js';
import { documentedReply } from '../openapi/named-examples.js';
import { TAGS } from '../openapi/tags.js';
import { errorBodySchema } from '../schemas.js';

export interface HealthOptions {
  /** Resolves when the database answers; rejects otherwise. */
  ping: () => Promise<void>;
}

/** /readyz's 503: the usual error body with a `status` beside it, like its 200 (`{ status: 'ready' }`). */
const unavailableSchema = z.object({ status: z.literal('unavailable'), error: errorBodySchema.shape.error });

const healthzSchema = {
  operationId: 'getLiveness',
  tags: [TAGS.health],
  summary: 'Liveness: the process is up',
  response: {
    200: documentedReply(z.object({ status: z.literal('ok') }), 'Up.', {
      up: { summary: 'Up', value: { status: 'ok' } },
    }),
  },
};

const readyzSchema = {
  operationId: 'getReadiness',
  tags: [TAGS.health],
  summary: 'Readiness: the database answers',
  response: {
    200: documentedReply(z.object({ status: z.literal('ready') }), 'Ready to take traffic.', {
      ready: { summary: 'Ready', value: { status: 'ready' } },
    }),
    503: documentedReply(unavailableSchema, 'The database does not answer.', {
      databaseUnreachable: {
        summary: 'The database is down',
        given: 'database-unreachable',
        value: { status: 'unavailable', ...toErrorBody(ErrorCodes.DATABASE_UNAVAILABLE, 'database unreachable') },
      },
    }),
  },
};

/** /healthz: the process is up. /readyz: it can take traffic (the database answers). */
export async function healthRoutes(fastify: FastifyInstance, options: HealthOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/healthz', { schema: healthzSchema }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: readyzSchema }, async (request, reply) => {
    try {
      await options.ping();
      return { status: 'ready' as const };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply
        .status(503)
        .send({ status: 'unavailable', ...toErrorBody(ErrorCodes.DATABASE_UNAVAILABLE, 'database unreachable') });
    }
  });
}
