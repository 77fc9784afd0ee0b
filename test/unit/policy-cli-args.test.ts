import { describe, expect, it } from 'vitest';
import { parseInstant, parsePolicyArgs } from '../../src/backtest/cli-args.js';

describe('npm run policy: command line', () => {
  it('reads check with its file', () => {
    expect(parsePolicyArgs(['check', 'policy.json'])).toEqual({
      ok: true,
      value: { command: 'check', file: 'policy.json', json: false },
    });
    expect(parsePolicyArgs(['check', '--json', 'policy.json'])).toMatchObject({ ok: true, value: { json: true } });
  });

  it('reads backtest with every option, dates turned into stored instants', () => {
    const argv = ['backtest', 'p.json', '--since', '2026-11-01', '--until', '2026-11-02T13:30+01:00'];
    const more = ['--template', 'itmpl_abc123', '--json', '--stats', '--batch-size', '50'];
    expect(parsePolicyArgs([...argv, ...more])).toEqual({
      ok: true,
      value: {
        command: 'backtest',
        file: 'p.json',
        json: true,
        stats: true,
        since: '2026-11-01T00:00:00.000Z',
        until: '2026-11-02T12:30:00.000Z',
        templateId: 'itmpl_abc123',
        batchSize: 50,
      },
    });
  });

  it('defaults to every decision, 1000 rows a query', () => {
    expect(parsePolicyArgs(['backtest', 'p.json'])).toEqual({
      ok: true,
      value: {
        command: 'backtest',
        file: 'p.json',
        json: false,
        stats: false,
        since: undefined,
        until: undefined,
        templateId: undefined,
        batchSize: 1000,
      },
    });
  });

  it('answers --help and help whatever else is there', () => {
    expect(parsePolicyArgs(['--help'])).toEqual({ ok: true, value: { command: 'help' } });
    expect(parsePolicyArgs(['backtest', '-h'])).toEqual({ ok: true, value: { command: 'help' } });
    expect(parsePolicyArgs(['help'])).toEqual({ ok: true, value: { command: 'help' } });
  });

  it.each([
    [[], /name a command/],
    [['run', 'p.json'], /unknown command "run"/],
    [['check'], /check needs a policy file/],
    [['backtest'], /backtest needs a policy file/],
    [['check', 'p.json', 'q.json'], /unexpected argument\(s\): q\.json/],
    [['check', 'p.json', '--since', '2026-11-01'], /--since applies to backtest only/],
    [['backtest', 'p.json', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['backtest', 'p.json', '--since'], /argument missing/],
    [['backtest', 'p.json', '--since', 'yesterday'], /--since must be a date/],
    [['backtest', 'p.json', '--until', '2026-11-01T10:00:00'], /--until must be a date/],
    [['backtest', 'p.json', '--since', '2026-11-02', '--until', '2026-11-01'], /--since must be before --until/],
    [['backtest', 'p.json', '--template', 'kyc'], /--template must be an inquiry template id/],
    [['backtest', 'p.json', '--batch-size', '0'], /--batch-size must be a whole number from 1 to 10000/],
  ])('refuses %j', (argv, problem) => {
    const parsed = parsePolicyArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.join('\n')).toMatch(problem);
  });

  it('reports every problem at once', () => {
    const parsed = parsePolicyArgs(['backtest', 'p.json', '--since', 'x', '--until', 'y', '--template', 'z']);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toHaveLength(3);
  });
});

describe('parseInstant', () => {
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T12:00Z', '2026-11-01T12:00:00.000Z'],
    ['2026-11-01T12:00:30.5Z', '2026-11-01T12:00:30.500Z'],
    ['2026-11-01T00:30-02:00', '2026-11-01T02:30:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseInstant(text)).toBe(iso);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-11-01T24:00Z', '2026-11-01T12:00', '1 Nov 2026', '', '20261101'])(
    'refuses %j',
    (text) => {
      expect(parseInstant(text)).toBeNull();
    },
  );
});
