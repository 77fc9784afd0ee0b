import type { z } from 'zod';
import { checkBearerTokens } from './config-secrets.js';

/** Who may do what with a bearer token: `operate` reads and acts (operator routes), `read` only reads. */
export type TokenAccess = 'operate' | 'read';

/** A bearer token and the name it is known by: the actor recorded on operator actions and logged, never the token. */
export interface BearerToken {
  name: string;
  token: string;
  access: TokenAccess;
}

export const TOKEN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * `API_TOKENS` / `API_READ_TOKENS` entries: `name:token`, or a bare token named `<prefix>-<n>` (n its 1-based
 * position in the list). A token holds no `:` of its own in the named form: everything after the first `:` is the
 * token. Messages name positions and names, never a token.
 */
export function parseBearerTokens(
  entries: readonly string[],
  access: TokenAccess,
  ctx: z.RefinementCtx,
): BearerToken[] {
  const prefix = access === 'operate' ? 'token' : 'read-token';
  const tokens = entries.map((entry, index): BearerToken => {
    const colon = entry.indexOf(':');
    if (colon < 0) return { name: `${prefix}-${index + 1}`, token: entry, access };
    const name = entry.slice(0, colon).trim();
    if (!TOKEN_NAME.test(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1}: a token name is 1-64 of a-z, 0-9, '.', '_', '-' (starting with a letter or digit)`,
      });
    }
    return { name, token: entry.slice(colon + 1).trim(), access };
  });
  checkBearerTokens(
    tokens.map((t) => t.token),
    ctx,
  );
  return tokens;
}

/** Names are the actors of the audit trail: one name, one token, across both lists. */
export function duplicateTokenNames(tokens: readonly BearerToken[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const { name } of tokens) (seen.has(name) ? duplicates : seen).add(name);
  return [...duplicates];
}
