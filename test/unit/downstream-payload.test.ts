import { describe, expect, it } from 'vitest';
import { toDecisionPayload } from '../../src/downstream/payload.js';
import type { DecisionMessage } from '../../src/downstream/payload.js';

const message: DecisionMessage = {
  decisionId: 'dec_01',
  inquiryId: 'inq_abc',
  outcome: 'approved',
  reasons: [
    { code: 'all_evidence_passed', outcome: 'approved', message: 'every verification and counted report passed' },
  ],
  decidedAt: '2026-01-01T00:00:00.000Z',
  policyVersion: '2026-01-01',
  sequence: 3,
  eventId: 'evt_xyz',
  eventName: 'inquiry.completed',
  evidence: { inquiryStatus: 'completed', referenceId: 'user-42', accountId: 'act_42', templateId: 'itmpl_42' },
};

describe('toDecisionPayload', () => {
  it('wraps the decision in a Standard Webhooks { type, timestamp, data } envelope', () => {
    const payload: unknown = JSON.parse(toDecisionPayload(message, '2026-01-01T00:00:05.000Z'));
    expect(payload).toEqual({
      type: 'decision.created',
      timestamp: '2026-01-01T00:00:05.000Z',
      data: {
        decisionId: 'dec_01',
        inquiryId: 'inq_abc',
        outcome: 'approved',
        reasons: message.reasons,
        decidedAt: '2026-01-01T00:00:00.000Z',
        policyVersion: '2026-01-01',
        sequence: 3,
        eventId: 'evt_xyz',
        eventName: 'inquiry.completed',
        personaStatus: 'completed',
        referenceId: 'user-42',
        accountId: 'act_42',
        templateId: 'itmpl_42',
      },
    });
  });

  it('copies only the listed fields, so extra (PII) properties on the input never leave the service', () => {
    const leaky = { ...message, nameFirst: 'Alexandra', birthdate: '1990-04-12' } as DecisionMessage;
    const body = toDecisionPayload(leaky, '2026-01-01T00:00:05.000Z');
    expect(body).not.toContain('Alexandra');
    expect(body).not.toContain('1990-04-12');
  });

  it('is deterministic, so a retried delivery carries byte-identical content', () => {
    expect(toDecisionPayload(message, 't')).toBe(toDecisionPayload({ ...message }, 't'));
  });
});
