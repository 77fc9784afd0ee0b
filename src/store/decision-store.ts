import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import type { Database, Db } from './database.js';
import { type DecisionRecord, toDecisionRecord, toDecisionRow } from './decision-record.js';
import type { Job, JobClaim } from './job-queue.js';
import type { Outbox } from './outbox.js';
import { readWriteBack, type WriteBack, type WriteBackOutbox } from './write-back-store.js';
import { parseRow } from './parse-row.js';
import { isOperatorReview, operatorReviewReason, reviewStands, type ReviewOutcome } from '../decision/review.js';
import { outcomeSchema, reasonSchema, storedEvidenceSummarySchema } from '../decision/schemas.js';
import type { ShadowDecision } from '../decision/shadow.js';
import type { Evidence } from '../decision/evidence.js';
import { appendAudit } from './audit-store.js';
import { jsonText } from './parse-row.js';

/** `shadow`: the shadow policy's decision on the same evidence (the store stamps when it was taken); absent: none. */
export type NewDecision = Omit<DecisionRecord, 'decisionId' | 'sequence' | 'decidedAt' | 'shadow'> & {
  shadow?: ShadowDecision | null;
};

export interface InquiryView {
  inquiryId: string;
  status: 'processing' | 'decided' | 'failed';
  error: string | null;
  decision: DecisionRecord | null;
  /** Re-evaluations that kept the current decision's outcome, oldest first. */
  history: HistoryEntry[];
  /** PERSONA_WRITE_BACK: what was told to Persona about the current decision; null when nothing is to be. */
  writeBack: WriteBack | null;
}

/** A later event re-evaluated the inquiry and the outcome stayed the same: recorded, nothing delivered. */
export interface HistoryEntry {
  eventId: string;
  eventName: string | null;
  eventCreatedAt: string;
  personaStatus: string;
  policyVersion: string;
  recordedAt: string;
}

/**
 * What became of an evaluation: a new decision (next sequence, delivered); `unchanged`, the current decision has
 * this outcome already (added to its history, nothing delivered); `stale`, a decision from newer evidence exists.
 */
export type EvaluationResult =
  /** `delivery`: the delivery's job, claimed for the worker that asked (SaveOptions.claimDelivery). */
  | { status: 'decided'; decision: DecisionRecord; delivery?: Job }
  /** `reviewKept`: the outcome differs, but the current decision is an operator's review that still stands. */
  | { status: 'unchanged'; decision: DecisionRef; reviewKept?: boolean }
  | { status: 'stale' }
  | { status: 'superseded' };

