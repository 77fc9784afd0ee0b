import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { defaultPolicy } from '../../src/decision/policy.js';
import { inquiryDocumentSchema } from '../../src/persona/schemas.js';
import { toEvidence } from '../../src/persona/to-evidence.js';
import {
  fromScenarioCode,
  inquiryIdFor,
  parseInquiryId,
  parseResourceId,
  reportIdFor,
  toScenarioCode,
  verificationIdFor,
} from '../../src/sim/inquiry-ids.js';
import { createScenarioCatalog } from '../../src/sim/scenario-catalog.js';
import { listScenarios, SCENARIO_KEYS } from '../../src/sim/scenarios.js';
import type { ScenarioKey } from '../../src/sim/scenarios.js';

const BOTH = new Set(['verifications', 'reports']);

/** Evidence exactly as the service builds it: the simulator's JSON through the client's schema and mapping. */
function evidenceAfterFetches(key: ScenarioKey, fetches: number, pendingFetches = 2) {
  const catalog = createScenarioCatalog({ pendingFetches });
  const id = inquiryIdFor(key, 'unit1');
  let document = catalog.inquiry(id, BOTH);
  for (let i = 1; i < fetches; i += 1) document = catalog.inquiry(id, BOTH);
  return toEvidence(inquiryDocumentSchema.parse(document));
}

describe('scenarios', () => {
  it('covers every outcome of the default policy', () => {
    const outcomes = new Set(listScenarios().map((s) => s.expectedOutcome));
    expect([...outcomes].sort()).toEqual(['approved', 'declined', 'manual_review', 'retry']);
  });

  it.each(SCENARIO_KEYS)('%s is decided as documented once its evidence has settled', (key) => {
    const scenario = listScenarios().find((s) => s.key === key);
    const decision = decide(evidenceAfterFetches(key, 3), defaultPolicy);
    expect(decision.outcome).toBe(scenario?.expectedOutcome);
    expect(decision.reasons[0]?.code).toBe(scenario?.expectedReason);
  });

  it('keeps the settles-after-polls selfie initiated for exactly the configured number of fetches', () => {
    const statuses = (fetches: number, pendingFetches: number) =>
      evidenceAfterFetches('settles-after-polls', fetches, pendingFetches).verifications.map((v) => v.status);
    expect(statuses(1, 2)).toEqual(['passed', 'initiated', 'passed']);
    expect(statuses(2, 2)).toEqual(['passed', 'initiated', 'passed']);
    expect(statuses(3, 2)).toEqual(['passed', 'passed', 'passed']);
    expect(statuses(1, 0)).toEqual(['passed', 'passed', 'passed']);
  });

  it('never settles the never-settles selfie', () => {
    expect(evidenceAfterFetches('never-settles', 50).verifications.map((v) => v.status)).toEqual([
      'passed',
      'initiated',
      'passed',
    ]);
  });
});

describe('inquiry ids', () => {
  it.each(SCENARIO_KEYS)('round-trips the scenario key %s through the id', (key) => {
    expect(fromScenarioCode(toScenarioCode(key))).toBe(key);
    const id = inquiryIdFor(key, 'Abc123');
    expect(id).toMatch(/^inq_[A-Za-z]+_Abc123$/);
    expect(parseInquiryId(id)?.scenario.key).toBe(key);
  });

  it('encodes the scenario in camel case after inq_', () => {
    expect(inquiryIdFor('retried-id-then-passed', 'x1')).toBe('inq_retriedIdThenPassed_x1');
  });

  it('makes a different random suffix for every new inquiry', () => {
    const ids = new Set(Array.from({ length: 200 }, () => inquiryIdFor('all-passed')));
    expect(ids.size).toBe(200);
  });

  it.each([
    'inq_unknownScenario_x1',
    'inq_allPassed',
    'inq_allPassed_',
    'inq_allPassed_a_b',
    'ver_allPassed_x1',
    'inq_all-passed_x1',
  ])('does not resolve %s', (id) => {
    expect(parseInquiryId(id)).toBeNull();
  });

  it('derives verification and report ids that lead back to the inquiry', () => {
    const id = inquiryIdFor('watchlist-hit', 'k9');
    expect(verificationIdFor(id, 'gov1')).toBe('ver_watchlistHit_k9_gov1');
    expect(parseResourceId(verificationIdFor(id, 'gov1'))).toEqual({
      kind: 'verification',
      inquiryId: id,
      slot: 'gov1',
    });
    expect(parseResourceId(reportIdFor(id, 'watchlist'))).toEqual({ kind: 'report', inquiryId: id, slot: 'watchlist' });
    expect(parseResourceId('ver_nope')).toBeNull();
  });

  it('rejects a suffix Persona ids could not carry', () => {
    expect(() => inquiryIdFor('all-passed', 'a_b')).toThrow(RangeError);
    expect(() => inquiryIdFor('all-passed', '')).toThrow(RangeError);
  });
});
