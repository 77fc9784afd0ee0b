import { CompiledQuery, type Insertable } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { JobTable } from '../../src/store/database.js';
import {
  dueJobsByKind,
  failedInquiryCount,
  failedJobCount,
  openDeliveryCounts,
  readRateBudget,
  reviewQueueCount,
  reviewQueueCountQuery,
  runningJobsByKind,
} from '../../src/store/gauge-queries.js';
import { cleanEvidence, engineDecision, report, WATCHLIST } from '../helpers/decision-fixtures.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { T0, useStoreHarness } from './store-harness.js';

describe.each(storeDialects)('gauge queries', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const store = useStoreHarness(d);
    let seq = 0;
    const job = (kind: string, runAt: number, lockedUntil: number | null = null): Insertable<JobTable> => ({
      kind,
      key: `k${++seq}`,
      queue: null,
      payload: '{}',
      attempts: 0,
      run_at: runAt,
      locked_by: lockedUntil === null ? null : 'w1',
      locked_until: lockedUntil,
      last_error: null,
      created_at: runAt,
    });
    const insertJobs = (rows: Insertable<JobTable>[]) => store().database.db.insertInto('jobs').values(rows).execute();

    it('counts due jobs by kind with the oldest run time: not future ones, not held ones; expired leases are due', async () => {
      const { db } = store().database;
      await insertJobs([
        job('process_inquiry', T0 - 60_000),
        job('process_inquiry', T0 - 5_000),
        job('process_inquiry', T0 + 60_000), // not yet
        job('process_inquiry', T0 - 90_000, T0 + 30_000), // held by a live worker
        job('deliver_decision', T0 - 120_000, T0 - 1), // a dead worker's lease ran out
      ]);
      const due = await dueJobsByKind(db, T0);
      expect(due.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
        { kind: 'deliver_decision', due: 1, oldestRunAt: T0 - 120_000 },
        { kind: 'process_inquiry', due: 2, oldestRunAt: T0 - 60_000 },
      ]);
      expect(await runningJobsByKind(db, T0)).toEqual([{ kind: 'process_inquiry', running: 1 }]);
      expect(await dueJobsByKind(db, T0 - 200_000)).toEqual([]);
    });

    it('counts pending and dead-lettered deliveries, failed inquiries and failed jobs', async () => {
      const { db } = store().database;
      expect(await openDeliveryCounts(db)).toEqual({ pending: 0, failed: 0 });
      const delivery = (id: string, status: 'pending' | 'delivered' | 'failed') => ({
        delivery_id: id,
        decision_id: `dec_${id}`,
        inquiry_id: 'inq_1',
        sequence: 1,
        status,
        body: '{}',
        attempts: 1,
        last_status: null,
        last_error: null,
        next_attempt_at: null,
        created_at: T0,
        schedule_started_at: T0,
        delivered_at: null,
      });
      await db
        .insertInto('deliveries')
        .values([
          delivery('d1', 'pending'),
          delivery('d2', 'failed'),
          delivery('d3', 'failed'),
          delivery('d4', 'delivered'),
        ])
        .execute();
      expect(await openDeliveryCounts(db)).toEqual({ pending: 1, failed: 2 });

      const inquiry = (id: string, status: 'processing' | 'decided' | 'failed') => ({
        inquiry_id: id,
        status,
        last_event_id: `evt_${id}`,
        last_event_created_at: '2026-11-29T09:00:00.000Z',
        first_seen_at: '2026-11-29T09:00:00.000Z',
        error: status === 'failed' ? 'PERSONA_NOT_FOUND' : null,
        updated_at: '2026-11-29T09:00:00.000Z',
      });
      await db
        .insertInto('inquiries')
        .values([inquiry('inq_a', 'failed'), inquiry('inq_b', 'decided'), inquiry('inq_c', 'processing')])
        .execute();
      expect(await failedInquiryCount(db)).toBe(1);

      expect(await failedJobCount(db)).toBe(0);
      await db
        .insertInto('failed_jobs')
        .values({
          id: 7,
          kind: 'process_inquiry',
          key: 'process:evt_x',
          queue: null,
          payload: '{}',
          attempts: 1,
          last_error: 'invalid process_inquiry payload',
          created_at: T0,
          failed_at: T0,
        })
        .execute();
      expect(await failedJobCount(db)).toBe(1);
    });

    it('counts the review queue: current decided manual_review decisions that are not an operator review', async () => {
      const { db } = store().database;
      const h = store();
      const matched = { ...cleanEvidence(), reports: [report(WATCHLIST, 'ready', true)] };
      let minute = 0;
      const evaluate = async (inquiryId: string, evidence = matched) => {
        const eventId = `evt_${inquiryId}_${++minute}`;
        const eventCreatedAt = `2026-11-29T09:${String(minute).padStart(2, '0')}:00.000Z`;
        const event = { eventId, name: 'inquiry.completed', createdAt: eventCreatedAt, objectType: 'inquiry' };
        await h.events.record({
          event: { ...event, objectId: inquiryId, inquiryId },
          disposition: 'accepted',
          attempts: { attemptsMade: 1, attemptsLeft: 7, firstAttemptedAt: null },
        });
        h.clock.advance(1000);
        await h.decisions.saveEvaluation(engineDecision({ inquiryId, eventId, eventCreatedAt, evidence }));
      };
      expect(await reviewQueueCount(db)).toBe(0);
      await evaluate('inq_q1');
      await evaluate('inq_q2');
      await evaluate('inq_ok', cleanEvidence());
      expect(await reviewQueueCount(db)).toBe(2);
      // reviewed: out of the queue; a later clean evaluation of another: its current decision is approved
      await h.decisions.review({ inquiryId: 'inq_q1', outcome: 'approved', note: 'n', actor: 'a', policyVersion: 'p' });
      await evaluate('inq_q2', cleanEvidence());
      expect(await reviewQueueCount(db)).toBe(0);
      // a manual_review whose inquiry is processing a newer event waits until it is decided again
      await evaluate('inq_q3');
      expect(await reviewQueueCount(db)).toBe(1);
      await h.events.reprocess('inq_q3');
      expect(await reviewQueueCount(db)).toBe(0);
    });

    it.runIf(d.dialect === 'sqlite')('answers the review queue count from its partial index', async () => {
      const { db } = store().database;
      const { sql, parameters } = reviewQueueCountQuery(db).compile();
      const plan = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
      );
      expect(plan.rows.map((row) => row.detail)).toContain('SCAN decisions USING INDEX decisions_review_queue');
    });

    it('reads the shared rate budget row; null before any replica wrote it', async () => {
      const { db } = store().database;
      expect(await readRateBudget(db, 'persona')).toBeNull();
      await db
        .insertInto('rate_budget')
        .values({
          name: 'persona',
          limit_per_window: 300,
          remaining: 12,
          reset_at: T0 + 40_000,
          next_grant_at: 0,
          updated_at: T0,
        })
        .execute();
      expect(await readRateBudget(db, 'persona')).toEqual({ limit: 300, remaining: 12, resetAt: T0 + 40_000 });
    });
  });
});
