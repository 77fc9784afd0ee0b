import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PLACEHOLDER_VALUES } from '../../src/config-secrets.js';

const example = parseEnv(readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8')) as Record<
  string,
  string
>;

describe('.env.example', () => {
  it('lists only placeholders the configuration knows and refuses', () => {
    const placeholders = Object.values(example).filter((value) => /replace|change-me/i.test(value));
    expect(placeholders.length).toBeGreaterThan(0);
    for (const value of placeholders) expect(PLACEHOLDER_VALUES).toContain(value);
  });

  it('does not start a service as it is, and says which keys still hold placeholders', () => {
    expect(() => loadConfig(example)).toThrow(
      /PERSONA_WEBHOOK_SECRET is a placeholder[\s\S]*PERSONA_API_KEY is a placeholder[\s\S]*API_TOKENS is a placeholder/,
    );
  });

  it('starts once the placeholders are replaced', () => {
    const filled = {
      ...example,
      PERSONA_WEBHOOK_SECRET: 'wbhsec_a_real_secret',
      PERSONA_API_KEY: 'persona_sandbox_a_real_key',
      API_TOKENS: 'a-real-token-with-at-least-32-characters',
    };
    expect(loadConfig(filled).apiTokens).toEqual(['a-real-token-with-at-least-32-characters']);
  });
});
