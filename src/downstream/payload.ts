import type { EvidenceSummary } from '../decision/evidence.js';
import type { Outcome } from '../decision/outcome.js';
import type { Reason } from '../decision/reasons.js';
import type { Clock } from '../lib/clock.js';

/**
 * The body delivered downstream. Only ids, the outcome and reason codes leave the service: Persona payloads are
 * PII, and a decision message is built from fields chosen here one by one, never by spreading an input object.
 */
export interface DecisionMessage {
  decisionId: string;
  inquiryId: string;
  outcome: Outcome;
  reasons: Reason[];
  decidedAt: string;
  policyVersion: string;
  /** Per-inquiry ordering, so consumers can drop a late delivery that an earlier retry overtook. */
  sequence: number;
  eventId: string;
  /** The Persona event that led to the decision; null on decisions from before it was kept. */
  eventName: string | null;
  /** Persona's status and identifiers are read from here; nothing else of the evidence leaves the service. */
  evidence: Pick<EvidenceSummary, 'inquiryStatus' | 'referenceId' | 'accountId' | 'templateId'>;
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
      eventName: msg.eventName,
      personaStatus: msg.evidence.inquiryStatus,
      referenceId: msg.evidence.referenceId,
      accountId: msg.evidence.accountId,
      templateId: msg.evidence.templateId,
    },
  });
}

/**
 * The outbox body of a decision: built once, in the decision's transaction, and sent unchanged on every retry.
 * A stored decision is a DecisionMessage with more fields; toDecisionPayload picks only the message's.
 */
export function createDeliveryBody(clock: Clock): (decision: DecisionMessage, deliveryId: string) => string {
  return (decision) => toDecisionPayload(decision, new Date(clock.now()).toISOString());
}
