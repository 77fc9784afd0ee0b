import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Deps } from './deps.js';
import { countedReportTypes } from './decision/policy.js';
import { createBearerAuth } from './http/bearer-auth.js';
import { createClientErrorHandler } from './http/client-error.js';
import { installErrorHandler } from './http/errors.js';
import { answerFrameworkError } from './http/framework-errors.js';
import { registerOpenApi } from './http/openapi/register-openapi.js';
import { createRequestIdGenerator, echoRequestId } from './http/request-id.js';
import { consoleRoutes } from './http/routes/console.js';
import { decisionRoutes } from './http/routes/decisions.js';
import { deliveryRoutes } from './http/routes/deliveries.js';
import { docsRoutes } from './http/routes/docs.js';
import { healthRoutes } from './http/routes/health.js';
import { inquiryRoutes } from './http/routes/inquiries.js';
import { jobRoutes } from './http/routes/jobs.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { reconciliationRoutes } from './http/routes/reconciliations.js';
import { shadowRoutes } from './http/routes/shadow.js';
import { auditRoutes } from './http/routes/audit.js';
import { reviewRoutes } from './http/routes/review.js';
import { sessionRoutes } from './http/routes/session.js';
import { statusRoutes } from './http/routes/status.js';
import { personaWebhookRoutes } from './http/routes/persona-webhook.js';
import { toFastifyTrustProxy } from './http/trust-proxy.js';
import { createEventClassifier } from './persona/event-names.js';
import { PERSONA_ID_MAX_LENGTH } from './persona/ids.js';

/** What the HTTP layer uses of the service's deps (createDeps), plus the worker's wake-up. */
export interface AppDeps extends Pick<
  Deps,
  | 'config'
  | 'logger'
  | 'clock'
  | 'database'
  | 'queue'
  | 'events'
  | 'decisions'
  | 'deliveries'
  | 'reconciliations'
  | 'shadows'
  | 'decisionList'
  | 'audit'
  | 'readSnapshot'
  | 'policy'
  | 'shadowPolicy'
  | 'metrics'
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
    // one id limit (persona/ids.ts): an id up to it fits a path parameter (Fastify's default is 100), a little more
    // reaches the route's schema (400, naming the id), and anything longer is refused by the router (400 too)
    routerOptions: { maxParamLength: PERSONA_ID_MAX_LENGTH + 32 },
    frameworkErrors: answerFrameworkError,
    // X-Request-Id from a proxy when it is plain, else a fresh one: pino's reqId on every line of the request
    requestIdHeader: false,
    genReqId: createRequestIdGenerator(),
    // TRUST_PROXY: whose X-Forwarded-For sets request.ip (off by default: the peer is the client)
    trustProxy: toFastifyTrustProxy(deps.config.trustProxy),
    // Fastify's default would log the raw bytes of a malformed request (bearer tokens, signatures) at trace level
    clientErrorHandler: createClientErrorHandler(deps.logger),
  });
  app.addHook('onRequest', echoRequestId);
  // params, query strings and replies are zod schemas declared on each route
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  // first: it documents the routes registered after it (GET /openapi.json, docs/openapi.json)
  await registerOpenApi(app);

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
    classifyEvent: createEventClassifier(deps.config.personaEvents, countedReportTypes(deps.policy)),
    onEnqueued,
    ...(registry ? { metrics: deps.metrics.recorder } : {}),
  });
  const requireBearer = createBearerAuth(deps.config.bearerTokens);
  await app.register(decisionRoutes, {
    decisions: deps.decisions,
    decisionList: deps.decisionList,
    deliveries: deps.deliveries,
    requireBearer,
    onEnqueued,
  });
  await app.register(reviewRoutes, {
    decisions: deps.decisions,
    policyVersion: deps.policy.version,
    requireBearer,
    onEnqueued,
  });
  await app.register(sessionRoutes, { requireBearer });
  await app.register(auditRoutes, { audit: deps.audit, requireBearer });
  await app.register(statusRoutes, { readSnapshot: deps.readSnapshot, requireBearer });
  await app.register(inquiryRoutes, { events: deps.events, requireBearer, onEnqueued });
  await app.register(deliveryRoutes, { deliveries: deps.deliveries, requireBearer, onEnqueued });
  await app.register(jobRoutes, { queue: deps.queue, requireBearer });
  await app.register(reconciliationRoutes, { runs: deps.reconciliations, requireBearer });
  await app.register(shadowRoutes, {
    shadows: deps.shadows,
    shadowPolicyVersion: deps.shadowPolicy?.version ?? null,
    clock: deps.clock,
    requireBearer,
  });
  await app.register(docsRoutes);
  await app.register(consoleRoutes);
  if (registry) {
    const { metricsToken } = deps.config;
    await app.register(metricsRoutes, {
      registry,
      requireBearer:
        metricsToken === undefined
          ? undefined
          : createBearerAuth([{ name: 'metrics', token: metricsToken, access: 'read' }]),
    });
  }
  return app;
}
