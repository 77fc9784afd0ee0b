import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BearerToken, TokenAccess } from '../config-tokens.js';
import { AppError, ErrorCodes } from '../errors.js';

/** Who made an authenticated request: its token's name (API_TOKENS / API_READ_TOKENS) and what that token may do. */
export interface Actor {
  name: string;
  access: TokenAccess;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the bearer check (createBearerAuth) on the routes that require it. */
    actor?: Actor;
  }
}

/** An onRequest hook that lets a request through only with one of the configured bearer tokens (401 otherwise). */
export type RequireBearer = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Bearer-token check for the internal read API. Tokens are compared as SHA-256 digests with timingSafeEqual:
 * equal lengths always, so neither a token's content nor its length leaks through timing.
 *
 * Every answer of a route behind it is `Cache-Control: no-store` (decisions are personal data: no browser or proxy
 * may keep them), refusals included. Logs: a refusal at warn with the route and why (never the header); an accepted
 * request's lines name its actor (the token's name) and its token by fingerprint (`tokenFingerprint`), so an
 * operator action can be traced without the token ever reaching a log.
 */
export function createBearerAuth(tokens: readonly BearerToken[]): RequireBearer {
  const known = tokens.map((t) => ({ digest: digest(t.token), actor: { name: t.name, access: t.access } }));
  return async function requireBearer(request, reply) {
    reply.header('cache-control', 'no-store');
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const presented = match?.[1] ? digest(match[1]) : undefined;
    // check every token (no early exit) so timing does not reveal which one matched
    let actor: Actor | undefined;
    for (const candidate of known) {
      if (presented && timingSafeEqual(candidate.digest, presented)) actor = candidate.actor;
    }
    if (!actor || !presented) {
      const reason = header === undefined ? 'missing' : presented ? 'unknown token' : 'malformed';
      request.log.warn(
        { route: request.routeOptions.url, method: request.method, ip: request.ip, reason },
        'bearer authentication failed',
      );
      // RFC 6750 §3: a 401 names the scheme; the error handler keeps headers already set on the reply
      reply.header('www-authenticate', 'Bearer');
      throw new AppError(ErrorCodes.UNAUTHORIZED, 'a valid bearer token is required');
    }
    request.actor = actor;
    request.log = request.log.child({ actor: actor.name, tokenFingerprint: toFingerprint(presented) });
  };
}

/**
 * The second onRequest hook of an operator action (after the bearer check): a read-only token (API_READ_TOKENS)
 * gets 403 FORBIDDEN.
 */
export async function requireOperate(request: FastifyRequest): Promise<void> {
  if (request.actor?.access === 'operate') return;
  request.log.warn({ route: request.routeOptions.url, method: request.method }, 'read-only token refused an action');
  throw new AppError(ErrorCodes.FORBIDDEN, 'this token may read, not act (API_READ_TOKENS)');
}

/** The actor of a request that passed requireBearer (the name operator actions are recorded under). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new Error('actorOf: the route has no bearer check');
  return request.actor;
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
