import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Deps } from './deps.js';
import { createBearerAuth } from './http/bearer-auth.js';
import { installErrorHandler } from './http/errors.js';
import { decisionRoutes } from './http/routes/decisions.js';
import { deliveryRoutes } from './http/routes/deliveries.js';
import { healthRoutes } from './http/routes/health.js';
import { inquiryRoutes } from './http/routes/inquiries.js';
import { jobRoutes } from './http/routes/jobs.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { personaWebhookRoutes } from './http/routes/persona-webhook.js';
import { createEventClassifier } from './persona/event-names.js';

/** What the HTTP layer uses of the service's deps (createDeps), plus the worker's wake-up. */
export interface AppDeps extends Pick<
  Deps,
  'config' | 'logger' | 'clock' | 'database' | 'queue' | 'events' | 'decisions' | 'deliveries' | 'policy' | 'metrics'
> {
  /** Wakes the worker when a job was committed. */
  onEnqueued: () => void;
}

/** Builds the Fastify app. It never listens and never reads the environment: main.ts and tests do that. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // one line per webhook is logged by the route itself, with ids; per-request access logs would triple that
    logController: new LogController({ disableRequestLogging: true }),
    // the webhook route sets its own (configurable) limit; other routes take no large bodies
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    // a client that sends its body at a trickle must not hold a connection forever (the webhook route is public)
    requestTimeout: 30_000,
    // a stored Persona id may be 128 characters (persona/ids.ts): it must fit a path parameter (Fastify's default is 100)
    routerOptions: { maxParamLength: 160 },
  });
  // params, query strings and replies are zod schemas declared on each route
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  const { onEnqueued } = deps;
  // METRICS_ENABLED=false: no /metrics route and no hook on the webhook path
  const { registry } = deps.metrics;
  await app.register(healthRoutes, { ping: () => deps.database.ping() });
  await app.register(personaWebhookRoutes, {
    secrets: deps.config.personaWebhookSecrets,
    toleranceSeconds: deps.config.webhookToleranceSeconds,
    maxAgeSeconds: deps.config.webhookMaxAgeSeconds,
    bodyLimitBytes: deps.config.webhookBodyLimitBytes,
    clock: deps.clock,
    events: deps.events,
    classifyEvent: createEventClassifier(deps.config.personaEvents, deps.policy.reportTypes),
    onEnqueued,
    ...(registry ? { metrics: deps.metrics.recorder } : {}),
  });
  const requireBearer = createBearerAuth(deps.config.apiTokens);
  await app.register(decisionRoutes, {
    decisions: deps.decisions,
    deliveries: deps.deliveries,
    requireBearer,
    onEnqueued,
  });
  await app.register(inquiryRoutes, { events: deps.events, requireBearer, onEnqueued });
  await app.register(deliveryRoutes, { deliveries: deps.deliveries, requireBearer, onEnqueued });
  await app.register(jobRoutes, { queue: deps.queue, requireBearer });
  if (registry) {
    const { metricsToken } = deps.config;
    await app.register(metricsRoutes, {
      registry,
      requireBearer: metricsToken === undefined ? undefined : createBearerAuth([metricsToken]),
    });
  }
  return app;
}
