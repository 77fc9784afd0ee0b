import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../errors.js';

/**
 * Bearer-token check for the internal read API. Tokens are compared as SHA-256 digests with timingSafeEqual:
 * equal lengths always, so neither a token's content nor its length leaks through timing.
 */
export function createBearerAuth(tokens: readonly string[]) {
  const digests = tokens.map(digest);
  return async function requireBearer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const presented = match?.[1] ? digest(match[1]) : undefined;
    // check every token (no early exit) so timing does not reveal which one matched
    let ok = false;
    for (const candidate of digests) if (presented && timingSafeEqual(candidate, presented)) ok = true;
    if (!ok) {
      await reply
        .status(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: { code: ErrorCodes.UNAUTHORIZED, message: 'a valid bearer token is required' } });
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
