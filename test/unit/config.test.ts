import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

const minimal = {
  PERSONA_WEBHOOK_SECRET: 'wbhsec_secret_value_one',
  PERSONA_API_KEY: 'persona_sandbox_secret_key',
  API_TOKENS: 'token-secret-a-0123456789abcdef0123456789',
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
      apiTokens: ['token-secret-a-0123456789abcdef0123456789'],
      trustProxy: false,
      logLevel: 'info',
      verificationPollTimeoutSeconds: 900,
      downstream: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('splits comma-separated secrets and tokens, trimming blanks', () => {
    const [t1, t2] = ['t1'.padEnd(32, '1'), 't2'.padEnd(32, '2')];
    const config = loadConfig({ ...minimal, PERSONA_WEBHOOK_SECRET: ' a , b,, ', API_TOKENS: ` ${t1}, ${t2},, ` });
    expect(config.personaWebhookSecrets).toEqual(['a', 'b']);
    expect(config.apiTokens).toEqual([t1, t2]);
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
      'token-secret-a-0123456789abcdef0123456789',
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

describe('PERSONA_WRITE_BACK', () => {
  it('is off unless set, and takes a list of the outcomes Persona has an action for', () => {
    expect([...loadConfig(minimal).personaWriteBack]).toEqual([]);
    expect([...loadConfig({ ...minimal, PERSONA_WRITE_BACK: '' }).personaWriteBack]).toEqual([]);
    const on = loadConfig({ ...minimal, PERSONA_WRITE_BACK: 'approved, declined,manual_review' });
    expect([...on.personaWriteBack]).toEqual(['approved', 'declined', 'manual_review']);
  });

  it('refuses an outcome without a Persona action (retry) or a misspelt one, naming them', () => {
    const error = errorOf({ ...minimal, PERSONA_WRITE_BACK: 'approved,retry,aproved' });
    expect(error.message).toContain('PERSONA_WRITE_BACK');
    expect(error.message).toContain('unknown outcome(s) retry, aproved: use approved, declined, manual_review');
  });
});

describe('RECONCILE_*', () => {
  it('sweeps every 900 s looking back 72 h with 10 % of the rate limit by default; 0 turns it off, 1 s is accepted', () => {
    expect(loadConfig(minimal).reconcile).toEqual({ intervalSeconds: 900, lookbackHours: 72, rateSharePercent: 10 });
    expect(loadConfig({ ...minimal, RECONCILE_INTERVAL_SECONDS: '0' }).reconcile.intervalSeconds).toBe(0);
    expect(loadConfig({ ...minimal, RECONCILE_INTERVAL_SECONDS: '1' }).reconcile.intervalSeconds).toBe(1);
  });

  it('refuses a lookback past the 30 days Persona keeps events, a share over 100 %, and negative intervals', () => {
    const error = errorOf({
      ...minimal,
      RECONCILE_LOOKBACK_HOURS: '721',
      RECONCILE_RATE_SHARE_PERCENT: '101',
      RECONCILE_INTERVAL_SECONDS: '-5',
    });
    for (const key of ['RECONCILE_LOOKBACK_HOURS', 'RECONCILE_RATE_SHARE_PERCENT', 'RECONCILE_INTERVAL_SECONDS']) {
      expect(error.message).toContain(key);
    }
  });
});

describe('loadConfig refuses weak secrets', () => {
  it('refuses an API token shorter than 32 characters, naming the key and never the value', () => {
    const short = 'x'.repeat(31);
    const message = errorOf({ ...minimal, API_TOKENS: `${'y'.repeat(40)},${short}` }).message;
    expect(message).toContain('API_TOKENS entry 2 (a bare token): a token must have at least 32 characters');
    expect(message).not.toContain(short);
    expect(loadConfig({ ...minimal, API_TOKENS: 'z'.repeat(32) }).apiTokens).toEqual(['z'.repeat(32)]);
  });

  it.each([
    ['PERSONA_WEBHOOK_SECRET', 'wbhsec_replace_me'],
    ['PERSONA_WEBHOOK_SECRET', 'wbhsec_real_one,wbhsec_replace_me'],
    ['PERSONA_API_KEY', 'persona_sandbox_replace_me'],
    ['API_TOKENS', 'replace-with-a-long-random-token'],
    ['DATABASE_URL', 'postgres://persona:change-me-to-a-long-random-password@postgres:5432/persona_decider'],
  ])('refuses the .env.example placeholder in %s', (key, value) => {
    const message = errorOf({ ...minimal, [key]: value }).message;
    expect(message).toMatch(new RegExp(`${key} (is a placeholder|carries the placeholder password) from .env.example`));
    expect(message).not.toContain(value);
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['127.0.0.1', ['127.0.0.1']],
    [' 10.0.0.0/8 , 192.168.1.7,::1, fd00::/8 ', ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('reads %j as %j', (value, expected) => {
    expect(loadConfig({ ...minimal, TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['true', 'yes', '10.0.0.0/33', '300.1.1.1', '10.0.0.1/8/1', 'proxy.internal', '-1', ','])(
    'refuses %j',
    (value) => {
      expect(errorOf({ ...minimal, TRUST_PROXY: value }).message).toContain(
        'TRUST_PROXY must be a hop count or a comma-separated list of proxy IPs and CIDR ranges',
      );
    },
  );
});

describe('describeConfig redacts every URL', () => {
  const described = (env: Record<string, string>) => describeConfig(loadConfig({ ...minimal, ...env }));

  it('redacts a database password that looks like a port and a path, up to the last @', () => {
    expect(described({ DATABASE_URL: 'postgres://u:123/Secret@host/db' }).databaseUrl).toBe(
      'postgres://[redacted]@host/db',
    );
    expect(described({ DATABASE_URL: 'postgres://u:p@ss@w?rd#x@db:5432/app?sslpassword=k' }).databaseUrl).toBe(
      'postgres://[redacted]@db:5432/app?[redacted]',
    );
  });

  it('redacts credentials and the query of PERSONA_API_URL and DOWNSTREAM_URL', () => {
    const config = described({
      PERSONA_API_URL: 'https://user:pw-persona@persona.example/api/v1?key=k-persona',
      DOWNSTREAM_URL: 'https://hook:pw-down@hooks.example/x?token=k-down',
      DOWNSTREAM_SIGNING_SECRET: 'whsec_c2VjcmV0',
    });
    expect(config.personaApiUrl).toBe('https://[redacted]@persona.example/api/v1?[redacted]');
    expect((config.downstream as { url: string }).url).toBe('https://[redacted]@hooks.example/x?[redacted]');
    const text = JSON.stringify(config);
    for (const secret of ['pw-persona', 'k-persona', 'pw-down', 'k-down', 'user', 'hook:']) {
      expect(text).not.toContain(secret);
    }
  });
});
