import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { ListenAddress } from './listen.js';
import { listenOn, originOf } from './listen.js';

/**
 * A downstream receiver for the service's decision webhooks. It verifies Standard Webhooks signatures with the
 * reference library (https://github.com/standard-webhooks/standard-webhooks), on the raw bytes, exactly as a
 * real consumer would, and records every delivery. POST anywhere except /_sink/*; 204 when verified, 400 when the
 * webhook headers are missing, 401 when the signature or timestamp is wrong; injected failures for retry tests.
 */
const failuresSchema = z.strictObject({
  /** Answer the first N verified deliveries with `failStatus`. */
  failFirst: z.number().int().min(0).optional(),
  failStatus: z.number().int().min(400).max(599).optional(),
  /** Answer every verified delivery (after `failFirst`) with this status, e.g. 410. */
  alwaysStatus: z.number().int().min(400).max(599).optional(),
});

export type SinkFailures = z.infer<typeof failuresSchema>;

export interface SinkOptions {
  /** `whsec_<base64>`: the service's DOWNSTREAM_SIGNING_SECRET. */
  secret: string;
  failures?: SinkFailures;
  /** Unix ms for `receivedAt`. Signature timestamps are checked by the library against the real clock. */
  now?: () => number;
  logger?: boolean;
}

export interface SinkDelivery {
  webhookId: string | null;
  webhookTimestamp: string | null;
  path: string;
  receivedAt: string;
  verified: boolean;
  /** What the sink answered. */
  status: number;
  /** The parsed body when verified, else null (an unverified body is not trusted enough to keep). */
  body: unknown;
  /** Why verification failed. */
  error?: string;
  /** From a verified `decision.created` body, for quick reading. */
  inquiryId?: string;
  outcome?: string;
  decisionId?: string;
}

export interface Sink {
  readonly app: FastifyInstance;
  /** Listens (127.0.0.1, ephemeral port by default) and returns `url`. */
  listen(address?: ListenAddress): Promise<string>;
  /** `http://127.0.0.1:<port>`; throws before `listen()`. Any path under it receives webhooks. */
  readonly url: string;
  close(): Promise<void>;
  deliveries(): SinkDelivery[];
  /** Forgets deliveries and spent failures; keeps the failure configuration. */
  reset(): void;
  setFailures(failures: SinkFailures): void;
}

export function createSink(options: SinkOptions): Sink {
  const webhook = new Webhook(options.secret);
  const now = options.now ?? (() => Date.now());
  let failures = failuresSchema.parse(options.failures ?? {});
  let deliveries: SinkDelivery[] = [];
  let verifiedCount = 0;
  const reset = (): void => {
    deliveries = [];
    verifiedCount = 0;
  };

  function injectedStatus(): number | null {
    verifiedCount += 1;
    if (verifiedCount <= (failures.failFirst ?? 0)) return failures.failStatus ?? 500;
    return failures.alwaysStatus ?? null;
  }

  const app = Fastify({ logger: options.logger ?? false });
  // Raw bytes for every content type: the signature covers the exact body, and JSON.parse + stringify may not.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get('/_sink/deliveries', async (request: FastifyRequest<{ Querystring: { inquiryId?: string } }>) => {
    const { inquiryId } = request.query;
    return inquiryId === undefined ? deliveries : deliveries.filter((d) => d.inquiryId === inquiryId);
  });
  app.post('/_sink/reset', async (_request, reply) => {
    reset();
    return reply.code(204).send();
  });
  app.put('/_sink/failures', async (request, reply) => {
    const parsed = failuresSchema.safeParse(parseJson(request.body));
    if (!parsed.success)
      return reply.code(400).send({ error: { code: 'FAILURES_INVALID', message: parsed.error.message } });
    failures = parsed.data;
    verifiedCount = 0;
    return failures;
  });
  app.post('/*', async (request, reply) => {
    const delivery = receive(webhook, request, new Date(now()).toISOString());
    if (delivery.verified) delivery.status = injectedStatus() ?? 204;
    deliveries.push(delivery);
    return reply.code(delivery.status).send(delivery.status === 204 ? undefined : { received: delivery.verified });
  });

  let origin: string | null = null;
  return {
    app,
    async listen(address) {
      origin = await listenOn(app, address);
      return origin;
    },
    get url() {
      return originOf(origin, 'the sink');
    },
    close: () => app.close(),
    deliveries: () => [...deliveries],
    reset,
    setFailures(next) {
      failures = failuresSchema.parse(next);
      verifiedCount = 0;
    },
  };
}

/** Verifies one request; `status` is 204 when verified (the caller may replace it with an injected failure). */
function receive(webhook: Webhook, request: FastifyRequest, receivedAt: string): SinkDelivery {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const headers = pickHeaders(request);
  const base = {
    webhookId: headers['webhook-id'] ?? null,
    webhookTimestamp: headers['webhook-timestamp'] ?? null,
    path: request.url,
    receivedAt,
  };
  if (!headers['webhook-id'] || !headers['webhook-timestamp'] || !headers['webhook-signature']) {
    return {
      ...base,
      verified: false,
      status: 400,
      body: null,
      error: 'missing webhook-id, webhook-timestamp or webhook-signature',
    };
  }
  try {
    const body = webhook.verify(raw, headers);
    return { ...base, verified: true, status: 204, body, ...summary(body) };
  } catch (error) {
    // SyntaxError: the signature matched but the body is not JSON, which is the sender's bug, not an attack.
    const status = error instanceof SyntaxError ? 400 : 401;
    return {
      ...base,
      verified: false,
      status,
      body: null,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

function pickHeaders(request: FastifyRequest): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = request.headers[name];
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}

function summary(body: unknown): Pick<SinkDelivery, 'inquiryId' | 'outcome' | 'decisionId'> {
  const data = (body as { data?: Record<string, unknown> } | null)?.data;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const picked = { inquiryId: text(data?.inquiryId), outcome: text(data?.outcome), decisionId: text(data?.decisionId) };
  return Object.fromEntries(Object.entries(picked).filter(([, value]) => value !== undefined));
}

function parseJson(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
