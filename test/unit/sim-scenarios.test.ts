import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decision/decide.js';
import { defaultPolicy, parsePolicy } from '../../src/decision/policy.js';
import type { Policy } from '../../src/decision/policy.js';
import { inquiryDocumentSchema } from '../../src/persona/schemas.js';
import { toEvidence } from '../../src/persona/to-evidence.js';
import { withMatchDismissals } from '../../src/decision/evidence.js';
import { matchEventsAt } from '../../src/sim/lifecycle-events.js';
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
import {
  findScenario,
  isLifecycleScenario,
  listScenarios,
  reportsAtStep,
  SCENARIO_KEYS,
} from '../../src/sim/scenarios.js';
import type { Scenario, ScenarioKey } from '../../src/sim/scenarios.js';

const BOTH = new Set(['verifications', 'reports']);

/** Evidence exactly as the service builds it: the simulator's JSON through the client's schema and mapping. */
function evidenceAfterFetches(key: ScenarioKey, fetches: number, pendingFetches = 2, step = 0) {
  const catalog = createScenarioCatalog({ pendingFetches });
  const id = inquiryIdFor(key, 'unit1');
  expect(catalog.setStep(id, step)).toEqual({ ok: true });
  let document = catalog.inquiry(id, BOTH);
  for (let i = 1; i < fetches; i += 1) document = catalog.inquiry(id, BOTH);
  return toEvidence(inquiryDocumentSchema.parse(document));
}

/**
 * The default policy with the scenario's own policy keys over it. parsePolicy refuses keys it does not know yet
 * (`requiredReportTypes` arrives with the engine's required-report rule), so that scenario fails until then.
 */
function policyFor(scenario: Scenario): Policy {
  return scenario.policy ? parsePolicy({ ...scenario.policy }, `scenario ${scenario.key}`) : defaultPolicy;
}

const scenarioOf = (key: ScenarioKey): Scenario => {
  const scenario = findScenario(key);
  if (!scenario) throw new Error(`no scenario ${key}`);
  return scenario;
};

/** Every step of every scenario: [key, step index, event]. */
const STEP_ROWS = listScenarios().flatMap((scenario) =>
  scenario.steps.map((step, index) => [scenario.key, index, step.event] as const),
);

describe('scenarios', () => {
  it('covers every outcome of the default policy', () => {
    const outcomes = new Set(listScenarios().map((s) => s.expectedOutcome));
    expect([...outcomes].sort()).toEqual(['approved', 'declined', 'manual_review', 'retry']);
  });

  it.each(STEP_ROWS)('%s at step %i (%s) is decided as documented once its evidence has settled', (key, index) => {
    const scenario = scenarioOf(key);
    const step = scenario.steps[index];
    // the service adds the report match events it received (a dismissal shows only there)
    const evidence = withMatchDismissals(
      evidenceAfterFetches(key, 3, 2, index),
      matchEventsAt(inquiryIdFor(key, 'unit1'), index),
    );
    const decision = decide(evidence, policyFor(scenario));
    expect({ outcome: decision.outcome, reason: decision.reasons[0]?.code }).toEqual({
      outcome: step?.expectedOutcome,
      reason: step?.expectedReason,
    });
  });

  it.each(SCENARIO_KEYS)("%s ends as its last step: the scenario's expectations are the last step's", (key) => {
    const scenario = scenarioOf(key);
    const last = scenario.steps.at(-1);
    expect([scenario.expectedOutcome, scenario.expectedReason]).toEqual([last?.expectedOutcome, last?.expectedReason]);
  });

  it('gives a scenario without a lifecycle one delivered inquiry.completed step', () => {
    expect(scenarioOf('all-passed').steps).toEqual([
      {
        event: 'inquiry.completed',
        inquiryStatus: 'completed',
        expectedOutcome: 'approved',
        expectedReason: 'all_evidence_passed',
        delivers: true,
      },
    ]);
    expect(isLifecycleScenario(scenarioOf('all-passed'))).toBe(false);
    expect(isLifecycleScenario(scenarioOf('reviewer-approves'))).toBe(true);
  });

  it.each(listScenarios().map((s) => [s.key, s] as const))(
    '%s: the first step delivers, a report step names a report linked at that step, and a step that does not deliver keeps the outcome',
    (_key, scenario) => {
      expect(scenario.steps[0]?.delivers).toBe(true);
      scenario.steps.forEach((step, index) => {
        const slots = reportsAtStep(scenario, index).map((r) => r.slot);
        if (step.event.startsWith('report/')) expect(slots).toContain(step.reportSlot);
        else expect(step.event).toMatch(/^inquiry\./);
        if (!step.delivers) expect(step.expectedOutcome).toBe(scenario.steps[index - 1]?.expectedOutcome);
      });
    },
  );

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
