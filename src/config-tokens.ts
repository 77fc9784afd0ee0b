import type { z } from 'zod';
import { MIN_TOKEN_LENGTH, refuseListedPlaceholders } from './config-secrets.js';

/** Who may do what with a bearer token: `operate` reads and acts (operator routes), `read` only reads. */
export type TokenAccess = 'operate' | 'read';

/** A bearer token and the name it is known by: the actor recorded on operator actions and logged, never the token. */
export interface BearerToken {
  name: string;
  token: string;
  access: TokenAccess;
}

export const TOKEN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Which list a token came from, for messages: the variable's name. */
const LIST_NAME: Record<TokenAccess, string> = { operate: 'API_TOKENS', read: 'API_READ_TOKENS' };

/**
 * One entry of a token list: `name:token` when the part before the first ':' is a token name (TOKEN_NAME), and then
 * the token is everything after that ':' (it may hold more); otherwise the whole entry is a bare token, ':' included.
 * So a token that holds a ':' is read whole when the part before its first ':' could not be a name, and a token that
 * could be misread (`abc:…`) is given a name (`alice:abc:…`) to be read whole.
 */
export function splitTokenEntry(entry: string): { name: string | null; token: string } {
  const colon = entry.indexOf(':');
  const name = colon < 0 ? '' : entry.slice(0, colon).trim();
  if (!TOKEN_NAME.test(name)) return { name: null, token: entry };
  return { name, token: entry.slice(colon + 1).trim() };
}

/**
 * `API_TOKENS` / `API_READ_TOKENS` entries (splitTokenEntry): a bare token is named `<prefix>-<n>`, n its 1-based
 * position in the list. A name may be given to several tokens of one list (a person's new and old token while it is
 * rotated: the audit trail keeps one actor), but not to a bare token's own `<prefix>-<n>`. Messages name positions
 * and names, never a token.
 */
export function parseBearerTokens(
  entries: readonly string[],
  access: TokenAccess,
  ctx: z.RefinementCtx,
): BearerToken[] {
  const prefix = access === 'operate' ? 'token' : 'read-token';
  const split = entries.map(splitTokenEntry);
  const tokens = split.map(({ name, token }, index): BearerToken => ({
    name: name ?? `${prefix}-${index + 1}`,
    token,
    access,
  }));
  refuseListedPlaceholders(
    tokens.map((t) => t.token),
    ctx,
  );
  split.forEach(({ name, token }, index) => {
    if (token.length >= MIN_TOKEN_LENGTH) return;
    const which = name === null ? 'a bare token' : `the token named ${name}`;
    ctx.addIssue({
      code: 'custom',
      message:
        `entry ${index + 1} (${which}): a token must have at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl ` +
        "rand -base64 32); an entry is a bare token or `name:token`, where the token is everything after the first ':'",
    });
  });
  const explicit = new Set(split.flatMap(({ name }) => (name === null ? [] : [name])));
  split.forEach(({ name }, index) => {
    const own = `${prefix}-${index + 1}`;
    if (name === null && explicit.has(own)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: a bare token is named ${own}, a name in use` });
    }
  });
  return tokens;
}

/**
 * What both lists together must not hold: a name in both (an actor is either an operator or a reader, and the audit
 * trail's names say which), and one token listed twice (it would have two names, or two kinds of access).
 */
export function tokenListConflicts(tokens: readonly BearerToken[]): string[] {
  const problems: string[] = [];
  const operating = new Set(tokens.filter((t) => t.access === 'operate').map((t) => t.name));
  const both = [...new Set(tokens.filter((t) => t.access === 'read' && operating.has(t.name)).map((t) => t.name))];
  if (both.length > 0) problems.push(`a token name is in both API_TOKENS and API_READ_TOKENS: ${both.join(', ')}`);
  const seen = new Map<string, BearerToken>();
  for (const t of tokens) {
    const first = seen.get(t.token);
    if (first) {
      problems.push(
        `one token is listed twice: as ${first.name} (${LIST_NAME[first.access]}) and ${t.name} (${LIST_NAME[t.access]})`,
      );
    } else {
      seen.set(t.token, t);
    }
  }
  return problems;
}
