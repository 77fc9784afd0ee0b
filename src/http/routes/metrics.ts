import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { RequireBearer } from '../bearer-auth.js';
import { bearerUnauthorizedResponse } from '../openapi/error-responses.js';
import { documentedTextReply } from '../openapi/named-examples.js';
import { METRICS_SECURITY, TAGS } from '../openapi/tags.js';

export interface MetricsRoutesOptions {
  registry: Pick<Registry, 'metrics' | 'contentType'>;
  /** METRICS_TOKEN set: a scraper must present it as a bearer token. Unset: the route is open. */
  requireBearer: RequireBearer | undefined;
}

/** The media type prom-client answers with (its `Registry.PROMETHEUS_CONTENT_TYPE`, before `; charset=utf-8`). */
const EXPOSITION_MEDIA_TYPE = 'text/plain; version=0.0.4';

const SCRAPE_EXCERPT = `# HELP persona_decider_webhooks_total POST /webhooks/persona answers by result: an acknowledgement status or the reason it was refused.
# TYPE persona_decider_webhooks_total counter
persona_decider_webhooks_total{result="stored"} 3
persona_decider_webhooks_total{result="duplicate"} 1
# HELP persona_decider_deliveries_dead_lettered Deliveries that gave up (POST /deliveries/:id/retry).
# TYPE persona_decider_deliveries_dead_lettered gauge
persona_decider_deliveries_dead_lettered 0
`;

const metricsSchema = {
  operationId: 'getMetrics',
  tags: [TAGS.metrics],
  summary: 'Prometheus metrics',
  description:
    "The service's counters, histograms and database gauges in Prometheus' text exposition format 0.0.4 (README " +
    '"Metrics"; deploy/prometheus has alert rules over them). Open unless `METRICS_TOKEN` is set, then it takes ' +
    '`Authorization: Bearer <METRICS_TOKEN>`; absent (404) when `METRICS_ENABLED=false`. The database gauges are read ' +
    'at most once per 5 s; while the database does not answer, `persona_decider_database_up` is 0 and the last values ' +
    'are kept, so a scrape answers 200.',
  security: METRICS_SECURITY,
  response: {
    200: documentedTextReply(EXPOSITION_MEDIA_TYPE, z.string(), 'The exposition (abbreviated in the example).', {
      scrape: { summary: 'A scrape (an excerpt)', value: SCRAPE_EXCERPT },
    }),
    401: bearerUnauthorizedResponse('`METRICS_TOKEN` is set and the request does not carry it as a bearer token.'),
  },
};

/**
 * GET /metrics: the Prometheus text exposition of the service's own registry (src/metrics). Meant for a scraper on
 * the internal network: only POST /webhooks/persona should be reachable from outside (docs/deployment.md).
 */
export async function metricsRoutes(fastify: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { registry, requireBearer } = options;
  app.get(
    '/metrics',
    { ...(requireBearer ? { onRequest: requireBearer } : {}), schema: metricsSchema },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
