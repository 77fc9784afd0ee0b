import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/decision/evidence.js';
import { defaultPolicy } from '../../src/decision/policy.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import type { IncomingEvent } from '../../src/store/event-store.js';
import { cleanEvidence, engineDecision, report, WATCHLIST } from '../helpers/decision-fixtures.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { useStoreHarness } from './store-harness.js';

const incoming = (eventId: string, inquiryId: string, createdAt: string): IncomingEvent => ({
  event: { eventId, name: 'inquiry.completed', createdAt, objectType: 'inquiry', objectId: inquiryId, inquiryId },
  disposition: 'accepted',
  attempts: { attemptsMade: 1, attemptsLeft: 7, firstAttemptedAt: null },
});

/** A watchlist match: the engine's manual_review. */
const matched = (): Evidence => ({ ...cleanEvidence(), reports: [report(WATCHLIST, 'ready', true)] });
const at = (minute: number) => `2026-11-29T09:${String(minute).padStart(2, '0')}:00.000Z`;
const NOTE = 'namesake: another date of birth';

describe.each(storeDialects)('operator review and audit store contract', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const h = useStoreHarness(d);

    /** An event of the inquiry and the pipeline's evaluation of it. */
    async function evaluate(inquiryId: string, eventId: string, minute: number, evidence: Evidence = matched()) {
      await h().events.record(incoming(eventId, inquiryId, at(minute)));
      h().clock.advance(1000);
      return h().decisions.saveEvaluation(engineDecision({ inquiryId, eventId, eventCreatedAt: at(minute), evidence }));
    }

    async function review(inquiryId: string, outcome: 'approved' | 'declined' | 'retry', sequence?: number) {
      h().clock.advance(1000);
      return h().decisions.review({ inquiryId, outcome, note: NOTE, actor: 'alice', sequence, policyVersion: 'p-1' });
    }

    it('records a review as the next sequence on the same evidence, with its delivery and audit entry', async () => {
      const first = await evaluate('inq_r', 'evt_1', 1);
      expect(first).toMatchObject({ status: 'decided', decision: { outcome: 'manual_review', sequence: 1 } });
      const result = await review('inq_r', 'approved', 1);
      if (result.status !== 'reviewed') throw new Error(`not reviewed: ${result.status}`);
      const reviewed = result.decision;
      expect(reviewed).toMatchObject({ sequence: 2, outcome: 'approved', eventName: null, policyVersion: 'p-1' });
      expect(reviewed.reasons).toEqual([
        { code: 'operator_review', outcome: 'approved', message: 'reviewed by alice', actor: 'alice', note: NOTE },
      ]);
      if (first.status !== 'decided') throw new Error('unreachable');
      expect(reviewed.evidence).toEqual(first.decision.evidence);
      const deliveries = await h().deliveries.list({ inquiryId: 'inq_r', limit: 10 });
      expect(deliveries.items.map((x) => x.sequence)).toEqual([2, 1]);
      const trail = await h().audit.list({ target: 'inq_r', limit: 10 });
      expect(trail.items).toEqual([
        {
          auditId: expect.stringMatching(/^aud_/),
          at: expect.any(String),
          actor: 'alice',
          action: 'review',
          target: 'inq_r',
          inquiryId: 'inq_r',
          note: NOTE,
          detail: { decisionId: reviewed.decisionId, sequence: 2, outcome: 'approved', previousSequence: 1 },
        },
      ]);
    });

    it('refuses a review of a changed decision, of an inquiry not decided, and of one never seen', async () => {
      await evaluate('inq_r', 'evt_1', 1);
      expect(await review('inq_r', 'approved', 7)).toEqual({ status: 'changed', sequence: 1 });
      await h().events.record(incoming('evt_2', 'inq_r', at(2)));
      expect(await review('inq_r', 'approved')).toEqual({ status: 'not_decided', inquiryStatus: 'processing' });
      expect(await review('inq_none', 'approved')).toEqual({ status: 'not_found' });
      expect((await h().audit.list({ limit: 10 })).items).toEqual([]);
    });

    it('keeps a review when the same evidence is evaluated again: history only, nothing delivered', async () => {
      await evaluate('inq_r', 'evt_1', 1);
      await review('inq_r', 'approved');
      const again = await evaluate('inq_r', 'evt_2', 2);
      expect(again).toMatchObject({ status: 'unchanged', reviewKept: true, decision: { sequence: 2 } });
      const view = await h().decisions.getInquiryView('inq_r');
      expect(view).toMatchObject({ status: 'decided', decision: { sequence: 2, outcome: 'approved' } });
      expect(view?.history.map((e) => e.eventId)).toEqual(['evt_2']);
      expect((await h().deliveries.list({ inquiryId: 'inq_r', limit: 10 })).items).toHaveLength(2);
    });

    it('ignores how the evidence was fetched (polls, time, source) when comparing it', async () => {
      await evaluate('inq_r', 'evt_1', 1);
      await review('inq_r', 'declined');
      const refetched = { ...matched(), reports: [{ ...report(WATCHLIST, 'ready', true), completedAt: at(3) }] };
      expect(await evaluate('inq_r', 'evt_2', 2, refetched)).toMatchObject({ status: 'unchanged', reviewKept: true });
    });

    it('replaces a review when the evidence changed: decided as usual', async () => {
      await evaluate('inq_r', 'evt_1', 1);
      await review('inq_r', 'approved');
      const dismissed = { ...matched(), reports: [{ ...report(WATCHLIST, 'ready', true), matchDismissedAt: at(2) }] };
      const changed = await evaluate('inq_r', 'evt_2', 2, { ...dismissed, tags: ['vip'] });
      expect(changed).toMatchObject({ status: 'unchanged' });
      expect(changed).not.toHaveProperty('reviewKept');
      const another = await evaluate('inq_r', 'evt_3', 3, { ...matched(), tags: ['vip', 'second-look'] });
      expect(another).toMatchObject({ status: 'decided', decision: { sequence: 3, outcome: 'manual_review' } });
    });

    it('replaces a review when Persona approved or declined the inquiry since', async () => {
      await evaluate('inq_r', 'evt_1', 1);
      await review('inq_r', 'approved');
      const declined = await evaluate('inq_r', 'evt_2', 2, { ...matched(), inquiryStatus: 'declined' });
      expect(declined).toMatchObject({ status: 'decided', decision: { sequence: 3, outcome: 'declined' } });
      if (declined.status !== 'decided') throw new Error('unreachable');
      expect(declined.decision.reasons[0]?.code).toBe('persona_declined');
    });

    it('keeps a review of evidence Persona had already approved (review_on_disagreement) when it is evaluated again', async () => {
      // Persona approved an inquiry with a watchlist match: review_on_disagreement sends it to manual_review, and
      // every later evaluation of that same evidence still sees Persona's `approved`, which is no news since the review
      const policy = { ...defaultPolicy, personaDecisions: 'review_on_disagreement' as const };
      const approvedInPersona = (): Evidence => ({ ...matched(), inquiryStatus: 'approved' });
      const evaluateUnder = async (eventId: string, minute: number, evidence: Evidence) => {
        await h().events.record(incoming(eventId, 'inq_r', at(minute)));
        h().clock.advance(1000);
        const decision = engineDecision({ inquiryId: 'inq_r', eventId, eventCreatedAt: at(minute), evidence, policy });
        return h().decisions.saveEvaluation(decision);
      };
      const first = await evaluateUnder('evt_1', 1, approvedInPersona());
      expect(first).toMatchObject({ status: 'decided', decision: { outcome: 'manual_review', sequence: 1 } });
      await review('inq_r', 'declined', 1);
      const again = await evaluateUnder('evt_2', 2, approvedInPersona());
      expect(again).toMatchObject({ status: 'unchanged', reviewKept: true, decision: { sequence: 2 } });
      expect(await h().decisions.latestDecision('inq_r')).toMatchObject({ sequence: 2, outcome: 'declined' });
      expect((await h().deliveries.list({ inquiryId: 'inq_r', limit: 10 })).items).toHaveLength(2);
      // Persona's status moving to declined since the review is news: decided as usual (the engine still disagrees)
      const declined = await evaluateUnder('evt_3', 3, { ...matched(), inquiryStatus: 'declined' });
      expect(declined).toMatchObject({ status: 'decided', decision: { sequence: 3, outcome: 'manual_review' } });
    });

    it('records one of two reviews of the same sequence sent at once; the other is told the decision changed', async () => {
      await evaluate('inq_r', 'evt_1', 1);
      const results = await Promise.all([review('inq_r', 'approved', 1), review('inq_r', 'declined', 1)]);
      expect(results.map((r) => r.status).sort()).toEqual(['changed', 'reviewed']);
      expect(results.find((r) => r.status === 'changed')).toEqual({ status: 'changed', sequence: 2 });
      expect((await h().audit.list({ target: 'inq_r', limit: 10 })).items).toHaveLength(1);
    });

    it('lets a later review replace an earlier one', async () => {
      await evaluate('inq_r', 'evt_1', 1);
      await review('inq_r', 'approved', 1);
      const second = await review('inq_r', 'retry', 2);
      expect(second).toMatchObject({ status: 'reviewed', decision: { sequence: 3, outcome: 'retry' } });
      expect((await h().audit.list({ target: 'inq_r', limit: 10 })).items.map((e) => e.action)).toEqual([
        'review',
        'review',
      ]);
    });

    it('records redeliver, retry and reprocess in the trail of the inquiry, newest first, a page at a time', async () => {
      const first = await evaluate('inq_a', 'evt_1', 1, cleanEvidence());
      if (first.status !== 'decided') throw new Error('not decided');
      h().clock.advance(1000);
      const redelivered = await h().deliveries.redeliver(first.decision, { actor: 'bob', note: 'consumer lost it' });
      if (!redelivered) throw new Error('not redelivered');
      h().clock.advance(1000);
      expect(await h().deliveries.retryNow(redelivered.deliveryId, { actor: 'carol', note: null })).toBe('requeued');
      h().clock.advance(1000);
      expect(await h().events.reprocess('inq_a', { actor: 'dave', note: 'new policy' })).toBe('queued');
      // an action without an actor (a tool, a test) writes no entry
      expect(await h().events.reprocess('inq_a')).toBe('queued');

      const trail = await h().audit.list({ target: 'inq_a', limit: 10 });
      expect(trail.items.map((e) => [e.action, e.actor, e.target, e.note])).toEqual([
        ['reprocess', 'dave', 'inq_a', 'new policy'],
        ['retry_delivery', 'carol', redelivered.deliveryId, null],
        ['redeliver', 'bob', 'inq_a', 'consumer lost it'],
      ]);
      expect(trail.items.map((e) => e.detail)).toEqual([
        null,
        null,
        { decisionId: first.decision.decisionId, sequence: 1, deliveryId: redelivered.deliveryId },
      ]);
      const byDelivery = await h().audit.list({ target: redelivered.deliveryId, limit: 10 });
      expect(byDelivery.items.map((e) => e.action)).toEqual(['retry_delivery']);

      const page1 = await h().audit.list({ target: 'inq_a', limit: 2 });
      expect(page1.items.map((e) => e.action)).toEqual(['reprocess', 'retry_delivery']);
      const page2 = await h().audit.list({ target: 'inq_a', limit: 2, cursor: page1.nextCursor ?? '' });
      expect([page2.items.map((e) => e.action), page2.nextCursor]).toEqual([['redeliver'], null]);
    });

    it('lists an entry whose stored detail is not a JSON object with detail null, and reports its id', async () => {
      await evaluate('inq_r', 'evt_1', 1);
      await review('inq_r', 'approved', 1);
      await review('inq_r', 'declined', 2);
      const [newest, oldest] = (await h().audit.list({ target: 'inq_r', limit: 10 })).items;
      if (!newest || !oldest) throw new Error('two entries expected');
      // a damaged or hand-edited row: the trail is still listed, the rest of the entry intact
      const db = h().database.db;
      await db
        .updateTable('audit_log')
        .set({ detail: '{"decisionId": ' })
        .where('audit_id', '=', newest.auditId)
        .execute();
      await db.updateTable('audit_log').set({ detail: '[1, 2]' }).where('audit_id', '=', oldest.auditId).execute();
      const unreadable: string[] = [];
      const audit = createAuditStore({ db, onUnreadableDetail: (auditId) => unreadable.push(auditId) });
      const listed = await audit.list({ target: 'inq_r', limit: 10 });
      expect(listed.items).toEqual([
        { ...newest, detail: null },
        { ...oldest, detail: null },
      ]);
      expect(unreadable).toEqual([newest.auditId, oldest.auditId]);
    });

    it('records every delivery attempt, oldest first; null for an unknown delivery', async () => {
      const first = await evaluate('inq_a', 'evt_1', 1, cleanEvidence());
      if (first.status !== 'decided') throw new Error('not decided');
      const [delivery] = (await h().deliveries.list({ inquiryId: 'inq_a', limit: 1 })).items;
      if (!delivery) throw new Error('no delivery');
      const failed = { attempts: 1, lastStatus: 503, lastError: 'HTTP 503', durationMs: 120 };
      await h().deliveries.markRetrying(delivery.deliveryId, failed, h().clock.now() + 1000);
      h().clock.advance(2000);
      await h().deliveries.markDelivered(delivery.deliveryId, {
        attempts: 2,
        lastStatus: 204,
        lastError: null,
        durationMs: 35,
      });
      expect(await h().deliveries.listAttempts(delivery.deliveryId)).toEqual([
        { attempt: 1, at: expect.any(String), status: 503, error: 'HTTP 503', durationMs: 120 },
        { attempt: 2, at: expect.any(String), status: 204, error: null, durationMs: 35 },
      ]);
      expect(await h().deliveries.listAttempts('msg_unknown')).toBeNull();
    });

    it('lists the review queue (current, decided, manual_review, not reviewed) oldest first, a page at a time', async () => {
      await evaluate('inq_q1', 'evt_1', 1);
      await evaluate('inq_q2', 'evt_2', 2);
      await evaluate('inq_q3', 'evt_3', 3);
      await evaluate('inq_ok', 'evt_4', 4, cleanEvidence());
      await review('inq_q2', 'approved');
      const queue = { status: 'decided', outcome: 'manual_review', reviewed: false, order: 'oldest' } as const;
      const page1 = await h().decisionList.list({ ...queue, limit: 1 });
      expect(page1.items.map((x) => [x.inquiryId, x.sequence, x.status])).toEqual([['inq_q1', 1, 'decided']]);
      const page2 = await h().decisionList.list({ ...queue, limit: 1, cursor: page1.nextCursor ?? '' });
      expect([page2.items.map((x) => x.inquiryId), page2.nextCursor]).toEqual([['inq_q3'], null]);

      const reviewed = await h().decisionList.list({ reviewed: true, order: 'newest', limit: 10 });
      expect(reviewed.items.map((x) => [x.inquiryId, x.sequence, x.outcome])).toEqual([['inq_q2', 2, 'approved']]);
      const newest = await h().decisionList.list({ order: 'newest', limit: 10 });
      expect(newest.items.map((x) => x.inquiryId)).toEqual(['inq_q2', 'inq_ok', 'inq_q3', 'inq_q1']);
      const window = await h().decisionList.list({
        order: 'oldest',
        limit: 10,
        since: newest.items[2]?.decidedAt,
        until: newest.items[0]?.decidedAt,
      });
      expect(window.items.map((x) => x.inquiryId)).toEqual(['inq_q3', 'inq_ok']);
      expect((await h().decisionList.sequences('inq_q2'))?.map((x) => [x.sequence, x.outcome])).toEqual([
        [1, 'manual_review'],
        [2, 'approved'],
      ]);
      expect(await h().decisionList.sequences('inq_none')).toBeNull();
    });
  });
});
