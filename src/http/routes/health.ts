import type { FastifyInstance } from 'fastify';

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
      return reply.status(503).send({ status: 'unavailable', error: { code: 'DATABASE_UNAVAILABLE', message: 'database unreachable' } });
    }
  });
}
