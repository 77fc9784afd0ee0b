import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '../../errors.js';
import { toErrorBody } from '../errors.js';

export interface HealthOptions {
  /** Resolves when the database answers; rejects otherwise. */
  ping: () => Promise<void>;
}

/** /healthz: the process is up. /readyz: it can take traffic (the database answers). */
export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      await options.ping();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      // the usual error body with a `status` beside it, like the 200's
      return reply.status(503).send({ status: 'unavailable', ...toErrorBody(ErrorCodes.DATABASE_UNAVAILABLE, 'database unreachable') });
    }
  });
}
