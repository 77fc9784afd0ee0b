/**
 * The body delivered downstream. Only ids, the outcome and reason codes leave the service: Persona payloads are
 * PII, and a decision message is built from fields chosen here one by one, never by spreading an input object.
 */
export interface DecisionMessage {
  decisionId: string;
  inquiryId: string;
  outcome: string;
  reasons: unknown[];
  decidedAt: string;
  policyVersion: string;
  /** Per-inquiry ordering, so consumers can drop a late delivery that an earlier retry overtook. */
  sequence: number;
  eventId: string;
}

export const DECISION_CREATED = 'decision.created';

/** Standard Webhooks payload shape: `{ type, timestamp, data }`. */
export function toDecisionPayload(msg: DecisionMessage, timestampIso: string): string {
  return JSON.stringify({
    type: DECISION_CREATED,
    timestamp: timestampIso,
    data: {
      decisionId: msg.decisionId,
      inquiryId: msg.inquiryId,
      outcome: msg.outcome,
      reasons: msg.reasons,
      decidedAt: msg.decidedAt,
      policyVersion: msg.policyVersion,
      sequence: msg.sequence,
      eventId: msg.eventId,
    },
  });
}
