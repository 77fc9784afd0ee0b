import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetricsRecorder, WebhookResult } from '../metrics/recorder.js';

/** Notes what became of one webhook request, when only the route knows (see trackWebhookResults). */
export type NoteWebhookResult = (request: FastifyRequest, result: WebhookResult) => void;

/**
 * Counts every answer of the plugin that calls it (the webhook route) by result, with the time from the request's
 * arrival to the answer. The route notes what only it knows (the acknowledgement status, a stale signature, an
 * overloaded intake); the HTTP status tells the rest, including answers the route never saw (a body over the
 * limit, a wrong content type). Without metrics no hook is installed: the request path stays as it was.
 */
export function trackWebhookResults(
  app: FastifyInstance,
  metrics: Pick<MetricsRecorder, 'webhook'> | undefined,
): NoteWebhookResult {
  if (!metrics) return () => undefined;
  const noted = new WeakMap<FastifyRequest, WebhookResult>();
  app.addHook('onResponse', (request, reply, done) => {
    metrics.webhook(noted.get(request) ?? resultOfStatus(reply.statusCode), reply.elapsedTime / 1000);
    done();
  });
  return (request, result) => {
    noted.set(request, result);
  };
}

/** The error answers of POST /webhooks/persona (README, "Webhook intake"), by status. */
function resultOfStatus(status: number): WebhookResult {
  switch (status) {
    case 400:
      return 'invalid_body';
    case 401:
      return 'signature';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 503:
      return 'unavailable';
    default:
      return 'error';
  }
}
