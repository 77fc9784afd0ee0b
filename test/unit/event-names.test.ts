import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { createEventClassifier, DEFAULT_PERSONA_EVENTS, describeBadEventName } from '../../src/persona/event-names.js';
import { testEnv } from '../helpers/test-app.js';

const COUNTED = ['report/watchlist', 'report/integration/sentilink-scores'];

describe('createEventClassifier', () => {
  const classify = createEventClassifier(DEFAULT_PERSONA_EVENTS, COUNTED);

  it.each([
    ['inquiry.completed', 'inquiry'],
    ['inquiry.failed', 'inquiry'],
    ['inquiry.expired', 'inquiry'],
    ['inquiry.approved', 'inquiry'],
    ['inquiry.declined', 'inquiry'],
    ['inquiry.marked-for-review', 'inquiry'],
    ['report/watchlist.ready', 'report'],
    ['report/watchlist.matched', 'report'],
    ['report/watchlist.dismissed', 'report'],
    ['report/watchlist.errored', 'report'],
    ['report/integration/sentilink-scores.ready', 'report'],
    // not counted by the policy: its change could not alter a decision
    ['report/phone-number.ready', 'ignored'],
    // events the service does not act on
    ['inquiry.created', 'ignored'],
    ['inquiry.started', 'ignored'],
    ['inquiry.transitioned', 'ignored'],
    ['report/address-lookup.submitted', 'ignored'],
    ['report/watchlist.submitted', 'ignored'],
    ['verification.passed', 'ignored'],
    ['case.created', 'ignored'],
  ])('%s → %s (default PERSONA_EVENTS)', (name, expected) => {
    expect(classify(name)).toBe(expected);
  });

  it('acts only on the listed names: an exact report event, or an action for every counted type', () => {
    const only = createEventClassifier(['inquiry.completed', 'report/watchlist.matched'], COUNTED);
    expect(only('inquiry.completed')).toBe('inquiry');
    expect(only('inquiry.approved')).toBe('ignored');
    expect(only('report/watchlist.matched')).toBe('report');
    expect(only('report/watchlist.ready')).toBe('ignored');
    expect(only('report/integration/sentilink-scores.matched')).toBe('ignored');
  });
});

describe('PERSONA_EVENTS', () => {
  it('defaults to every lifecycle event and every action of the counted report types', () => {
    expect(loadConfig(testEnv()).personaEvents).toEqual([
      'inquiry.completed',
      'inquiry.failed',
      'inquiry.expired',
      'inquiry.approved',
      'inquiry.declined',
      'inquiry.marked-for-review',
      'report/*.ready',
      'report/*.matched',
      'report/*.dismissed',
      'report/*.errored',
    ]);
  });

  it('accepts a narrower list, trimmed', () => {
    const config = loadConfig(testEnv({ PERSONA_EVENTS: ' inquiry.completed , report/watchlist.matched ' }));
    expect(config.personaEvents).toEqual(['inquiry.completed', 'report/watchlist.matched']);
  });

  it.each(['inquiry.created', 'report/watchlist.submitted', 'report/*.everything', 'completed', 'verification.passed'])(
    'refuses %s at startup, naming it',
    (name) => {
      expect(describeBadEventName(name)).toContain(`"${name}"`);
      let error: unknown;
      try {
        loadConfig(testEnv({ PERSONA_EVENTS: `inquiry.completed,${name}` }));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).message).toContain(`PERSONA_EVENTS "${name}" is not an event the service acts on`);
    },
  );
});
