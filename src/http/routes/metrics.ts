import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { RequireBearer } from '../bearer-auth.js';
import { errorResponses } from '../schemas.js';

export interface MetricsRoutesOptions {
  registry: Pick<Registry, 'metrics' | 'contentType'>;
  /** METRICS_TOKEN set: a scraper must present it as a bearer token. Unset: the route is open. */
  requireBearer: RequireBearer | undefined;
}

/**
 * GET /metrics: the Prometheus text exposition of the service's own registry (src/metrics). Meant for a scraper on
 * the internal network: only POST /webhooks/persona should be reachable from outside (docs/deployment.md).
 */
export async function metricsRoutes(fastify: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { registry, requireBearer } = options;
  app.get(
    '/metrics',
    {
      ...(requireBearer ? { onRequest: requireBearer } : {}),
      schema: {
        // Prometheus' own exposition format is this route's contract (README "Metrics"), not the JSON API's
        hide: true,
        response: { 200: z.string().describe('Prometheus text format 0.0.4'), ...errorResponses },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
