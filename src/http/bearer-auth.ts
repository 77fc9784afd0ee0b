import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCodes } from '../errors.js';

/** An onRequest hook that lets a request through only with one of the configured bearer tokens (401 otherwise). */
export type RequireBearer = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Bearer-token check for the internal read API. Tokens are compared as SHA-256 digests with timingSafeEqual:
 * equal lengths always, so neither a token's content nor its length leaks through timing.
 */
export function createBearerAuth(tokens: readonly string[]): RequireBearer {
  const digests = tokens.map(digest);
  return async function requireBearer(request, reply) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const presented = match?.[1] ? digest(match[1]) : undefined;
    // check every token (no early exit) so timing does not reveal which one matched
    let ok = false;
    for (const candidate of digests) if (presented && timingSafeEqual(candidate, presented)) ok = true;
    if (!ok) {
      // RFC 6750 §3: a 401 names the scheme; the error handler keeps headers already set on the reply
      reply.header('www-authenticate', 'Bearer');
      throw new AppError(ErrorCodes.UNAUTHORIZED, 'a valid bearer token is required');
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
