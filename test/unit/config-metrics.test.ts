import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/config.js';
import { testEnv } from '../helpers/test-app.js';

const TOKEN = 'scraper-token-0123456789abcdef0123';

function messageOf(env: Record<string, string | undefined>): string {
  try {
    loadConfig(testEnv(env));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected loadConfig to throw');
}

describe('METRICS_ENABLED and METRICS_TOKEN', () => {
  it('enables metrics by default, with /metrics open', () => {
    expect(loadConfig(testEnv())).toMatchObject({ metricsEnabled: true, metricsToken: undefined });
  });

  it.each([
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['no', false],
    ['true', true],
    ['1', true],
    ['yes', true],
  ])('reads METRICS_ENABLED=%s as %s', (value, expected) => {
    expect(loadConfig(testEnv({ METRICS_ENABLED: value })).metricsEnabled).toBe(expected);
  });

  it('refuses any other METRICS_ENABLED, naming the key', () => {
    expect(messageOf({ METRICS_ENABLED: 'maybe' })).toContain('METRICS_ENABLED must be true or false');
  });

  it('refuses a METRICS_TOKEN shorter than 32 characters, naming the key and never the value', () => {
    const short = 'short-scraper-token-0123456789';
    const message = messageOf({ METRICS_TOKEN: short });
    expect(message).toContain('METRICS_TOKEN must be at least 32 characters');
    expect(message).not.toContain(short);
  });

  it('takes a long METRICS_TOKEN (an empty one means unset) and never logs it', () => {
    const config = loadConfig(testEnv({ METRICS_TOKEN: ` ${TOKEN} ` }));
    expect(config.metricsToken).toBe(TOKEN);
    expect(describeConfig(config).metricsToken).toBe('[set]');
    expect(JSON.stringify(describeConfig(config))).not.toContain(TOKEN);
    expect(loadConfig(testEnv({ METRICS_TOKEN: '' })).metricsToken).toBeUndefined();
  });
});
