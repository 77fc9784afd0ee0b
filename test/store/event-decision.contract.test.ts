import { describe, expect, it } from 'vitest';
import { createDecisionStore, type NewDecision } from '../../src/store/decision-store.js';
import type { IncomingEvent } from '../../src/store/event-store.js';
import { createOutbox } from '../../src/store/outbox.js';
import { parseJobPayload } from '../../src/job-kinds.js';
import { engineDecision, evidence, GOV_ID, verification } from '../helpers/decision-fixtures.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { reportIncomingEvent, useStoreHarness } from './store-harness.js';

const incoming = (
  eventId: string,
  inquiryId: string,
  createdAt: string,
  name = 'inquiry.completed',
): IncomingEvent => ({
  event: { eventId, name, createdAt, objectType: 'inquiry', objectId: inquiryId, inquiryId },
  disposition: name === 'inquiry.completed' ? 'accepted' : 'ignored',
  attempts: { attemptsMade: 1, attemptsLeft: 7, firstAttemptedAt: null },
});

const decision = (inquiryId: string, eventId: string, eventCreatedAt: string): NewDecision =>
  engineDecision({ inquiryId, eventId, eventCreatedAt });

describe.each(storeDialects)('event and decision store contract', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const h = useStoreHarness(d);
    const count = async (table: 'persona_events' | 'jobs' | 'decisions' | 'deliveries') =>
      (await h().database.db.selectFrom(table).selectAll().execute()).length;

    it('stores an event with its job once; a repeat is a duplicate', async () => {
      const e = incoming('evt_1', 'inq_1', '2026-11-29T09:00:00.000Z');
      expect(await h().events.record(e)).toBe('stored');
      expect(await h().events.record(e)).toBe('duplicate');
      expect(await count('persona_events')).toBe(1);
      expect(await count('jobs')).toBe(1);
    });

    it('stores one event and one job when 20 copies arrive at once', async () => {
      const e = incoming('evt_race', 'inq_race', '2026-11-29T09:00:00.000Z');
      const results = await Promise.all(Array.from({ length: 20 }, () => h().events.record(e)));
      expect(results.filter((r) => r === 'stored')).toHaveLength(1);
      expect(results.filter((r) => r === 'duplicate')).toHaveLength(19);
      expect(await count('persona_events')).toBe(1);
      expect(await count('jobs')).toBe(1);
    });

    it('records an event older than one already seen for the inquiry as superseded, without a job', async () => {
      expect(await h().events.record(incoming('evt_new', 'inq_1', '2026-11-29T09:05:00.000Z'))).toBe('stored');
      expect(await h().events.record(incoming('evt_old', 'inq_1', '2026-11-29T09:00:00.000Z'))).toBe('superseded');
      expect(await count('persona_events')).toBe(2);
      expect(await count('jobs')).toBe(1);
      const inquiry = await h().database.db.selectFrom('inquiries').selectAll().executeTakeFirstOrThrow();
      expect(inquiry.last_event_id).toBe('evt_new');
    });

    it('keeps the newest event of an inquiry whatever the order of concurrent writes', async () => {
      const times = Array.from({ length: 10 }, (_, i) => `2026-11-29T09:00:${String(i).padStart(2, '0')}.000Z`);
      await Promise.all(times.map((t, i) => h().events.record(incoming(`evt_${i}`, 'inq_1', t))));
      const inquiry = await h().database.db.selectFrom('inquiries').selectAll().executeTakeFirstOrThrow();
      expect(inquiry.last_event_id).toBe('evt_9');
    });

    it('records an event the service does not act on as ignored, without a job', async () => {
      expect(await h().events.record(incoming('evt_x', 'inq_1', '2026-11-29T09:00:00.000Z', 'inquiry.created'))).toBe(
        'ignored',
      );
      expect(await count('jobs')).toBe(0);
    });

    it('acts on a report event only for an inquiry it has seen; otherwise records it as ignored', async () => {
      const report = (eventId: string, inquiryId: string, createdAt: string): IncomingEvent =>
        reportIncomingEvent(eventId, inquiryId, createdAt);
      expect(await h().events.record(report('evt_r0', 'inq_unseen', '2026-11-29T09:00:00.000Z'))).toBe('ignored');
      expect(await count('jobs')).toBe(0);
      const unseen = await h()
        .database.db.selectFrom('persona_events')
        .select('disposition')
        .where('event_id', '=', 'evt_r0')
        .executeTakeFirstOrThrow();
      expect(unseen.disposition).toBe('ignored');

      expect(await h().events.record(incoming('evt_c', 'inq_seen', '2026-11-29T09:00:00.000Z'))).toBe('stored');
      expect(await h().events.record(report('evt_r1', 'inq_seen', '2026-11-29T10:00:00.000Z'))).toBe('stored');
      const jobs = await h().database.db.selectFrom('jobs').select(['key', 'payload']).orderBy('key').execute();
      expect(jobs.map((j) => j.key)).toEqual(['process:evt_c', 'process:evt_r1']);
      expect(JSON.parse(jobs[1]?.payload ?? '{}')).toMatchObject({ eventName: 'report/watchlist.matched' });
      // an older report event than the inquiry's latest adds nothing: processing reads Persona's current state
      expect(await h().events.record(report('evt_r2', 'inq_seen', '2026-11-29T08:00:00.000Z'))).toBe('superseded');
    });

    it('numbers the decisions of an inquiry and drops one made from older evidence', async () => {
      await h().events.record(incoming('evt_1', 'inq_1', '2026-11-29T09:00:00.000Z'));
      const first = await h().decisions.save(decision('inq_1', 'evt_1', '2026-11-29T09:00:00.000Z'));
      const second = await h().decisions.save(decision('inq_1', 'evt_2', '2026-11-29T09:01:00.000Z'));
      expect([first?.sequence, second?.sequence]).toEqual([1, 2]);
      expect(await h().decisions.save(decision('inq_1', 'evt_0', '2026-11-29T08:59:00.000Z'))).toBeNull();
      expect((await h().decisions.latestDecision('inq_1'))?.decisionId).toBe(second?.decisionId);
      const view = await h().decisions.getInquiryView('inq_1');
      expect(view).toMatchObject({
        inquiryId: 'inq_1',
        status: 'decided',
        error: null,
        decision: { sequence: 2, outcome: 'approved' },
      });
      expect(view?.decision?.reasons[0]?.code).toBe('all_evidence_passed');
    });

    it('reads back exactly what the engine decided: outcome, reasons and evidence summary', async () => {
      const failed = verification(GOV_ID, 'failed', {
        checks: [{ name: 'id_expired_detection', status: 'failed', requirement: 'required', reasons: ['expired'] }],
      });
      const input = engineDecision({
        inquiryId: 'inq_1',
        eventId: 'evt_1',
        eventCreatedAt: '2026-11-29T09:00:00.000Z',
        evidence: { ...evidence([failed]), inquiryId: 'inq_1' },
        polls: 2,
      });
      expect(input.outcome).toBe('declined');
      const saved = await h().decisions.save(input);
      const read = await h().decisions.latestDecision('inq_1');
      expect(read).toEqual(saved);
      expect(read).toMatchObject({
        outcome: input.outcome,
        reasons: input.reasons,
        evidence: input.evidence,
        policyVersion: 'default-2',
      });
    });

    it('refuses a stored decision that does not parse, naming the row and the field', async () => {
      await h().events.record(incoming('evt_1', 'inq_1', '2026-11-29T09:00:00.000Z'));
      const saved = await h().decisions.save(decision('inq_1', 'evt_1', '2026-11-29T09:00:00.000Z'));
      if (!saved) throw new Error('not saved');
      const reasons = JSON.stringify([{ code: 'renamed_code', outcome: 'approved', message: 'from another version' }]);
      await h()
        .database.db.updateTable('decisions')
        .set({ reasons })
        .where('decision_id', '=', saved.decisionId)
        .execute();
      await expect(h().decisions.latestDecision('inq_1')).rejects.toThrow(
        new RegExp(
          `decision row ${saved.decisionId} \\(inquiry inq_1\\) does not parse: reasons\\.0\\.code: is not a known reason code`,
        ),
      );
      await h()
        .database.db.updateTable('decisions')
        .set({ evidence: '{not json' })
        .where('decision_id', '=', saved.decisionId)
        .execute();
      await expect(h().decisions.getInquiryView('inq_1')).rejects.toMatchObject({ code: 'STORED_ROW_INVALID' });
    });

    it('orders new decisions after one it cannot read (written by another version), by its ordering fields alone', async () => {
      const first = await h().decisions.save(decision('inq_1', 'evt_1', '2026-11-29T09:00:00.000Z'));
      if (!first) throw new Error('not saved');
      const reasons = JSON.stringify([{ code: 'code_of_a_newer_version', outcome: 'approved', message: 'newer' }]);
      await h()
        .database.db.updateTable('decisions')
        .set({ reasons })
        .where('decision_id', '=', first.decisionId)
        .execute();
      expect(await h().decisions.latestDecisionRef('inq_1')).toEqual({
        decisionId: first.decisionId,
        sequence: 1,
        eventCreatedAt: '2026-11-29T09:00:00.000Z',
        outcome: 'approved',
      });
      const second = await h().decisions.save(decision('inq_1', 'evt_2', '2026-11-29T09:01:00.000Z'));
      expect(second?.sequence).toBe(2);
      expect(await h().decisions.save(decision('inq_1', 'evt_0', '2026-11-29T08:59:00.000Z'))).toBeNull();
    });

    it('reads a decision and a job stored before the lifecycle migration (no event name or identifiers)', async () => {
      await h().events.record(incoming('evt_1', 'inq_old', '2026-11-29T09:00:00.000Z'));
      const current = engineDecision({
        inquiryId: 'inq_old',
        eventId: 'evt_1',
        eventCreatedAt: '2026-11-29T09:00:00.000Z',
      });
      const { referenceId, accountId, templateId, ...oldEvidence } = current.evidence;
      expect([referenceId, accountId, templateId].every((v) => v !== null)).toBe(true);
      await h()
        .database.db.insertInto('decisions')
        .values({
          decision_id: 'dec_old',
          inquiry_id: 'inq_old',
          sequence: 1,
          event_id: 'evt_1',
          event_created_at: '2026-11-29T09:00:00.000Z',
          outcome: current.outcome,
          reasons: JSON.stringify(current.reasons),
          policy_version: 'default-1',
          evidence: JSON.stringify(oldEvidence),
          persona_calls: 1,
          decided_at: '2026-11-29T09:00:01.000Z',
          event_name: null,
          reference_id: null,
        })
        .execute();
      const view = await h().decisions.getInquiryView('inq_old');
      expect(view?.decision).toMatchObject({
        decisionId: 'dec_old',
        eventName: null,
        evidence: { referenceId: null, accountId: null, templateId: null },
      });
      expect(view?.history).toEqual([]);
      // a job payload of the older version: no eventName, evidence without identifiers
      const parsed = parseJobPayload('process_inquiry', {
        eventId: 'evt_1',
        inquiryId: 'inq_old',
        eventCreatedAt: '2026-11-29T09:00:00.000Z',
        receivedAtMs: 0,
        polls: 1,
        personaCalls: 1,
        evidence: { inquiryId: 'inq_old', inquiryStatus: 'completed', verifications: [], reports: [] },
      });
      expect(parsed).toMatchObject({ ok: true, payload: { evidence: { referenceId: null } } });
      const next = engineDecision({
        inquiryId: 'inq_old',
        eventId: 'evt_1',
        eventCreatedAt: '2026-11-29T09:00:00.000Z',
      });
      expect(await h().decisions.saveEvaluation(next)).toMatchObject({ status: 'unchanged' });
    });

    it('keeps a same-outcome re-evaluation in the decision history: no new decision, no delivery', async () => {
      await h().events.record(incoming('evt_1', 'inq_1', '2026-11-29T09:00:00.000Z'));
      const first = await h().decisions.saveEvaluation(decision('inq_1', 'evt_1', '2026-11-29T09:00:00.000Z'));
      expect(first.status).toBe('decided');
      const again = engineDecision({
        inquiryId: 'inq_1',
        eventId: 'evt_2',
        eventCreatedAt: '2026-11-29T09:05:00.000Z',
        eventName: 'report/watchlist.ready',
      });
      const result = await h().decisions.saveEvaluation(again);
      expect(result).toMatchObject({ status: 'unchanged', decision: { sequence: 1, outcome: again.outcome } });
      expect(await count('decisions')).toBe(1);
      expect(await count('deliveries')).toBe(1);
      const view = await h().decisions.getInquiryView('inq_1');
      expect(view?.decision?.eventName).toBe('inquiry.completed');
      expect(view?.history).toEqual([
        {
          eventId: 'evt_2',
          eventName: 'report/watchlist.ready',
          eventCreatedAt: '2026-11-29T09:05:00.000Z',
          personaStatus: 'completed',
          policyVersion: again.policyVersion,
          recordedAt: expect.any(String) as string,
        },
      ]);
      // the history's newest event now orders the inquiry: an evaluation from between the two is stale
      expect((await h().decisions.latestDecisionRef('inq_1'))?.eventCreatedAt).toBe('2026-11-29T09:05:00.000Z');
      const between = decision('inq_1', 'evt_mid', '2026-11-29T09:02:00.000Z');
      expect(await h().decisions.saveEvaluation(between)).toEqual({ status: 'stale' });
    });

    it('makes the next sequence when a re-evaluation changes the outcome', async () => {
      await h().decisions.saveEvaluation(decision('inq_1', 'evt_1', '2026-11-29T09:00:00.000Z'));
      const declined = engineDecision({
        inquiryId: 'inq_1',
        eventId: 'evt_2',
        eventCreatedAt: '2026-11-29T09:05:00.000Z',
        eventName: 'inquiry.declined',
        evidence: evidence([], [], 'declined'),
      });
      expect(declined.outcome).toBe('declined');
      const result = await h().decisions.saveEvaluation(declined);
      expect(result).toMatchObject({ status: 'decided', decision: { sequence: 2, outcome: 'declined' } });
      expect(await count('deliveries')).toBe(2);
    });

    it("lists a reference id's decisions newest first, across inquiries, a page at a time", async () => {
      const forUser = (inquiryId: string, referenceId: string) =>
        engineDecision({
          inquiryId,
          eventId: `evt_${inquiryId}`,
          eventCreatedAt: '2026-11-29T09:00:00.000Z',
          evidence: { ...evidence([]), referenceId },
        });
      const saved: string[] = [];
      for (const inquiryId of ['inq_a', 'inq_b', 'inq_c']) {
        h().clock.advance(1000);
        saved.push((await h().decisions.save(forUser(inquiryId, 'user-1')))?.decisionId ?? '');
      }
      // two more in the same millisecond as inq_c: ties are broken by decision id, so paging skips none
      for (const inquiryId of ['inq_d', 'inq_e']) {
        saved.push((await h().decisions.save(forUser(inquiryId, 'user-1')))?.decisionId ?? '');
      }
      await h().decisions.save(forUser('inq_other', 'user-2'));
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await h().decisions.listByReferenceId('user-1', { limit: 2, cursor });
        pages.push(page.items.map((d) => d.decisionId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      const newestFirst = [...saved.slice(2).sort().reverse(), saved[1], saved[0]];
      expect(pages.flat()).toEqual(newestFirst);
      expect(await h().decisions.listByReferenceId('user-3', { limit: 2 })).toEqual({ items: [], nextCursor: null });
    });

    it('writes a decision, its delivery and the delivery job in one transaction', async () => {
      const saved = await h().decisions.save(decision('inq_1', 'evt_1', '2026-11-29T09:00:00.000Z'));
      const jobs = await h().database.db.selectFrom('jobs').selectAll().execute();
      const deliveries = await h().database.db.selectFrom('deliveries').selectAll().execute();
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ decision_id: saved?.decisionId, status: 'pending', sequence: 1 });
      expect(jobs.map((j) => [j.kind, j.key])).toEqual([['deliver_decision', `deliver:${deliveries[0]?.delivery_id}`]]);
    });

    it('writes nothing when building the outbox entry fails', async () => {
      const deliveryBody = () => {
        throw new Error('body builder broke');
      };
      const outbox = createOutbox({ queue: h().queue, deliveryBody });
      const decisions = createDecisionStore({ db: h().database.db, clock: h().clock, outbox });
      const failing = decisions.save(decision('inq_1', 'evt_1', '2026-11-29T09:00:00.000Z'));
      await expect(failing).rejects.toThrow('body builder broke');
      expect([await count('decisions'), await count('deliveries'), await count('jobs')]).toEqual([0, 0, 0]);
    });

    it('marks an inquiry failed only for its newest event', async () => {
      await h().events.record(incoming('evt_1', 'inq_1', '2026-11-29T09:00:00.000Z'));
      await h().decisions.markFailed('inq_1', 'evt_other', 'PERSONA_NOT_FOUND: gone');
      expect((await h().decisions.getInquiryView('inq_1'))?.status).toBe('processing');
      await h().decisions.markFailed('inq_1', 'evt_1', 'PERSONA_NOT_FOUND: gone');
      expect(await h().decisions.getInquiryView('inq_1')).toMatchObject({
        status: 'failed',
        error: 'PERSONA_NOT_FOUND: gone',
      });
    });
  });
});
