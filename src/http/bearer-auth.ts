import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCodes } from '../errors.js';

/** An onRequest hook that lets a request through only with one of the configured bearer tokens (401 otherwise). */
export type RequireBearer = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Bearer-token check for the internal read API. Tokens are compared as SHA-256 digests with timingSafeEqual:
 * equal lengths always, so neither a token's content nor its length leaks through timing.
 *
 * Logs: a refusal at warn with the route and why (never the header); an accepted request's lines name its token by
 * fingerprint (`tokenFingerprint`, see tokenFingerprint), so an operator action can be traced to the token that made
 * it without the token ever reaching a log.
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
    if (!ok || !presented) {
      const reason = header === undefined ? 'missing' : presented ? 'unknown token' : 'malformed';
      request.log.warn(
        { route: request.routeOptions.url, method: request.method, ip: request.ip, reason },
        'bearer authentication failed',
      );
      // RFC 6750 §3: a 401 names the scheme; the error handler keeps headers already set on the reply
      reply.header('www-authenticate', 'Bearer');
      throw new AppError(ErrorCodes.UNAUTHORIZED, 'a valid bearer token is required');
    }
    request.log = request.log.child({ tokenFingerprint: toFingerprint(presented) });
  };
}

/** A token's name in logs: the first 8 hex digits of its SHA-256 (`echo -n "$TOKEN" | sha256sum | cut -c1-8`). */
export function tokenFingerprint(token: string): string {
  return toFingerprint(digest(token));
}

function toFingerprint(tokenDigest: Buffer): string {
  return tokenDigest.subarray(0, 4).toString('hex');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
