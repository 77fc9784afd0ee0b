import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError, ErrorCodes } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { GroupCommitOverloadedError } from '../../lib/group-commit.js';
import { verifyPersonaSignature } from '../../persona/signature.js';
import type { EventDisposition } from '../../persona/event-names.js';
import { evidenceFromWebhook } from '../../persona/webhook-evidence.js';
import { parseAttemptHeaders, parsePersonaEvent } from '../../persona/webhook-event.js';
import type { EventStore, RecordResult } from '../../store/event-store.js';
import { personaWebhookSchema } from '../persona-webhook-schema.js';
import { createSignaturePrecheck } from '../signature-precheck.js';
import type { MetricsRecorder } from '../../metrics/recorder.js';
import { trackWebhookResults } from '../webhook-results.js';

/**
 * The evidence a webhook carries is Persona's copy from when the event was created: it decides with no call only
 * while that is recent. Persona delivers within seconds; its retries (up to ~51 h later) resend the old copy.
 */
export const ZERO_CALL_MAX_EVENT_AGE_MS = 5 * 60_000;

export interface PersonaWebhookOptions {
  secrets: readonly string[];
  /** Future skew allowed on the signature timestamp. */
  toleranceSeconds: number;
  /** Oldest signature accepted; older than the tolerance is accepted and logged at warn with its age. */
  maxAgeSeconds: number;
  bodyLimitBytes: number;
  clock: Clock;
  events: Pick<EventStore, 'recordIntake'>;
  /** What the service does with an event name (PERSONA_EVENTS and the policy's report types): see event-names.ts. */
  classifyEvent: (event: { name: string; objectType: string }) => EventDisposition;
  /** Called after a job was committed, to wake the worker at once. */
  onEnqueued: () => void;
  /** Every answer by result, with its acknowledgement time (src/metrics); absent: nothing is recorded. */
  metrics?: Pick<MetricsRecorder, 'webhook'>;
}

/**
 * POST /webhooks/persona: verify the signature on the raw bytes, then parse, store (event + job in one
 * transaction) and answer. Persona gives up on a delivery after 5 s, so nothing slow happens here.
 * https://docs.withpersona.com/webhooks-best-practices
 */
export async function personaWebhookRoutes(fastify: FastifyInstance, options: PersonaWebhookOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // Encapsulated parsers: this plugin sees the raw body as a Buffer; only JSON content types are accepted (415 otherwise).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
    (_request, body, done) => done(null, body),
  );
  // Before the body is read: no header, a malformed one or one signed outside the window costs no read, no HMAC.
  const noteResult = trackWebhookResults(app, options.metrics);
  const signatureResult = (reason: string) => (reason === 'stale' || reason === 'future' ? 'stale' : 'signature');
  app.addHook(
    'onRequest',
    createSignaturePrecheck({
      ...options,
      onRejected: (request, reason) => noteResult(request, signatureResult(reason)),
    }),
  );

  // The body schema takes the raw bytes as they are: the signature is checked on them before anything parses them.
  const schema = personaWebhookSchema;
  app.post('/webhooks/persona', { bodyLimit: options.bodyLimitBytes, schema }, async (request, reply) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = request.headers['persona-signature'];
    const verdict = verifyPersonaSignature({
      header: typeof header === 'string' ? header : undefined,
      rawBody,
      secrets: options.secrets,
      toleranceSeconds: options.toleranceSeconds,
      maxAgeSeconds: options.maxAgeSeconds,
      nowMs: options.clock.now(),
    });
    if (!verdict.ok) {
      noteResult(request, signatureResult(verdict.reason));
      request.log.warn({ reason: verdict.reason }, 'webhook rejected: signature');
      throw new AppError(ErrorCodes.SIGNATURE_INVALID, 'signature verification failed');
    }
    // a retry Persona signed long ago (or a clock far behind): harmless (event ids dedupe, and the evidence of an
    // old event comes from the API), accepted, and said so; the event's ids join this line once the body is parsed
    const staleAgeSeconds = verdict.ageSeconds;

    const json = parseJson(rawBody);
    const parsed =
      json === undefined ? { ok: false as const, reason: 'the body is not JSON' } : parsePersonaEvent(json);
    if (!parsed.ok) {
      request.log.warn({ reason: parsed.reason }, 'webhook rejected: not a Persona event');
      throw new AppError(ErrorCodes.EVENT_INVALID, `not a Persona event envelope: ${parsed.reason}`);
    }

    const { event } = parsed;
    // every line about this request names the event (a child logger only where the error handler logs too: a child
    // per webhook costs more than the line it would save writing)
    const ids = { eventId: event.eventId, eventName: event.name, inquiryId: event.inquiryId };
    const attempts = parseAttemptHeaders(request.headers);
    if (staleAgeSeconds !== undefined) {
      request.log.warn(
        { ...ids, signatureAgeSeconds: staleAgeSeconds, attemptsMade: attempts.attemptsMade },
        'webhook signed longer ago than WEBHOOK_TOLERANCE_SECONDS; accepted (within WEBHOOK_MAX_AGE_SECONDS)',
      );
    }
    const kind = options.classifyEvent(event);
    const disposition = kind === 'ignored' ? 'ignored' : 'accepted';
    // an inquiry event that carries all of its verifications and reports is decided without a Persona call, when it
    // is fresh: a late retry's payload is Persona's copy from when the event was created, so it is fetched instead
    const fresh = options.clock.now() - Date.parse(event.createdAt) <= ZERO_CALL_MAX_EVENT_AGE_MS;
    const evidence = kind === 'inquiry' && fresh ? evidenceFromWebhook(json) : null;
    let status: RecordResult;
    let handedOver: boolean;
    try {
      ({ status, handedOver } = await options.events.recordIntake({
        event,
        disposition,
        attempts,
        knownInquiryOnly: kind === 'report',
        ...(evidence === null ? {} : { evidence }),
      }));
    } catch (error) {
      if (error instanceof GroupCommitOverloadedError) noteResult(request, 'overloaded');
      request.log = request.log.child(ids); // the error handler's line names the event
      throw toNotStoredError(error);
    }
    noteResult(request, status);
    // a job handed to this process's worker at intake is running already: waking the worker would only claim nothing
    if (status === 'stored' && !handedOver) options.onEnqueued();
    request.log.info({ ...ids, status, ...(evidence === null ? {} : { evidence: 'webhook' }) }, 'webhook accepted');
    return reply.status(200).send({ received: true, eventId: event.eventId, status });
  });
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Not acknowledging is safe: Persona retries for about 51 hours. Both messages are written for clients. */
function toNotStoredError(error: unknown): AppError {
  const options = { retryable: true, expose: true, cause: error };
  if (error instanceof GroupCommitOverloadedError) {
    return new AppError(
      ErrorCodes.INTAKE_OVERLOADED,
      'too many webhooks are waiting to be stored; try again later',
      options,
    );
  }
  return new AppError(ErrorCodes.DATABASE_UNAVAILABLE, 'temporarily unable to store the event', options);
}
