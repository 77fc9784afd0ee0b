import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/sim/cli-args.js';
import { defaultPolicyScenarios, SCENARIO_KEYS } from '../../src/sim/scenarios.js';

describe('persona-sim command line', () => {
  it('serves with the stack defaults when given nothing', () => {
    expect(parseCliArgs([], {})).toEqual({ ok: true, value: { command: 'serve', stack: {}, json: false } });
  });

  it('reads serve flags, with flags winning over SIM_* variables', () => {
    const argv = ['--port', '4010', '--rate-limit', '30/6', '--latency-ms', '50', '--api-key', 'k1', '--json'];
    const env = { SIM_PORT: '9999', SIM_SINK_PORT: '4011', SIM_WEBHOOK_SECRET: 'wbhsec_env' };
    expect(parseCliArgs(argv, env)).toEqual({
      ok: true,
      value: {
        command: 'serve',
        json: true,
        stack: {
          port: 4010,
          sinkPort: 4011,
          apiKey: 'k1',
          webhookSecret: 'wbhsec_env',
          rateLimit: { limit: 30, windowMs: 6000 },
          latencyMs: 50,
        },
      },
    });
  });

  it('reports every malformed value at once', () => {
    const result = parseCliArgs(['--port', 'x', '--rate-limit', 'fast', '--latency-ms=-1'], {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toHaveLength(3);
  });

  it('parses fire with scenarios, counts, duplicates and a rotation secret pair', () => {
    const argv = [
      'fire',
      '--target',
      'http://127.0.0.1:3000/webhooks/persona',
      '--scenario',
      'all-passed',
      '--scenario',
      'watchlist-hit',
    ];
    const result = parseCliArgs([...argv, '--count', '3', '--duplicates', '2', '--webhook-secret', 'new,old'], {});
    expect(result).toMatchObject({
      ok: true,
      value: {
        command: 'fire',
        fire: {
          scenarios: ['all-passed', 'watchlist-hit'],
          count: 3,
          duplicates: 2,
          secrets: ['new', 'old'],
          outOfOrder: false,
        },
      },
    });
  });

  it('fires every scenario by default', () => {
    const result = parseCliArgs(['fire', '--sim-url', 'http://127.0.0.1:4010'], {});
    expect(result.ok && result.value.command === 'fire' && result.value.fire.scenarios).toEqual([...SCENARIO_KEYS]);
  });

  it('reads the simulator URL from --sim-url or SIM_URL, without a trailing slash', () => {
    const simUrlOf = (argv: string[], env: Record<string, string>) => {
      const result = parseCliArgs(['fire', '--scenario', 'watchlist-late', ...argv], env);
      return result.ok && result.value.command === 'fire' ? result.value.fire.simUrl : result;
    };
    expect(simUrlOf(['--sim-url', 'http://127.0.0.1:4010/'], {})).toBe('http://127.0.0.1:4010');
    expect(simUrlOf([], { SIM_URL: 'http://sim:4010' })).toBe('http://sim:4010');
    expect(simUrlOf(['--sim-url', 'http://flag:1'], { SIM_URL: 'http://env:2' })).toBe('http://flag:1');
  });

  it('needs no simulator URL when every chosen scenario has a single step', () => {
    const result = parseCliArgs(['fire', '--scenario', 'all-passed,inquiry-failed'], {});
    expect(result).toMatchObject({ ok: true, value: { fire: { scenarios: ['all-passed', 'inquiry-failed'] } } });
    expect(result.ok && result.value.command === 'fire' && 'simUrl' in result.value.fire).toBe(false);
  });

  it('asks for --sim-url, naming the scenarios with several steps, when it is missing', () => {
    expect(parseCliArgs(['fire', '--scenario', 'all-passed', '--scenario', 'reviewer-approves'], {})).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^--sim-url \(or SIM_URL\) is required .*\(reviewer-approves\)/)],
    });
    const all = parseCliArgs(['fire'], {});
    expect(all.ok ? [] : all.problems).toEqual([expect.stringContaining('watchlist-late')]);
  });

  it.each([
    [['fire', '--scenario', 'nope']],
    [['fire', '--webhook-secret', 'a,b,c']],
    [['fire', '--count', '0']],
    [['fire', '--scenario', 'watchlist-late', '--sim-url', 'not a url']],
    [['explode']],
    [['--no-such-flag']],
  ])('refuses %j', (argv) => {
    expect(parseCliArgs(argv, {}).ok).toBe(false);
  });

  it('lists scenarios and prints help', () => {
    expect(parseCliArgs(['scenarios'], {})).toEqual({ ok: true, value: { command: 'scenarios' } });
    expect(parseCliArgs(['--help'], {})).toEqual({ ok: true, value: { command: 'help' } });
  });

  it('fires the scenarios the default policy decides with --scenario demo (no scenario that assumes a policy)', () => {
    const result = parseCliArgs(['fire', '--scenario', 'demo', '--sim-url', 'http://127.0.0.1:4010'], {});
    const keys = result.ok && result.value.command === 'fire' ? result.value.fire.scenarios : [];
    expect(keys).toEqual(defaultPolicyScenarios().map((s) => s.key));
    expect(keys).toContain('reviewer-approves');
    expect(keys).not.toContain('required-watchlist-missing');
    expect(keys.length).toBe(SCENARIO_KEYS.length - 1);
  });

  it('reads --await-deliveries (or SIM_AWAIT_DELIVERIES) and --await-seconds, and refuses a bad value', () => {
    const fireOf = (argv: string[], env: Record<string, string> = {}) => {
      const result = parseCliArgs(['fire', '--scenario', 'all-passed', ...argv], env);
      return result.ok && result.value.command === 'fire' ? result.value.fire.awaitDeliveries : result;
    };
    expect(fireOf(['--await-deliveries', 'http://sim:4020/'])).toEqual({ sinkUrl: 'http://sim:4020', seconds: 60 });
    expect(fireOf(['--await-seconds', '5'], { SIM_AWAIT_DELIVERIES: 'http://s:1' })).toEqual({
      sinkUrl: 'http://s:1',
      seconds: 5,
    });
    expect(fireOf([])).toBeUndefined();
    expect(fireOf(['--await-deliveries', 'not a url', '--await-seconds', '0'])).toEqual({
      ok: false,
      problems: ['--await-deliveries must be a URL', '--await-seconds must be an integer >= 1'],
    });
  });

  it('reads --included (or SIM_INCLUDED): none by default, and refuses anything but none, verifications or all', () => {
    const includedOf = (argv: string[], env: Record<string, string> = {}) => {
      const result = parseCliArgs(['fire', '--scenario', 'all-passed', ...argv], env);
      return result.ok && result.value.command === 'fire' ? result.value.fire.included : result;
    };
    expect(includedOf([])).toBe('none');
    expect(includedOf(['--included', 'all'])).toBe('all');
    expect(includedOf([], { SIM_INCLUDED: 'verifications' })).toBe('verifications');
    expect(includedOf(['--included', 'everything'])).toEqual({
      ok: false,
      problems: ['--included must be one of none, verifications, all'],
    });
  });
});
