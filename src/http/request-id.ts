import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A proxy's `X-Request-Id` is kept when it is short and plain: it goes into every log line of the request and back
 * into the answer, so nothing that could forge a log field or a header gets through (UUIDs, hex, base64 and the
 * usual `host-123.abc` shapes do). Anything else gets a fresh id, as does a request without one.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:+/=-]{1,128}$/;

/** Fastify's `genReqId`: the request id becomes pino's `reqId` on every line logged through `request.log`. */
export function createRequestIdGenerator(newId: () => string = randomUUID): (raw: IncomingMessage) => string {
  return (raw) => {
    const sent = raw.headers[REQUEST_ID_HEADER];
    return typeof sent === 'string' && SAFE_REQUEST_ID.test(sent) ? sent : newId();
  };
}

/** An onRequest hook: every answer (errors and 404s included) names the request id its log lines carry. */
export async function echoRequestId(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header(REQUEST_ID_HEADER, request.id);
}
