import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCodes } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { precheckPersonaSignature } from '../persona/signature.js';

export interface SignaturePrecheckOptions {
  toleranceSeconds: number;
  maxAgeSeconds: number;
  clock: Clock;
  /** Told why a request was refused (metrics: a stale or future signature counts apart from a bad one). */
  onRejected?: (request: FastifyRequest, reason: string) => void;
}

/**
 * The webhook route's onRequest hook: a request without a `Persona-Signature`, with a malformed one, or signed outside
 * the window is answered 401 before its body is read, so an unauthenticated request costs no 1 MiB read and no HMAC
 * (the route verifies the signature itself on the raw body). The answer closes the connection: otherwise Node would
 * read, and throw away, the body the request declared before taking the next request on it.
 */
export function createSignaturePrecheck(
  options: SignaturePrecheckOptions,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const header = request.headers['persona-signature'];
    const verdict = precheckPersonaSignature({
      header: typeof header === 'string' ? header : undefined,
      toleranceSeconds: options.toleranceSeconds,
      maxAgeSeconds: options.maxAgeSeconds,
      nowMs: options.clock.now(),
    });
    if (verdict.ok) return;
    request.log.warn({ reason: verdict.reason }, 'webhook rejected: signature');
    options.onRejected?.(request, verdict.reason);
    reply.header('connection', 'close');
    throw new AppError(ErrorCodes.SIGNATURE_INVALID, 'signature verification failed');
  };
}
