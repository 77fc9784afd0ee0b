import { describe, expect, it } from 'vitest';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import type { ScenarioKey } from '../../src/sim/scenarios.js';
import type { SimulatorStack } from '../../src/sim/stack.js';
import { postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { useSimulatedPersona } from '../helpers/simulated-persona.js';
import { TEST_API_TOKEN, type TestContext } from '../helpers/test-app.js';

// PERSONA_WRITE_BACK against the simulator on loopback: the decision is told to Persona with its id as the
// Idempotency-Key, Persona's resulting event re-decides to the same outcome and delivers nothing (no loop), and a
// decision that follows Persona's own is not written back. (The sink receives each delivery but cannot verify its
// signature, whose timestamp is the test's manual clock, days before the sink's: deliveries are counted by id.)
const simulated = useSimulatedPersona();

interface DecisionBody {
  outcome: string;
  sequence: number;
  decisionId: string;
  personaStatus: string;
  history: { eventName: string | null }[];
  writeBack: { action: string; status: string; detail: string | null; attempts: number } | null;
}

async function start(writeBack = 'approved,declined,manual_review') {
  const { c, s } = await simulated({ PERSONA_WRITE_BACK: writeBack });
  return { ctx: c, stack: s };
}

async function decision(c: TestContext, inquiryId: string): Promise<DecisionBody> {
  const res = await c.app.inject({
    url: `/decisions/${inquiryId}`,
    headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
  });
  return res.json();
}

/** Distinct deliveries the sink received (each retried: the sink answers 400 to a signature it cannot verify). */
const deliveryIds = (s: SimulatorStack) => [...new Set(s.sink.deliveries().map((d) => d.webhookId))];

const later = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

describe('PERSONA_WRITE_BACK', () => {
  it.each<[ScenarioKey, string, string, string, string]>([
    ['all-passed', 'approved', 'approve', 'approved', 'inquiry.approved'],
    ['failed-liveness', 'declined', 'decline', 'declined', 'inquiry.declined'],
    ['watchlist-hit', 'manual_review', 'mark-for-review', 'needs_review', 'inquiry.marked-for-review'],
  ])(
    'tells Persona a %s decision (%s: POST …/%s, Idempotency-Key = the decision id); its event delivers nothing',
    async (scenario, outcome, action, statusAfter, eventName) => {
      const { ctx: c, stack: s } = await start();
      const inquiryId = inquiryIdFor(scenario);
      await postWebhook(c, buildInquiryEvent({ inquiryId, createdAt: later(0) }).body);
      await runUntilIdle(c);
      const decided = await decision(c, inquiryId);
      expect(decided).toMatchObject({ outcome, sequence: 1 });
      expect(decided.writeBack).toEqual({
        action,
        status: 'done',
        detail: `Persona's status is ${statusAfter}`,
        attempts: 1,
        updatedAt: expect.any(String),
      });
      expect(s.persona.reviews()).toEqual([{ inquiryId, action, idempotencyKey: decided.decisionId }]);
      expect(deliveryIds(s)).toHaveLength(1);

      // Persona's event for the write-back: the same outcome, so no new decision, no delivery, no second write-back
      await postWebhook(c, buildInquiryEvent({ inquiryId, name: eventName, createdAt: later(5) }).body);
      await runUntilIdle(c);
      const after = await decision(c, inquiryId);
      expect(after).toMatchObject({ outcome, sequence: 1, decisionId: decided.decisionId });
      expect(after.history.map((h) => h.eventName)).toEqual([eventName]);
      expect(s.persona.reviews()).toHaveLength(1);
      expect(deliveryIds(s)).toHaveLength(1);
    },
  );

  it('does not write back a decision that follows Persona (a reviewer approved it): skipped, saying why', async () => {
    const { ctx: c, stack: s } = await start();
    const inquiryId = inquiryIdFor('reviewer-approves');
    const set = s.persona.setStep(inquiryId, 2); // Persona: approved by a reviewer
    expect(set.ok).toBe(true);
    await postWebhook(c, buildInquiryEvent({ inquiryId, name: 'inquiry.approved', step: 2, createdAt: later(0) }).body);
    await runUntilIdle(c);
    const decided = await decision(c, inquiryId);
    expect(decided).toMatchObject({ outcome: 'approved', personaStatus: 'approved' });
    expect(decided.writeBack).toMatchObject({
      action: 'approve',
      status: 'skipped',
      detail: "Persona's status was approved when decided: Persona decides it already",
    });
    expect(s.persona.reviews()).toEqual([]);
  });

  it('writes back only the outcomes listed, and nothing when unset', async () => {
    const { ctx: c, stack: s } = await start('declined');
    const approvedId = inquiryIdFor('all-passed');
    const declinedId = inquiryIdFor('failed-liveness');
    await postWebhook(c, buildInquiryEvent({ inquiryId: approvedId, createdAt: later(0) }).body);
    await postWebhook(c, buildInquiryEvent({ inquiryId: declinedId, createdAt: later(0) }).body);
    await runUntilIdle(c);
    expect((await decision(c, approvedId)).writeBack).toBeNull();
    expect((await decision(c, declinedId)).writeBack).toMatchObject({ action: 'decline', status: 'done' });
    expect(s.persona.reviews().map((r) => r.inquiryId)).toEqual([declinedId]);
  });
});
