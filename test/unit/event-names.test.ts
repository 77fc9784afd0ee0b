import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import {
  actionableEventNames,
  createEventClassifier,
  DEFAULT_PERSONA_EVENTS,
  describeBadEventName,
} from '../../src/persona/event-names.js';
import { testEnv } from '../helpers/test-app.js';

const COUNTED = ['report/watchlist', 'report/integration/sentilink-scores'];

/** The payload object's type of an event, as Persona sends it for these names. */
const objectTypeOf = (name: string): string =>
  name.startsWith('inquiry.') ? 'inquiry' : name.startsWith('report/') ? name.slice(0, name.lastIndexOf('.')) : 'case';

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
    expect(classify({ name, objectType: objectTypeOf(name) })).toBe(expected);
  });

  it("reads a report event's type from its object: the Sentilink event name and report type differ", () => {
    const event = { name: 'report/sentilink-scores.ready', objectType: 'report/integration/sentilink-scores' };
    expect(classify(event)).toBe('report');
    expect(createEventClassifier(DEFAULT_PERSONA_EVENTS, ['report/watchlist'])(event)).toBe('ignored');
  });

  it('acts only on the listed names: an exact report event, or an action for every counted type', () => {
    const classifier = createEventClassifier(['inquiry.completed', 'report/watchlist.matched'], COUNTED);
    const only = (name: string) => classifier({ name, objectType: objectTypeOf(name) });
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

describe('actionableEventNames', () => {
  it("makes report/*.<action> concrete for each counted report type, for GET /events' filter[name]", () => {
    const names = actionableEventNames(
      ['inquiry.completed', 'inquiry.approved', 'report/*.matched', 'report/watchlist.ready'],
      ['report/watchlist', 'report/adverse-media'],
    );
    expect(names).toEqual([
      'inquiry.completed',
      'inquiry.approved',
      'report/watchlist.matched',
      'report/adverse-media.matched',
      'report/watchlist.ready',
    ]);
  });

  it('lists each name once, and the default PERSONA_EVENTS as 6 inquiry events and 4 actions per counted type', () => {
    expect(actionableEventNames(['inquiry.failed', 'inquiry.failed'], [])).toEqual(['inquiry.failed']);
    // an integration's report: the object type has `integration/`, its events do not (OAS webhooks)
    expect(actionableEventNames(['report/*.ready'], ['report/integration/sentilink-scores'])).toEqual([
      'report/sentilink-scores.ready',
    ]);
    expect(
      actionableEventNames(DEFAULT_PERSONA_EVENTS, ['report/watchlist', 'report/politically-exposed-person']),
    ).toHaveLength(6 + 4 * 2);
  });
});
