import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/config.js';
import { splitTokenEntry } from '../../src/config-tokens.js';
import { AppError } from '../../src/errors.js';

const [A, B, R, C] = ['a'.repeat(32), 'b'.repeat(40), 'r'.repeat(33), 'c'.repeat(34)];
const minimal = { PERSONA_WEBHOOK_SECRET: 'wbhsec_secret_value_one', PERSONA_API_KEY: 'persona_sandbox_secret_key' };

function messageOf(env: Record<string, string>): string {
  try {
    loadConfig({ ...minimal, ...env });
  } catch (error) {
    if (error instanceof AppError) return error.message;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('API_TOKENS and API_READ_TOKENS', () => {
  it('names `name:token` entries and numbers bare tokens token-<n> / read-token-<n> by position', () => {
    const config = loadConfig({ ...minimal, API_TOKENS: `alice:${A}, ${B}`, API_READ_TOKENS: ` ${R} ` });
    expect(config.bearerTokens).toEqual([
      { name: 'alice', token: A, access: 'operate' },
      { name: 'token-2', token: B, access: 'operate' },
      { name: 'read-token-1', token: R, access: 'read' },
    ]);
    expect(config.apiTokens).toEqual([A, B]);
  });

  it('has no read-only tokens when API_READ_TOKENS is unset or empty', () => {
    expect(loadConfig({ ...minimal, API_TOKENS: A }).bearerTokens).toHaveLength(1);
    expect(loadConfig({ ...minimal, API_TOKENS: A, API_READ_TOKENS: ' ' }).bearerTokens).toHaveLength(1);
  });

  it('takes one name on several tokens of a list: a token rotated without changing the audit actor', () => {
    const config = loadConfig({ ...minimal, API_TOKENS: `alice:${A},alice:${B}`, API_READ_TOKENS: `viewer:${R},${C}` });
    expect(config.bearerTokens).toEqual([
      { name: 'alice', token: A, access: 'operate' },
      { name: 'alice', token: B, access: 'operate' },
      { name: 'viewer', token: R, access: 'read' },
      { name: 'read-token-2', token: C, access: 'read' },
    ]);
    expect(describeConfig(config).bearerTokens).toEqual([
      'alice (operate)',
      'alice (operate)',
      'viewer (read)',
      'read-token-2 (read)',
    ]);
  });

  it.each([
    ['a named entry', `alice:${A}`, { name: 'alice', token: A }],
    ['a named token holding more colons', `alice:${A}:x:y`, { name: 'alice', token: `${A}:x:y` }],
    [
      'a bare token with a colon after a part that is no name (capitals)',
      `Alice:${A}`,
      { name: null, token: `Alice:${A}` },
    ],
    ['a bare token with a colon after a part that is no name (too long)', `${'n'.repeat(65)}:${A}`, { name: null }],
    ['a bare token starting with a colon', `:${A}`, { name: null, token: `:${A}` }],
    ['a bare token', A, { name: null, token: A }],
  ])('reads %s', (_title, entry, expected) => {
    expect(splitTokenEntry(entry)).toMatchObject(expected);
  });

  it('names a bare token holding a colon by its position, and takes it whole', () => {
    const bare = `Base64+/=:${A}`;
    expect(loadConfig({ ...minimal, API_TOKENS: bare }).bearerTokens).toEqual([
      { name: 'token-1', token: bare, access: 'operate' },
    ]);
  });

  it.each([
    [
      'a name in both lists',
      { API_TOKENS: `ops:${A}`, API_READ_TOKENS: `ops:${R}` },
      'in both API_TOKENS and API_READ_TOKENS: ops',
    ],
    [
      'a bare token named like a named one',
      { API_TOKENS: `token-2:${A},${B}` },
      'entry 2: a bare token is named token-2',
    ],
    [
      'a token listed twice',
      { API_TOKENS: `alice:${A}`, API_READ_TOKENS: `viewer:${A}` },
      'listed twice: as alice (API_TOKENS) and viewer (API_READ_TOKENS)',
    ],
    ['a token listed twice under one name', { API_TOKENS: `alice:${A},alice:${A}` }, 'listed twice'],
    [
      'a named token that is too short',
      { API_TOKENS: 'alice:short' },
      'entry 1 (the token named alice): a token must have at least 32 characters',
    ],
    [
      'a short read-only token',
      { API_TOKENS: A, API_READ_TOKENS: `${R},viewer:short` },
      'entry 2 (the token named viewer)',
    ],
    [
      'a short bare token',
      { API_TOKENS: `${A},short` },
      'entry 2 (a bare token): a token must have at least 32 characters',
    ],
    // a name with a short token: a mistyped `name:token` is not taken for a bare token of the whole entry's length
    [
      'a name whose token is too short',
      { API_TOKENS: `alice:${'s'.repeat(26)}` },
      '`name:token`, where the token is everything after the first',
    ],
    [
      'a placeholder as a read-only token',
      { API_TOKENS: A, API_READ_TOKENS: 'viewer:replace-with-a-long-random-token' },
      'placeholder',
    ],
  ])('refuses %s, never echoing a token', (_title, env, problem) => {
    const message = messageOf(env);
    expect(message).toContain(problem);
    for (const token of [A, B, R, 'short', 's'.repeat(26)]) expect(message).not.toContain(token);
  });

  it('logs the names and access of the tokens, never the tokens', () => {
    const config = loadConfig({ ...minimal, API_TOKENS: `alice:${A}`, API_READ_TOKENS: `viewer:${R}` });
    const described = JSON.stringify(describeConfig(config));
    expect(describeConfig(config).bearerTokens).toEqual(['alice (operate)', 'viewer (read)']);
    expect(described).not.toContain(A);
    expect(described).not.toContain(R);
  });
});
