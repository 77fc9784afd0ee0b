import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

const minimal = {
  PERSONA_WEBHOOK_SECRET: 'wbhsec_secret_value_one',
  PERSONA_API_KEY: 'persona_sandbox_secret_key',
  API_TOKENS: 'token-secret-a',
};

function errorOf(env: Record<string, string | undefined>): AppError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('accepts the minimal environment and fills documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: 'sqlite:./data/decisions.db',
      personaWebhookSecrets: ['wbhsec_secret_value_one'],
      webhookToleranceSeconds: 300,
      webhookMaxAgeSeconds: 259_200,
      webhookBodyLimitBytes: 1024 * 1024,
      personaApiUrl: 'https://api.withpersona.com/api/v1',
      personaApiVersion: '2025-12-08',
      apiTokens: ['token-secret-a'],
      logLevel: 'info',
      verificationPollTimeoutSeconds: 900,
      downstream: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('splits comma-separated secrets and tokens, trimming blanks', () => {
    const config = loadConfig({ ...minimal, PERSONA_WEBHOOK_SECRET: ' a , b,, ', API_TOKENS: 't1,t2' });
    expect(config.personaWebhookSecrets).toEqual(['a', 'b']);
    expect(config.apiTokens).toEqual(['t1', 't2']);
  });

  it.each(['PERSONA_WEBHOOK_SECRET', 'PERSONA_API_KEY', 'API_TOKENS'])('reports a missing %s by name', (key) => {
    const env: Record<string, string | undefined> = { ...minimal, [key]: undefined };
    const error = errorOf(env);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(`${key} is required`);
  });

  it('refuses a maximum webhook age shorter than the tolerance', () => {
    const error = errorOf({ ...minimal, WEBHOOK_TOLERANCE_SECONDS: '600', WEBHOOK_MAX_AGE_SECONDS: '300' });
    expect(error.message).toContain('WEBHOOK_MAX_AGE_SECONDS must not be less than WEBHOOK_TOLERANCE_SECONDS');
  });

  it('reports every bad key at once', () => {
    const error = errorOf({
      PORT: 'eighty',
      WEBHOOK_TOLERANCE_SECONDS: '-5',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
    });
    for (const key of [
      'PORT',
      'WEBHOOK_TOLERANCE_SECONDS',
      'LOG_LEVEL',
      'DATABASE_URL',
      'PERSONA_WEBHOOK_SECRET',
      'PERSONA_API_KEY',
      'API_TOKENS',
    ]) {
      expect(error.message).toContain(key);
    }
  });

  it.each([
    ['PORT', '70000'],
    ['PERSONA_API_URL', 'not a url'],
    ['PERSONA_API_URL', 'ftp://api.example'],
    ['PERSONA_API_VERSION', 'latest'],
    ['DOWNSTREAM_URL', 'nope'],
    ['WORKER_CONCURRENCY', '-1'],
    ['PERSONA_WEBHOOK_SECRET', ' , '],
  ])('rejects a malformed %s', (key, value) => {
    expect(errorOf({ ...minimal, [key]: value }).message).toContain(key);
  });

  it('rejects a minimum delay above its maximum', () => {
    expect(errorOf({ ...minimal, VERIFICATION_POLL_MIN_DELAY_MS: '120000' }).message).toContain(
      'VERIFICATION_POLL_MIN_DELAY_MS must not exceed',
    );
    expect(errorOf({ ...minimal, DOWNSTREAM_RETRY_MIN_DELAY_MS: '7200000' }).message).toContain(
      'DOWNSTREAM_RETRY_MIN_DELAY_MS must not exceed',
    );
  });

  it('requires a Standard Webhooks signing secret when DOWNSTREAM_URL is set', () => {
    expect(errorOf({ ...minimal, DOWNSTREAM_URL: 'http://127.0.0.1:9000/hook' }).message).toContain(
      'DOWNSTREAM_SIGNING_SECRET',
    );
    expect(
      errorOf({ ...minimal, DOWNSTREAM_URL: 'http://127.0.0.1:9000/hook', DOWNSTREAM_SIGNING_SECRET: 'plain' }).message,
    ).toContain('whsec_');
    const config = loadConfig({
      ...minimal,
      DOWNSTREAM_URL: 'http://127.0.0.1:9000/hook',
      DOWNSTREAM_SIGNING_SECRET: 'whsec_c2VjcmV0',
    });
    expect(config.downstream).toMatchObject({
      url: 'http://127.0.0.1:9000/hook',
      timeoutMs: 10_000,
      retryForSeconds: 86_400,
    });
  });

  it('names keys but never echoes values in its errors', () => {
    const secretish = 'super-secret-value-9f8e7d';
    const error = errorOf({
      PERSONA_WEBHOOK_SECRET: secretish,
      API_TOKENS: secretish,
      PORT: secretish,
      DOWNSTREAM_URL: secretish,
    });
    expect(error.message).toContain('PORT');
    expect(error.message).not.toContain(secretish);
  });

  it('describes the config for logging with every secret replaced', () => {
    const config = loadConfig({
      ...minimal,
      DOWNSTREAM_URL: 'http://127.0.0.1:9/x',
      DOWNSTREAM_SIGNING_SECRET: 'whsec_c2VjcmV0',
    });
    const text = JSON.stringify(describeConfig(config));
    for (const secret of [
      'wbhsec_secret_value_one',
      'persona_sandbox_secret_key',
      'token-secret-a',
      'whsec_c2VjcmV0',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[set');
  });

  it('keeps the database password and URL query strings out of the logged config', () => {
    const config = loadConfig({
      ...minimal,
      DATABASE_URL: 'postgres://decider:S3cretPw@db:5432/app',
      DOWNSTREAM_URL: 'https://hooks.example/x?token=abc123',
      DOWNSTREAM_SIGNING_SECRET: 'whsec_c2VjcmV0',
    });
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain('S3cretPw');
    expect(text).not.toContain('abc123');
    expect(text).toContain('db:5432/app');
  });
});
