import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { describeConfigWarnings } from '../../src/config-warnings.js';

const minimal = {
  PERSONA_WEBHOOK_SECRET: 'wbhsec_secret_value_one',
  PERSONA_API_KEY: 'persona_sandbox_secret_key',
  API_TOKENS: 'token-secret-a-0123456789abcdef0123456789',
  DOWNSTREAM_SIGNING_SECRET: 'whsec_c2VjcmV0',
};

const warningsFor = (env: Record<string, string>) => describeConfigWarnings(loadConfig({ ...minimal, ...env }));

describe('describeConfigWarnings', () => {
  it('warns about plain http:// to another host, for the Persona API and the downstream, redacting the URL', () => {
    const warnings = warningsFor({
      PERSONA_API_URL: 'http://persona.internal/api/v1',
      DOWNSTREAM_URL: 'http://u:pw@hooks.example/decisions?token=t0k',
    });
    expect(warnings).toEqual([
      { key: 'PERSONA_API_URL', url: 'http://persona.internal/api/v1', message: expect.stringContaining('https://') },
      {
        key: 'DOWNSTREAM_URL',
        url: 'http://[redacted]@hooks.example/decisions?[redacted]',
        message: expect.any(String),
      },
    ]);
  });

  it.each([
    'http://127.0.0.1:4010/api/v1',
    'http://localhost:4010/api/v1',
    'http://[::1]:4010/api/v1',
    'http://127.8.9.10/x',
  ])('says nothing for loopback (%s)', (url) => {
    expect(warningsFor({ PERSONA_API_URL: url, DOWNSTREAM_URL: url })).toEqual([]);
  });

  it('says nothing for https, nor for an unset downstream', () => {
    expect(warningsFor({ PERSONA_API_URL: 'https://persona.internal/api/v1' })).toEqual([]);
    expect(warningsFor({ DOWNSTREAM_URL: 'https://hooks.example/x' })).toEqual([]);
  });
});
