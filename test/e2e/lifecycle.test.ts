import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import { playLifecycle } from '../../src/sim/lifecycle-events.js';
import { findScenario, isLifecycleScenario, listScenarios, type Scenario } from '../../src/sim/scenarios.js';
import { dialectTitle, storeDialects } from '../store/dialects.js';
import { type DecisionView, E2E_TIMEOUT_MS, E2eWorld } from './harness.js';

// The Persona lifecycle through real processes: every step of every lifecycle scenario is one signed webhook; the
// simulator serves the inquiry as at that step; the service decides, delivers what changed and keeps the rest in
// the decision's history.
let world: E2eWorld | undefined;
let database: { cleanup(): Promise<void> } | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  await database?.cleanup();
  database = undefined;
});

interface StepSeen {
  outcome: string | null;
  reason: string | undefined;
  sequence: number | null;
}

async function play(w: E2eWorld, scenario: Scenario): Promise<{ inquiryId: string; seen: StepSeen[] }> {
  const inquiryId = inquiryIdFor(scenario.key);
  const seen: StepSeen[] = [];
  const sender = w.sender();
  const results = await playLifecycle(inquiryId, {
    setStep: (id, step) => {
      const set = w.stack.persona.setStep(id, step);
      if (!set.ok) throw new Error(`setStep ${id} ${step}: ${set.reason}`);
    },
    send: (event) => sender.send(event),
    evaluated: async (id, eventId) => {
      const view: DecisionView = await w.evaluated(id, eventId);
      seen.push({ outcome: view.outcome, reason: view.reasons[0]?.code, sequence: view.sequence });
    },
  });
  expect(results.every((r) => r.acked)).toBe(true);
  return { inquiryId, seen };
}

/** A step that keeps the outcome leaves the current decision as it was: its reasons are the last delivered step's. */
function expectedSteps(scenario: Scenario): StepSeen[] {
  let current: StepSeen = { outcome: null, reason: undefined, sequence: 0 };
  return scenario.steps.map((step) => {
    if (step.delivers) {
      current = { outcome: step.expectedOutcome, reason: step.expectedReason, sequence: (current.sequence ?? 0) + 1 };
    }
    return current;
  });
}

describe.each(storeDialects)('Persona lifecycle end to end on $dialect', { timeout: E2E_TIMEOUT_MS }, (dialect) => {
  it.skipIf(dialect.skipReason !== null)(
    `plays every lifecycle scenario: each step decided as documented, only changes delivered, in order (${dialectTitle(dialect)})`,
    async () => {
      const db = await dialect.createDatabase();
      database = db;
      world = await E2eWorld.start({ env: { DATABASE_URL: db.url } });
      const w = world;
      const stories = listScenarios().filter((s) => isLifecycleScenario(s) && s.policy === undefined);
      expect(stories.map((s) => s.key)).toEqual(
        expect.arrayContaining(['reviewer-approves', 'workflow-declines', 'watchlist-late']),
      );
      const played = await Promise.all(stories.map((scenario) => play(w, scenario)));
      for (const [i, scenario] of stories.entries()) {
        const { inquiryId, seen } = played[i] as { inquiryId: string; seen: StepSeen[] };
        expect({ scenario: scenario.key, seen }).toEqual({ scenario: scenario.key, seen: expectedSteps(scenario) });
        const delivered = scenario.steps.filter((s) => s.delivers).length;
        await w.settled([inquiryId]);
        await expect
          .poll(() => w.deliveries().filter((d) => d.inquiryId === inquiryId).length, { timeout: E2E_TIMEOUT_MS })
          .toBe(delivered);
      }
    },
  );
});

describe('Persona lifecycle end to end, with a policy', { timeout: E2E_TIMEOUT_MS }, () => {
  it('sends an inquiry whose required watchlist never arrives to manual review (policy requiring it)', async () => {
    const scenario = findScenario('required-watchlist-missing');
    if (!scenario?.policy) throw new Error('scenario with a policy expected');
    const dir = mkdtempSync(join(tmpdir(), 'persona-decider-policy-'));
    try {
      const policyFile = join(dir, 'policy.json');
      writeFileSync(policyFile, JSON.stringify(scenario.policy));
      world = await E2eWorld.start({ env: { DECISION_POLICY_FILE: policyFile } });
      const { seen } = await play(world, scenario);
      expect(seen).toEqual(expectedSteps(scenario));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
