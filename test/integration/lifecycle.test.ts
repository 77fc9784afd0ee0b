import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/decision/policy.js';
import { buildReport } from '../../src/sim/persona-reports.js';
import { buildVerification } from '../../src/sim/persona-verifications.js';
import { createTestWorker, postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { interceptInquiry, PERSONA_BASE, PERSONA_ORIGIN } from '../helpers/persona-nock.js';
import { buildInquiryEventBody, buildReportEventBody } from '../helpers/persona-webhook.js';
import { createTestContext, TEST_API_TOKEN, TEST_DOWNSTREAM_SECRET, type TestContext } from '../helpers/test-app.js';
import { dialectTitle, storeDialects } from '../store/dialects.js';

/**
 * The whole Persona lifecycle through the real pipeline (webhook → job → Persona API → decision → outbox), on both
 * databases: every event kind the service acts on, Persona's own decisions, reports that arrive late, and the rule
 * that a re-evaluation to the same outcome delivers nothing.
 */
const DOWNSTREAM = 'https://downstream.test';

describe.each(storeDialects)('Persona lifecycle on $dialect', (dialect) => {
  describe.skipIf(dialect.skipReason !== null)(dialectTitle(dialect), () => {
    let ctx: TestContext;
    let database: { url: string; cleanup(): Promise<void> };
    beforeAll(() => nock.disableNetConnect());
    afterAll(() => nock.enableNetConnect());
    beforeEach(async () => {
      database = await dialect.createDatabase();
      ctx = await createTestContext({
        databaseUrl: database.url,
        env: { DOWNSTREAM_URL: `${DOWNSTREAM}/decisions`, DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET },
      });
      nock(DOWNSTREAM).post('/decisions').times(20).reply(204);
    });
    afterEach(async () => {
      nock.cleanAll();
      await ctx.cleanup();
      await database.cleanup();
    });

    const T0 = '2026-11-29T09:00:00.000Z';
    const at = (minute: number) => new Date(Date.parse(T0) + minute * 60_000).toISOString();
    const govId = (status = 'passed', checks = [{ name: 'id_expired_detection', status: 'passed' }]) =>
      buildVerification({ id: 'ver_g1', type: 'verification/government-id', status, createdAt: T0, checks });
    const selfie = (status = 'passed') =>
      buildVerification({ id: 'ver_s1', type: 'verification/selfie', status, createdAt: T0, checks: [] });
    const watchlist = (inquiryId: string, hasMatch: boolean, status = 'ready') =>
      buildReport({ id: 'rep_w1', type: 'report/watchlist', status, hasMatch, createdAt: T0, inquiryId });

    const inquiryEvent = (inquiryId: string, name: string, minute: number, eventId = `evt_${minute}`) =>
      postWebhook(ctx, buildInquiryEventBody({ eventId, inquiryId, name, createdAt: at(minute) }));
    const reportEvent = (inquiryId: string | null, name: string, minute: number, hasMatch = false) =>
      postWebhook(
        ctx,
        buildReportEventBody({
          eventId: `evt_r${minute}`,
          name,
          report: watchlist(inquiryId ?? '', hasMatch, 'ready'),
          createdAt: at(minute),
        }),
      );

    async function decisionOf(inquiryId: string) {
      const res = await ctx.app.inject({
        method: 'GET',
        url: `/decisions/${inquiryId}`,
        headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
      });
      expect(res.statusCode).toBe(200);
      return res.json();
    }
    const deliveries = async (inquiryId: string) =>
      (
        await ctx.database.db
          .selectFrom('deliveries')
          .select(['sequence', 'status'])
          .where('inquiry_id', '=', inquiryId)
          .orderBy('sequence')
          .execute()
      ).map((d) => [d.sequence, d.status]);

    it('declines an inquiry Persona failed, with one call and no polling of what was left pending', async () => {
      interceptInquiry(
        'inq_f',
        [govId('failed', [{ name: 'id_blur_detection', status: 'failed' }]), selfie('initiated')],
        200,
        'failed',
      );
      await inquiryEvent('inq_f', 'inquiry.failed', 0);
      await runUntilIdle(ctx);
      const body = await decisionOf('inq_f');
      expect(body).toMatchObject({
        outcome: 'declined',
        personaStatus: 'failed',
        eventName: 'inquiry.failed',
        personaCalls: 1,
      });
      expect(body.reasons[0]).toMatchObject({ code: 'inquiry_failed', outcome: 'declined' });
      expect(body.reasons.map((r: { code: string }) => r.code)).toContain('required_check_failed');
      expect(await deliveries('inq_f')).toEqual([[1, 'delivered']]);
    });

    it('asks an inquiry that expired to retry', async () => {
      interceptInquiry('inq_x', [govId()], 200, 'expired');
      await inquiryEvent('inq_x', 'inquiry.expired', 0);
      await runUntilIdle(ctx);
      const body = await decisionOf('inq_x');
      expect(body).toMatchObject({ outcome: 'retry', personaStatus: 'expired' });
      expect(body.reasons[0]).toMatchObject({ code: 'inquiry_expired', outcome: 'retry' });
    });

    it('closes a manual review when a reviewer approves in Persona: marked-for-review delivers nothing, approved is sequence 2', async () => {
      interceptInquiry('inq_r', [govId(), selfie(), watchlist('inq_r', true)]);
      await inquiryEvent('inq_r', 'inquiry.completed', 0);
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_r')).toMatchObject({ outcome: 'manual_review', sequence: 1 });

      interceptInquiry('inq_r', [govId(), selfie(), watchlist('inq_r', true)], 200, 'needs_review');
      await inquiryEvent('inq_r', 'inquiry.marked-for-review', 1);
      await runUntilIdle(ctx);
      const unchanged = await decisionOf('inq_r');
      expect(unchanged).toMatchObject({ outcome: 'manual_review', sequence: 1, eventName: 'inquiry.completed' });
      expect(unchanged.history).toEqual([
        expect.objectContaining({
          eventId: 'evt_1',
          eventName: 'inquiry.marked-for-review',
          personaStatus: 'needs_review',
        }),
      ]);
      expect(await deliveries('inq_r')).toEqual([[1, 'delivered']]);

      interceptInquiry('inq_r', [govId(), selfie(), watchlist('inq_r', true)], 200, 'approved');
      await inquiryEvent('inq_r', 'inquiry.approved', 2);
      await runUntilIdle(ctx);
      const approved = await decisionOf('inq_r');
      expect(approved).toMatchObject({ outcome: 'approved', sequence: 2, personaStatus: 'approved', history: [] });
      expect(approved.reasons.slice(0, 2)).toMatchObject([
        { code: 'persona_approved', outcome: 'approved' },
        { code: 'engine_disagrees', outcome: 'info', engineOutcome: 'manual_review' },
      ]);
      expect(await deliveries('inq_r')).toEqual([
        [1, 'delivered'],
        [2, 'delivered'],
      ]);
    });

    it('follows a Workflow that declines an inquiry the engine approved', async () => {
      interceptInquiry('inq_w', [govId(), selfie(), watchlist('inq_w', false)]);
      await inquiryEvent('inq_w', 'inquiry.completed', 0);
      await runUntilIdle(ctx);
      interceptInquiry('inq_w', [govId(), selfie(), watchlist('inq_w', false)], 200, 'declined');
      await inquiryEvent('inq_w', 'inquiry.declined', 1);
      await runUntilIdle(ctx);
      const body = await decisionOf('inq_w');
      expect(body).toMatchObject({ outcome: 'declined', sequence: 2 });
      expect(body.reasons[1]).toMatchObject({ code: 'engine_disagrees', engineOutcome: 'approved' });
    });

    it('re-evaluates on report events: linked late and clear (nothing new), matched (review), dismissed (approved)', async () => {
      interceptInquiry('inq_l', [govId(), selfie()]);
      await inquiryEvent('inq_l', 'inquiry.completed', 0);
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_l')).toMatchObject({ outcome: 'approved', sequence: 1 });

      interceptInquiry('inq_l', [govId(), selfie(), watchlist('inq_l', false)]);
      expect(await reportEvent('inq_l', 'report/watchlist.ready', 1)).toMatchObject({ status: 'stored' });
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_l')).toMatchObject({
        outcome: 'approved',
        sequence: 1,
        history: [{ eventName: 'report/watchlist.ready' }],
      });

      interceptInquiry('inq_l', [govId(), selfie(), watchlist('inq_l', true)]);
      await reportEvent('inq_l', 'report/watchlist.matched', 2, true);
      await runUntilIdle(ctx);
      const matched = await decisionOf('inq_l');
      expect(matched).toMatchObject({ outcome: 'manual_review', sequence: 2 });
      expect(matched.reasons[0]).toMatchObject({ code: 'report_match' });

      // Persona keeps has-match true on a dismissed report: the dismissal event is what closes the match
      interceptInquiry('inq_l', [govId(), selfie(), watchlist('inq_l', true)]);
      await reportEvent('inq_l', 'report/watchlist.dismissed', 3, true);
      await runUntilIdle(ctx);
      const dismissed = await decisionOf('inq_l');
      expect(dismissed).toMatchObject({ outcome: 'approved', sequence: 3, eventName: 'report/watchlist.dismissed' });
      expect(dismissed.reasons).toContainEqual(
        expect.objectContaining({ code: 'report_match_dismissed', reportId: 'rep_w1' }),
      );
      expect(dismissed.evidence.reports[0]).toMatchObject({ hasMatch: true, matchDismissedAt: at(3) });

      // a new match under continuous monitoring counts again
      interceptInquiry('inq_l', [govId(), selfie(), watchlist('inq_l', true)]);
      await reportEvent('inq_l', 'report/watchlist.matched', 4, true);
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_l')).toMatchObject({ outcome: 'manual_review', sequence: 4 });
      expect((await deliveries('inq_l')).map(([sequence]) => sequence)).toEqual([1, 2, 3, 4]);
    });

    it('re-evaluates on report/<type>.errored: an errored counted report asks for review', async () => {
      interceptInquiry('inq_e', [govId(), selfie()]);
      await inquiryEvent('inq_e', 'inquiry.completed', 0);
      await runUntilIdle(ctx);
      interceptInquiry('inq_e', [govId(), selfie(), watchlist('inq_e', false, 'errored')]);
      await reportEvent('inq_e', 'report/watchlist.errored', 1);
      await runUntilIdle(ctx);
      const body = await decisionOf('inq_e');
      expect(body).toMatchObject({ outcome: 'manual_review', sequence: 2, eventName: 'report/watchlist.errored' });
      expect(body.reasons[0]).toMatchObject({ code: 'report_errored' });
    });

    it('records a lifecycle event older than one already seen as superseded: nothing more is delivered', async () => {
      interceptInquiry('inq_o', [govId(), selfie()], 200, 'approved');
      await inquiryEvent('inq_o', 'inquiry.approved', 5);
      await runUntilIdle(ctx);
      expect(await inquiryEvent('inq_o', 'inquiry.completed', 1)).toMatchObject({ status: 'superseded' });
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_o')).toMatchObject({
        outcome: 'approved',
        sequence: 1,
        eventName: 'inquiry.approved',
      });
      expect(await deliveries('inq_o')).toEqual([[1, 'delivered']]);
    });

    it("stops polling an older event's view once a newer event is accepted: Persona's decline is the only delivery", async () => {
      interceptInquiry('inq_p', [govId(), selfie(), watchlist('inq_p', false, 'pending')]);
      await inquiryEvent('inq_p', 'inquiry.completed', 0);
      await createTestWorker(ctx).drain();
      expect((await decisionOf('inq_p')).status).toBe('processing');
      // a Workflow declines while the watchlist is still running; the report would have come back clear
      nock(PERSONA_ORIGIN)
        .get(`${PERSONA_BASE}/reports/rep_w1`)
        .optionally()
        .reply(200, { data: watchlist('inq_p', false) });
      interceptInquiry('inq_p', [govId(), selfie(), watchlist('inq_p', false)], 200, 'declined');
      await inquiryEvent('inq_p', 'inquiry.declined', 1);
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_p')).toMatchObject({
        outcome: 'declined',
        sequence: 1,
        eventName: 'inquiry.declined',
      });
      expect(await deliveries('inq_p')).toEqual([[1, 'delivered']]);
    });

    it('decides nothing while Persona shows the inquiry in progress (a report mid-flow, a resumed inquiry)', async () => {
      interceptInquiry('inq_m', [govId()], 200, 'expired');
      await inquiryEvent('inq_m', 'inquiry.expired', 0);
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_m')).toMatchObject({ outcome: 'retry', sequence: 1 });
      // the user resumed the inquiry; a watchlist report runs before they finish
      interceptInquiry('inq_m', [govId(), watchlist('inq_m', false)], 200, 'pending');
      expect(await reportEvent('inq_m', 'report/watchlist.ready', 1)).toMatchObject({ status: 'stored' });
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_m')).toMatchObject({
        status: 'decided',
        outcome: 'retry',
        sequence: 1,
        history: [],
      });
      interceptInquiry('inq_m', [govId(), selfie(), watchlist('inq_m', false)]);
      await inquiryEvent('inq_m', 'inquiry.completed', 2);
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_m')).toMatchObject({ outcome: 'approved', sequence: 2 });
    });

    it('records as ignored a report event of an unknown inquiry, of an account only, or of a type the policy does not count', async () => {
      expect(await reportEvent('inq_unknown', 'report/watchlist.matched', 1, true)).toMatchObject({
        status: 'ignored',
      });
      expect(await reportEvent(null, 'report/watchlist.matched', 2, true)).toMatchObject({ status: 'ignored' });
      interceptInquiry('inq_k', [govId()]);
      await inquiryEvent('inq_k', 'inquiry.completed', 0);
      const phone = buildReport({
        id: 'rep_p1',
        type: 'report/phone-number',
        status: 'ready',
        createdAt: T0,
        inquiryId: 'inq_k',
      });
      const body = buildReportEventBody({
        eventId: 'evt_p',
        name: 'report/phone-number.ready',
        report: phone,
        createdAt: at(3),
      });
      expect(await postWebhook(ctx, body)).toMatchObject({ status: 'ignored' });
      const events = await ctx.database.db
        .selectFrom('persona_events')
        .select(['event_id', 'disposition'])
        .orderBy('event_id')
        .execute();
      expect(events).toEqual([
        { event_id: 'evt_0', disposition: 'accepted' },
        { event_id: 'evt_p', disposition: 'ignored' },
        { event_id: 'evt_r1', disposition: 'ignored' },
        { event_id: 'evt_r2', disposition: 'ignored' },
      ]);
    });

    it('carries Persona identifiers in the decision and the delivery, and lists a reference id', async () => {
      interceptInquiry('inq_id', [govId()]);
      await inquiryEvent('inq_id', 'inquiry.completed', 0);
      await runUntilIdle(ctx);
      expect(await decisionOf('inq_id')).toMatchObject({
        personaStatus: 'completed',
        referenceId: 'user-id',
        accountId: 'act_id',
        templateId: 'itmpl_id',
      });
      const delivery = await ctx.database.db.selectFrom('deliveries').select('body').executeTakeFirstOrThrow();
      expect(JSON.parse(delivery.body).data).toMatchObject({
        eventName: 'inquiry.completed',
        personaStatus: 'completed',
        referenceId: 'user-id',
        accountId: 'act_id',
        templateId: 'itmpl_id',
      });
      const list = await ctx.app.inject({
        method: 'GET',
        url: '/decisions?referenceId=user-id',
        headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
      });
      expect(list.json()).toMatchObject({
        items: [{ inquiryId: 'inq_id', outcome: 'approved' }],
        nextCursor: null,
      });
    });

    describe('personaDecisions through the pipeline', () => {
      it('review_on_disagreement waits for pending evidence, then follows Persona when the evidence agrees', async () => {
        const policy = parsePolicy({ personaDecisions: 'review_on_disagreement' }, 'test');
        interceptInquiry('inq_d', [govId(), selfie('initiated')], 200, 'approved');
        nock(PERSONA_ORIGIN).get(`${PERSONA_BASE}/verifications/ver_s1`).reply(200, { data: selfie() });
        await inquiryEvent('inq_d', 'inquiry.approved', 0);
        await runUntilIdle(ctx, createTestWorker(ctx, { policy }));
        const body = await decisionOf('inq_d');
        expect(body).toMatchObject({ outcome: 'approved', personaCalls: 2 });
        expect(body.reasons[0]).toMatchObject({ code: 'persona_approved' });
      });

      it('review_on_disagreement sends a disagreement to review', async () => {
        const policy = parsePolicy({ personaDecisions: 'review_on_disagreement' }, 'test');
        interceptInquiry('inq_g', [govId(), selfie(), watchlist('inq_g', true)], 200, 'approved');
        await inquiryEvent('inq_g', 'inquiry.approved', 0);
        await runUntilIdle(ctx, createTestWorker(ctx, { policy }));
        const body = await decisionOf('inq_g');
        expect(body.outcome).toBe('manual_review');
        expect(body.reasons[0]).toMatchObject({ code: 'persona_engine_disagree', engineOutcome: 'manual_review' });
      });

      it('ignore lets the evidence decide, whatever Persona decided', async () => {
        const policy = parsePolicy({ personaDecisions: 'ignore' }, 'test');
        interceptInquiry('inq_i', [govId(), selfie(), watchlist('inq_i', true)], 200, 'approved');
        await inquiryEvent('inq_i', 'inquiry.approved', 0);
        await runUntilIdle(ctx, createTestWorker(ctx, { policy }));
        const body = await decisionOf('inq_i');
        expect(body).toMatchObject({ outcome: 'manual_review', personaStatus: 'approved' });
        expect(body.reasons[0]).toMatchObject({ code: 'report_match' });
      });
    });

    describe('required reports', () => {
      const requireWatchlist = parsePolicy({ requiredReportTypes: ['report/watchlist'] }, 'test');

      it('polls the inquiry until a required report is linked and ready', async () => {
        interceptInquiry('inq_q', [govId()]);
        interceptInquiry('inq_q', [govId(), watchlist('inq_q', false)]);
        await inquiryEvent('inq_q', 'inquiry.completed', 0);
        await runUntilIdle(ctx, createTestWorker(ctx, { policy: requireWatchlist }));
        expect(await decisionOf('inq_q')).toMatchObject({ outcome: 'approved', personaCalls: 2 });
      });

      it('sends the inquiry to review when a required report never arrives', async () => {
        nock(PERSONA_ORIGIN)
          .get(`${PERSONA_BASE}/inquiries/inq_n`)
          .query(true)
          .times(100)
          .reply(200, () => ({
            data: { type: 'inquiry', id: 'inq_n', attributes: { status: 'completed' }, relationships: {} },
            included: [],
          }));
        await inquiryEvent('inq_n', 'inquiry.completed', 0);
        await runUntilIdle(ctx, createTestWorker(ctx, { policy: requireWatchlist }), 200);
        const body = await decisionOf('inq_n');
        expect(body.outcome).toBe('manual_review');
        expect(body.reasons).toContainEqual(
          expect.objectContaining({ code: 'required_report_missing', reportType: 'report/watchlist' }),
        );
      });

      it('re-checks the inquiry once after polling a single piece, and sees a report linked meanwhile', async () => {
        interceptInquiry('inq_c', [govId('initiated', []), watchlist('inq_c', false)]);
        nock(PERSONA_ORIGIN).get(`${PERSONA_BASE}/verifications/ver_g1`).reply(200, { data: govId() });
        // the re-check finds the watchlist matched meanwhile
        interceptInquiry('inq_c', [govId(), watchlist('inq_c', true)]);
        await inquiryEvent('inq_c', 'inquiry.completed', 0);
        await runUntilIdle(ctx, createTestWorker(ctx, { policy: requireWatchlist }));
        const body = await decisionOf('inq_c');
        expect(body).toMatchObject({ outcome: 'manual_review', personaCalls: 3 });
        expect(body.reasons[0]).toMatchObject({ code: 'report_match' });
      });
    });
  });
});

describe('PERSONA_EVENTS', () => {
  let ctx: TestContext;
  afterEach(async () => ctx.cleanup());

  it('acknowledges and ignores an event left out of the list', async () => {
    ctx = await createTestContext({ env: { PERSONA_EVENTS: 'inquiry.completed,report/*.matched' } });
    const approved = buildInquiryEventBody({ eventId: 'evt_a', inquiryId: 'inq_a', name: 'inquiry.approved' });
    expect(await postWebhook(ctx, approved)).toMatchObject({ status: 'ignored' });
    const completed = buildInquiryEventBody({ eventId: 'evt_c', inquiryId: 'inq_a', name: 'inquiry.completed' });
    expect(await postWebhook(ctx, completed)).toMatchObject({ status: 'stored' });
    expect(await ctx.queue.nextRunAt()).not.toBeNull();
  });
});
