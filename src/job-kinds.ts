import { z } from 'zod';
import type { Evidence } from './decision/evidence.js';
import { storedEvidenceSchema } from './decision/schemas.js';

/**
 * The job contract, in one leaf module: every job kind, the zod schema of its payload and the builder that makes
 * its row (key, queue, payload). Payloads are stored in the database, so they outlive a deploy: the worker parses
 * each one before its handler runs, and a payload that does not parse fails its job visibly instead of being cast.
 * Producers (the stores) and consumers (the handlers) both import from here; this module imports no layer.
 */
export const PROCESS_INQUIRY = 'process_inquiry';
export const DELIVER_DECISION = 'deliver_decision';
export const WRITE_BACK = 'write_back';
export const RECONCILE = 'reconcile';

/** What a decision's outcome asks of Persona (PERSONA_WRITE_BACK): `POST /inquiries/{id}/<action>`. */
export const WRITE_BACK_ACTIONS = ['approve', 'decline', 'mark-for-review'] as const;
export type WriteBackAction = (typeof WRITE_BACK_ACTIONS)[number];

const id = z.string().min(1);
const count = z.number().int().nonnegative();

const processInquiryPayload = z.object({
  eventId: id,
  inquiryId: id,
  /** `inquiry.completed`, `report/watchlist.matched`, …; absent on jobs queued by an older version. */
  eventName: id.optional(),
  /** Persona's `created-at` of the event: a job of an older event never overwrites a newer decision. */
  eventCreatedAt: id,
  /** When the webhook was stored (epoch ms): the poll and outage deadlines count from here. */
  receivedAtMs: count,
  polls: count,
  personaCalls: count,
  /**
   * The PII-free evidence so far: from the webhook itself when it carried all of it (intake), else from the API
   * between polls, so a re-poll fetches only what is still pending.
   */
  evidence: storedEvidenceSchema.optional(),
  /** Where `evidence` came from and when (ISO-8601); absent on jobs queued by an older version (the API). */
  evidenceSource: z.object({ from: z.enum(['webhook', 'api']), at: id }).optional(),
});

const deliverDecisionPayload = z.object({
  deliveryId: id,
  /** 4xx/3xx answers so far in this schedule (kept between attempts). */
  clientErrors: count.optional(),
});

const writeBackPayload = z.object({
  decisionId: id,
  inquiryId: id,
  action: z.enum(WRITE_BACK_ACTIONS),
  /** When the decision was stored (epoch ms): Persona outages are retried for PERSONA_RETRY_FOR_SECONDS from here. */
  decidedAtMs: count,
});

/** The sweep's progress between its steps (a run reads a few pages per minute): absent fields, a run not started. */
const reconcilePayload = z.object({
  runId: id.optional(),
  /** Events created before this end the run. */
  stopAt: id.optional(),
  /** The last event id read: the next page's `page[after]`. */
  after: id.optional(),
  pages: count,
  found: count,
  newEvents: count,
  newestEventAt: id.optional(),
});

export const jobPayloadSchemas = {
  [PROCESS_INQUIRY]: processInquiryPayload,
  [DELIVER_DECISION]: deliverDecisionPayload,
  [WRITE_BACK]: writeBackPayload,
  [RECONCILE]: reconcilePayload,
} as const;

export type JobKind = keyof typeof jobPayloadSchemas;
export type JobPayload<K extends JobKind> = z.output<(typeof jobPayloadSchemas)[K]>;
export type ProcessInquiryPayload = JobPayload<typeof PROCESS_INQUIRY>;

/**
 * A job to enqueue. `key` is unique (a second enqueue is a no-op); jobs sharing `queue` run one at a time, in order.
 * Distributive over the kinds: a payload always belongs to its own kind.
 */
export type JobSpec<K extends JobKind = JobKind> = K extends JobKind
  ? { kind: K; key: string; queue: string | null; payload: JobPayload<K>; runAt: number }
  : never;

export function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(jobPayloadSchemas, kind);
}

