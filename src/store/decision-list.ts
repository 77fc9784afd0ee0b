import type { Outcome } from '../decision/outcome.js';
import type { ExpressionBuilder } from 'kysely';
import type { Database, Db } from './database.js';
import { type DecisionRecord, toDecisionRecord } from './decision-record.js';

export type InquiryStatus = 'processing' | 'decided' | 'failed';
export type ListOrder = 'newest' | 'oldest';

/** A decision in a list, with its inquiry's status now. */
export interface DecisionListItem extends DecisionRecord {
  status: InquiryStatus;
}

/**
 * GET /decisions. With `referenceId`: every decision (each sequence) of that user; without: each inquiry's current
 * decision (its latest sequence). The other filters narrow either: `status` is the inquiry's, `outcome` and
 * `reviewed` (an operator's review or not) the item's, `since`/`until` bound `decidedAt` (ISO, since ≤ t < until).
 */
export interface DecisionQuery {
  referenceId?: string | undefined;
  status?: InquiryStatus | undefined;
  outcome?: Outcome | undefined;
  reviewed?: boolean | undefined;
  since?: string | undefined;
  until?: string | undefined;
  order: ListOrder;
  limit: number;
  cursor?: string | undefined;
}

export interface DecisionListPage {
  items: DecisionListItem[];
  nextCursor: string | null;
}

export function createDecisionList(options: { db: Db }) {
  const { db } = options;
  const withStatus = () =>
    db
      .selectFrom('decisions')
      .innerJoin('inquiries', 'inquiries.inquiry_id', 'decisions.inquiry_id')
      .selectAll('decisions')
      .select('inquiries.status as inquiry_status');
  const toItem = (row: Parameters<typeof toDecisionRecord>[0] & { inquiry_status: InquiryStatus }) => ({
    ...toDecisionRecord(row),
    status: row.inquiry_status,
  });

  return {
    async list(q: DecisionQuery): Promise<DecisionListPage> {
      const dir = q.order === 'oldest' ? 'asc' : 'desc';
      let query = withStatus()
        .orderBy('decisions.decided_at', dir)
        .orderBy('decisions.decision_id', dir)
        .limit(q.limit + 1);
      if (q.referenceId !== undefined) query = query.where('decisions.reference_id', '=', q.referenceId);
      else {
        query = query.where(isCurrentDecision);
      }
      if (q.status !== undefined) query = query.where('inquiries.status', '=', q.status);
      if (q.outcome !== undefined) query = query.where('decisions.outcome', '=', q.outcome);
      if (q.reviewed !== undefined) {
        query = query.where('decisions.reviewed_by', q.reviewed ? 'is not' : 'is', null);
      }
      if (q.since !== undefined) query = query.where('decisions.decided_at', '>=', q.since);
      if (q.until !== undefined) query = query.where('decisions.decided_at', '<', q.until);
      const after = q.cursor === undefined ? null : decodeDecisionCursor(q.cursor);
      if (after) {
        const cmp = q.order === 'oldest' ? '>' : '<';
        query = query.where((eb) =>
          eb.or([
            eb('decisions.decided_at', cmp, after.decidedAt),
            eb.and([
              eb('decisions.decided_at', '=', after.decidedAt),
              eb('decisions.decision_id', cmp, after.decisionId),
            ]),
          ]),
        );
      }
      const rows = (await query.execute()).map(toItem);
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > q.limit && last ? encodeDecisionCursor(last, q.order) : null };
    },

    /** Every decision of the inquiry, sequence ascending; null when the inquiry was never received. */
    async sequences(inquiryId: string): Promise<DecisionListItem[] | null> {
      const inquiry = await db
        .selectFrom('inquiries')
        .select('inquiry_id')
        .where('inquiry_id', '=', inquiryId)
        .executeTakeFirst();
      if (!inquiry) return null;
      const rows = await withStatus()
        .where('decisions.inquiry_id', '=', inquiryId)
        .orderBy('decisions.sequence', 'asc')
        .execute();
      return rows.map(toItem);
    },
  };
}

export type DecisionList = ReturnType<typeof createDecisionList>;

// A page cursor is the order and the last row's sort key, opaque to clients. Cursors of the pages before `order`
// existed (`<decidedAt>|<decisionId>`) read as `newest`.
export function encodeDecisionCursor(d: Pick<DecisionRecord, 'decidedAt' | 'decisionId'>, order: ListOrder): string {
  return Buffer.from(`${order}|${d.decidedAt}|${d.decisionId}`).toString('base64url');
}

export function decodeDecisionCursor(
  cursor: string,
): { order: ListOrder; decidedAt: string; decisionId: string } | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(?:(newest|oldest)\|)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(dec_[A-Za-z0-9]{1,64})$/.exec(
    text,
  );
  if (!match?.[2] || !match[3]) return null;
  return { order: match[1] === 'oldest' ? 'oldest' : 'newest', decidedAt: match[2], decisionId: match[3] };
}

/** The row is its inquiry's current decision: no decision of the same inquiry has a later sequence. */
export function isCurrentDecision(eb: ExpressionBuilder<Database, 'decisions'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('decisions as newer')
        .select('newer.decision_id')
        .whereRef('newer.inquiry_id', '=', 'decisions.inquiry_id')
        .whereRef('newer.sequence', '>', 'decisions.sequence'),
    ),
  );
}
