import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

const [A, B, R] = ['a'.repeat(32), 'b'.repeat(40), 'r'.repeat(33)];
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

  it.each([
    ['a name used twice across both lists', { API_TOKENS: `ops:${A}`, API_READ_TOKENS: `ops:${R}` }, 'unique'],
    ['a bare token named like a named one', { API_TOKENS: `token-2:${A},${B}` }, 'unique'],
    ['a name with capitals', { API_TOKENS: `Alice:${A}` }, 'token name'],
    ['a name that is too long', { API_TOKENS: `${'n'.repeat(65)}:${A}` }, 'token name'],
    ['a named token that is too short', { API_TOKENS: 'alice:short' }, 'at least 32 characters'],
    ['a short read-only token', { API_TOKENS: A, API_READ_TOKENS: 'viewer:short' }, 'at least 32 characters'],
    [
      'a placeholder as a read-only token',
      { API_TOKENS: A, API_READ_TOKENS: 'viewer:replace-with-a-long-random-token' },
      'placeholder',
    ],
  ])('refuses %s, never echoing a token', (_title, env, problem) => {
    const message = messageOf(env);
    expect(message).toContain(problem);
    for (const token of [A, B, R, 'short']) expect(message).not.toContain(token);
  });

  it('logs the names and access of the tokens, never the tokens', () => {
    const config = loadConfig({ ...minimal, API_TOKENS: `alice:${A}`, API_READ_TOKENS: `viewer:${R}` });
    const described = JSON.stringify(describeConfig(config));
    expect(describeConfig(config).bearerTokens).toEqual(['alice (operate)', 'viewer (read)']);
    expect(described).not.toContain(A);
    expect(described).not.toContain(R);
  });
});