/** A stored payload → typed, or a message naming every field that does not parse. */
export function parseJobPayload<K extends JobKind>(
  kind: K,
  payload: unknown,
): { ok: true; payload: JobPayload<K> } | { ok: false; error: string } {
  const parsed = jobPayloadSchemas[kind].safeParse(payload);
  if (parsed.success) return { ok: true, payload: parsed.data as JobPayload<K> };
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(payload)'}: ${issue.message}`,
  );
  return { ok: false, error: `invalid ${kind} payload: ${problems.join('; ')}` };
}

/**
 * The processing job of an inquiry, from one of its events (`process:<eventId>`, so a duplicate webhook adds
 * nothing) or from an operator's reprocess. Queued per inquiry, so an inquiry's jobs run one at a time.
 */
export function processInquiryJob(input: {
  eventId: string;
  /** null when the event row is gone (an operator's reprocess of an inquiry whose events were pruned). */
  eventName: string | null;
  inquiryId: string;
  eventCreatedAt: string;
  now: number;
  /** Set for an operator's reprocess: a new key each time, so it is never mistaken for a duplicate. */
  reprocess?: boolean;
  /** The evidence the webhook carried (persona/webhook-evidence.ts): the job decides on it without calling Persona. */
  evidence?: Evidence;
}): JobSpec<typeof PROCESS_INQUIRY> {
  const key = input.reprocess ? `reprocess:${input.inquiryId}:${input.now}` : `process:${input.eventId}`;
  return {
    kind: PROCESS_INQUIRY,
    key,
    queue: `inquiry:${input.inquiryId}`,
    payload: {
      eventId: input.eventId,
      ...(input.eventName === null ? {} : { eventName: input.eventName }),
      inquiryId: input.inquiryId,
      eventCreatedAt: input.eventCreatedAt,
      receivedAtMs: input.now,
      polls: 0,
      personaCalls: 0,
      ...(input.evidence === undefined
        ? {}
        : // Persona's copy as of the event's creation: that is when it was gathered
          { evidence: input.evidence, evidenceSource: { from: 'webhook', at: input.eventCreatedAt } }),
    },
    runAt: input.now,
  };
}

/** One delivery's job: queued per inquiry (`deliver:<inquiryId>`), so an inquiry's deliveries go out in order. */
export function deliverDecisionJob(input: {
  deliveryId: string;
  inquiryId: string;
  now: number;
}): JobSpec<typeof DELIVER_DECISION> {
  return {
    kind: DELIVER_DECISION,
    key: deliverDecisionKey(input.deliveryId),
    queue: `deliver:${input.inquiryId}`,
    payload: { deliveryId: input.deliveryId },
    runAt: input.now,
  };
}

export function deliverDecisionKey(deliveryId: string): string {
  return `deliver:${deliveryId}`;
}

/**
 * A decision's write-back to Persona (`writeback:<decisionId>`): queued per inquiry on its own queue, so an
 * inquiry's write-backs go out in order without waiting on its deliveries.
 */
export function writeBackJob(input: {
  decisionId: string;
  inquiryId: string;
  action: WriteBackAction;
  now: number;
}): JobSpec<typeof WRITE_BACK> {
  return {
    kind: WRITE_BACK,
    key: `writeback:${input.decisionId}`,
    queue: `writeback:${input.inquiryId}`,
    payload: { decisionId: input.decisionId, inquiryId: input.inquiryId, action: input.action, decidedAtMs: input.now },
    runAt: input.now,
  };
}

/**
 * The reconciliation sweep: one keyed job (`reconcile`) for the whole deployment, so it runs on one replica at a time;
 * it reschedules itself (the next step of a run, or the next run) and is enqueued at startup when enabled (a no-op
 * when it exists).
 */
export function reconcileJob(now: number): JobSpec<typeof RECONCILE> {
  return {
    kind: RECONCILE,
    key: 'reconcile',
    queue: 'reconcile',
    payload: { pages: 0, found: 0, newEvents: 0 },
    runAt: now,
  };
}