export interface DecisionPage {
  items: DecisionRecord[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export type InquiryStatus = InquiryView['status'];

/** An operator's review (POST /decisions/:inquiryId/review). */
export interface ReviewInput {
  inquiryId: string;
  outcome: ReviewOutcome;
  note: string;
  /** The token's name (API_TOKENS). */
  actor: string;
  /** The sequence the reviewer looked at: the review is refused when the decision changed since. */
  sequence?: number | undefined;
  /** The live policy's version, recorded on the reviewed decision. */
  policyVersion: string;
}

export type ReviewResult =
  | { status: 'reviewed'; decision: DecisionRecord }
  | { status: 'not_found' }
  | { status: 'not_decided'; inquiryStatus: InquiryStatus }
  | { status: 'changed'; sequence: number };

export interface SaveOptions {
  /** Runs inside the decision's transaction (the worker ends the job there: see JobContext.finishWithin). */
  within?: (trx: Kysely<Database>) => Promise<void>;
  /** The worker that will deliver a new decision itself, right after the commit (JobContext.claim). */
  claimDelivery?: JobClaim;
}

export interface DecisionStore {
  getInquiryView(inquiryId: string): Promise<InquiryView | null>;
  latestDecision(inquiryId: string): Promise<DecisionRecord | null>;
  /**
   * The newest decision's ordering fields only (its JSON columns are not read): what the pipeline compares an event
   * against, so a decision row written by another version never stops the inquiry's later events.
   */
  latestDecisionRef(inquiryId: string): Promise<DecisionRef | null>;
  /**
   * Always a new decision (next sequence), unless one from newer evidence already exists: then null (the save is
   * dropped, not an error). With an outbox (decisions delivered downstream), the delivery and its job are written
   * in the same transaction.
   */
  save(input: NewDecision, options?: SaveOptions): Promise<DecisionRecord | null>;
  /**
   * The pipeline's save: like `save`, except that an outcome equal to the current decision's makes no new decision
   * or delivery and is added to that decision's history instead. One transaction, so two jobs cannot both decide.
   */
  saveEvaluation(input: NewDecision, options?: SaveOptions): Promise<EvaluationResult>;
  /** Every decision of the customer's `reference-id` (one user, across inquiries), newest first. */
  listByReferenceId(referenceId: string, page: { limit: number; cursor?: string | undefined }): Promise<DecisionPage>;
  markFailed(inquiryId: string, eventId: string, error: string): Promise<void>;
  /**
   * An operator's review: a new decision (next sequence) with the reviewer's outcome on the current decision's
   * evidence, its delivery, write-back and audit entry in one transaction.
   */
  review(input: ReviewInput): Promise<ReviewResult>;
  /** Whether an event of the inquiry newer than this `created-at` was accepted (its job is queued or ran). */
  newerEventAccepted(inquiryId: string, eventCreatedAt: string): Promise<boolean>;
  /**
   * The inquiry's newest event decided nothing (Persona still shows the inquiry in progress): the inquiry goes back
   * to `decided` if it has a decision, else stays `processing` until Persona's next event.
   */
  finishWithoutDecision(inquiryId: string, eventId: string): Promise<void>;
}

/** `eventCreatedAt`: the newest event the decision stands for, its own or a later one in its history. */
export type DecisionRef = Pick<DecisionRecord, 'decisionId' | 'sequence' | 'eventCreatedAt' | 'outcome'>;

const refRowSchema = z
  .object({
    decision_id: z.string(),
    sequence: z.number().int().positive(),
    event_created_at: z.string(),
    outcome: outcomeSchema,
  })
  .transform((row): DecisionRef => ({
    decisionId: row.decision_id,
    sequence: row.sequence,
    eventCreatedAt: row.event_created_at,
    outcome: row.outcome,
  }));

const historyRowSchema = z
  .object({
    event_id: z.string(),
    event_name: z.string().nullable(),
    event_created_at: z.string(),
    persona_status: z.string(),
    policy_version: z.string(),
    recorded_at: z.string(),
  })
  .transform((row): HistoryEntry => ({
    eventId: row.event_id,
    eventName: row.event_name,
    eventCreatedAt: row.event_created_at,
    personaStatus: row.persona_status,
    policyVersion: row.policy_version,
    recordedAt: row.recorded_at,
  }));

const storedReasons = jsonText(z.array(reasonSchema));
const storedEvidence = jsonText(storedEvidenceSummarySchema);

const inquiryRowSchema = z.object({
  status: z.enum(['processing', 'decided', 'failed']),
  error: z.string().nullable(),
});

export function createDecisionStore(options: {
  db: Db;
  clock: Clock;
  outbox?: Outbox | undefined;
  /** PERSONA_WRITE_BACK: a decision to tell Persona about gets its write-back (and job) in the same transaction. */
  writeBack?: WriteBackOutbox | undefined;
}): DecisionStore {
  const { db, clock, outbox, writeBack } = options;

  /** The inquiry's newest decision (by sequence), before choosing its columns. */
  const newest = (executor: Db, inquiryId: string) =>
    executor.selectFrom('decisions').where('inquiry_id', '=', inquiryId).orderBy('sequence', 'desc').limit(1);

  const latest = async (executor: Db, inquiryId: string) => {
    const row = await newest(executor, inquiryId).selectAll().executeTakeFirst();
    return row ? toDecisionRecord(row) : null;
  };

  const latestRef = async (executor: Db, inquiryId: string): Promise<DecisionRef | null> => {
    const row = await newest(executor, inquiryId)
      .select(['decision_id', 'sequence', 'event_created_at', 'outcome'])
      .executeTakeFirst();
    if (!row) return null;
    const ref = parseRow(refRowSchema, row, `decision row ${row.decision_id} (inquiry ${inquiryId})`);
    const confirmed = await executor
      .selectFrom('decision_history')
      .select('event_created_at')
      .where('decision_id', '=', ref.decisionId)
      .orderBy('event_created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const newer = confirmed && confirmed.event_created_at > ref.eventCreatedAt;
    return newer ? { ...ref, eventCreatedAt: confirmed.event_created_at } : ref;
  };

  const history = async (decisionId: string): Promise<HistoryEntry[]> => {
    const rows = await db
      .selectFrom('decision_history')
      .select(['event_id', 'event_name', 'event_created_at', 'persona_status', 'policy_version', 'recorded_at'])
      .where('decision_id', '=', decisionId)
      .orderBy('recorded_at')
      .orderBy('history_id')
      .execute();
    return rows.map((row) => parseRow(historyRowSchema, row, `decision history of ${decisionId}`));
  };

  const newerAccepted = async (executor: Db, inquiryId: string, eventCreatedAt: string): Promise<boolean> => {
    const row = await executor
      .selectFrom('inquiries')
      .select('last_event_created_at')
      .where('inquiry_id', '=', inquiryId)
      .executeTakeFirst();
    return row !== undefined && row.last_event_created_at > eventCreatedAt;
  };

  /** Only the job of the inquiry's newest event closes it; a newer event is otherwise still on its way. */
  const markDecided = (trx: Kysely<Database>, inquiryId: string, eventId: string, at: string) =>
    trx
      .updateTable('inquiries')
      .set({ status: 'decided', error: null, updated_at: at })
      .where('inquiry_id', '=', inquiryId)
      .where('last_event_id', '=', eventId)
      .execute();

  const insertDecision = async (
    trx: Kysely<Database>,
    input: NewDecision,
    previous: DecisionRef | null,
    claimDelivery?: JobClaim,
  ): Promise<{ record: DecisionRecord; delivery: Job | null }> => {
    const now = clock.now();
    const decidedAt = new Date(now).toISOString();
    const record: DecisionRecord = {
      ...input,
      decisionId: `dec_${randomUUID().replaceAll('-', '')}`,
      sequence: (previous?.sequence ?? 0) + 1,
      decidedAt,
      shadow: input.shadow ? { ...input.shadow, evaluatedAt: decidedAt } : null,
    };
    await trx.insertInto('decisions').values(toDecisionRow(record)).execute();
    await markDecided(trx, record.inquiryId, record.eventId, record.decidedAt);
    const entry = await outbox?.add(trx, record, now, claimDelivery);
    await writeBack?.add(trx, record, now);
    return { record, delivery: entry?.claimed ?? null };
  };

  /** An operator's review in one transaction (DecisionStore.review). */
  const reviewOnce = (input: ReviewInput): Promise<ReviewResult> =>
    db.transaction().execute(async (trx): Promise<ReviewResult> => {
      const inquiry = await trx
        .selectFrom('inquiries')
        .select(['status', 'error'])
        .where('inquiry_id', '=', input.inquiryId)
        .executeTakeFirst();
      if (!inquiry) return { status: 'not_found' };
      const { status } = parseRow(inquiryRowSchema, inquiry, `inquiry row ${input.inquiryId}`);
      // processing (a job is deciding, the first decision or the next) or failed: nothing settled to review
      if (status !== 'decided') return { status: 'not_decided', inquiryStatus: status };
      const current = await latest(trx, input.inquiryId);
      const ref = current ? await latestRef(trx, input.inquiryId) : null;
      if (!current || !ref) return { status: 'not_found' };
      // On PostgreSQL (READ COMMITTED) each statement sees the latest commits: a decision committed between the two
      // reads (another review, a job's decision) makes them disagree, and this review would follow a decision its
      // reviewer never saw, under the next sequence but one. Told as a change, like any decision that moved on.
      if (ref.sequence !== current.sequence) return { status: 'changed', sequence: ref.sequence };
      if (input.sequence !== undefined && input.sequence !== current.sequence) {
        return { status: 'changed', sequence: current.sequence };
      }
      const { record: decision } = await insertDecision(
        trx,
        {
          inquiryId: input.inquiryId,
          // the evidence reviewed is the current decision's; no Persona event made this one (eventName null)
          eventId: current.eventId,
          eventName: null,
          // the newest event the current decision stands for: an older event still cannot replace the review
          eventCreatedAt: ref.eventCreatedAt,
          outcome: input.outcome,
          reasons: [operatorReviewReason(input.outcome, input.actor, input.note)],
          policyVersion: input.policyVersion,
          evidence: current.evidence,
          personaCalls: 0,
        },
        ref,
      );
      const { decisionId, sequence } = decision;
      const audit = {
        actor: input.actor,
        action: 'review',
        target: input.inquiryId,
        inquiryId: input.inquiryId,
        note: input.note,
        detail: { decisionId, sequence, outcome: input.outcome, previousSequence: current.sequence },
      } as const;
      await appendAudit(trx, audit, clock.now());
      return { status: 'reviewed', decision };
    });

  /** Whether the decision is an operator's review that `latest` evidence does not overturn (decision/review.ts). */
  const reviewStandsAgainst = async (trx: Db, decisionId: string, latest: Evidence): Promise<boolean> => {
    const row = await trx
      .selectFrom('decisions')
      .select(['reasons', 'evidence'])
      .where('decision_id', '=', decisionId)
      .executeTakeFirst();
    const reasons = row ? storedReasons.safeParse(row.reasons) : undefined;
    if (!row || !reasons?.success || !isOperatorReview(reasons.data)) return false;
    const reviewed = storedEvidence.safeParse(row.evidence);
    // evidence this version cannot read is not the same evidence: the engine decides as usual
    return reviewed.success && reviewStands(reviewed.data, latest);
  };

  return {
    async getInquiryView(inquiryId) {
      const row = await db
        .selectFrom('inquiries')
        .select(['status', 'error'])
        .where('inquiry_id', '=', inquiryId)
        .executeTakeFirst();
      if (!row) return null;
      const inquiry = parseRow(inquiryRowSchema, row, `inquiry row ${inquiryId}`);
      const decision = await latest(db, inquiryId);
      const entries = decision ? await history(decision.decisionId) : [];
      const writeBack = decision ? await readWriteBack(db, decision.decisionId) : null;
      return { inquiryId, status: inquiry.status, error: inquiry.error, decision, history: entries, writeBack };
    },

    latestDecision: (inquiryId) => latest(db, inquiryId),

    latestDecisionRef: (inquiryId) => latestRef(db, inquiryId),

    save: (input, { within } = {}) =>
      db.transaction().execute(async (trx) => {
        await within?.(trx);
        const previous = await latestRef(trx, input.inquiryId);
        if (previous && previous.eventCreatedAt > input.eventCreatedAt) return null;
        return (await insertDecision(trx, input, previous)).record;
      }),

    saveEvaluation: (input, { within, claimDelivery } = {}) =>
      db.transaction().execute(async (trx): Promise<EvaluationResult> => {
        await within?.(trx);
        const previous = await latestRef(trx, input.inquiryId);
        if (previous && previous.eventCreatedAt > input.eventCreatedAt) return { status: 'stale' };
        if (await newerAccepted(trx, input.inquiryId, input.eventCreatedAt)) return { status: 'superseded' };
        const reviewKept =
          previous !== null &&
          previous.outcome !== input.outcome &&
          (await reviewStandsAgainst(trx, previous.decisionId, input.evidence));
        if (previous?.outcome !== input.outcome && !reviewKept) {
          const { record, delivery } = await insertDecision(trx, input, previous, claimDelivery);
          return { status: 'decided', decision: record, ...(delivery ? { delivery } : {}) };
        }
        if (!previous) throw new Error('unreachable: an evaluation without a decision is always decided');
        const recordedAt = new Date(clock.now()).toISOString();
        await trx
          .insertInto('decision_history')
          .values({
            history_id: `dh_${randomUUID().replaceAll('-', '')}`,
            decision_id: previous.decisionId,
            inquiry_id: input.inquiryId,
            event_id: input.eventId,
            event_name: input.eventName,
            event_created_at: input.eventCreatedAt,
            persona_status: input.evidence.inquiryStatus,
            policy_version: input.policyVersion,
            recorded_at: recordedAt,
          })
          .execute();
        // the shadow follows the latest evidence even when the live outcome stays (docs/decision-policy.md#shadow-policy);
        // an evaluation without a shadow policy leaves the last one as it was
        if (input.shadow) {
          await trx
            .updateTable('decisions')
            .set({ shadow: JSON.stringify({ ...input.shadow, evaluatedAt: recordedAt }) })
            .where('decision_id', '=', previous.decisionId)
            .execute();
        }
        await markDecided(trx, input.inquiryId, input.eventId, recordedAt);
        return { status: 'unchanged', decision: previous, ...(reviewKept ? { reviewKept } : {}) };
      }),

    review: (input) =>
      reviewOnce(input).catch(async (error: unknown) => {
        // two reviews (or a review and a job's decision) took the same next sequence at once on PostgreSQL: the
        // unique (inquiry_id, sequence) refused the later one, which then reviewed a decision that has changed
        if (!isUniqueViolation(error)) throw error;
        const now = await latestRef(db, input.inquiryId);
        return { status: 'changed', sequence: now?.sequence ?? 0 };
      }),

    async listByReferenceId(referenceId, { limit, cursor }) {
      let query = db
        .selectFrom('decisions')
        .selectAll()
        .where('reference_id', '=', referenceId)
        .orderBy('decided_at', 'desc')
        .orderBy('decision_id', 'desc')
        .limit(limit + 1);
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (after) {
        query = query.where((eb) =>
          eb.or([
            eb('decided_at', '<', after.decidedAt),
            eb.and([eb('decided_at', '=', after.decidedAt), eb('decision_id', '<', after.decisionId)]),
          ]),
        );
      }
      const rows = (await query.execute()).map(toDecisionRecord);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },

    newerEventAccepted: (inquiryId, eventCreatedAt) => newerAccepted(db, inquiryId, eventCreatedAt),

    async finishWithoutDecision(inquiryId, eventId) {
      await db
        .updateTable('inquiries')
        .set({ status: 'decided', error: null, updated_at: new Date(clock.now()).toISOString() })
        .where('inquiry_id', '=', inquiryId)
        .where('last_event_id', '=', eventId)
        .where(({ exists, selectFrom }) =>
          exists(selectFrom('decisions').select('decision_id').where('decisions.inquiry_id', '=', inquiryId)),
        )
        .execute();
    },

    async markFailed(inquiryId, eventId, error) {
      await db
        .updateTable('inquiries')
        .set({ status: 'failed', error, updated_at: new Date(clock.now()).toISOString() })
        .where('inquiry_id', '=', inquiryId)
        .where('last_event_id', '=', eventId)
        .execute();
    },
  };
}

// A page cursor is the last row's sort key, opaque to clients.
function encodeCursor(d: DecisionRecord): string {
  return Buffer.from(`${d.decidedAt}|${d.decisionId}`).toString('base64url');
}

function decodeCursor(cursor: string): { decidedAt: string; decisionId: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(dec_[A-Za-z0-9]{1,64})$/.exec(text);
  return match?.[1] && match[2] ? { decidedAt: match[1], decisionId: match[2] } : null;
}

export function isValidDecisionCursor(cursor: string): boolean {
  return decodeCursor(cursor) !== null;
}

/** PostgreSQL's unique_violation (SQLite has one writer: two transactions never race for a sequence there). */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
