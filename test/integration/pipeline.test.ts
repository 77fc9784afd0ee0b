import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_PII_VALUES, type PersonaResource } from '../../src/sim/persona-objects.js';
import { buildVerification } from '../../src/sim/persona-verifications.js';
import { buildReport } from '../../src/sim/persona-reports.js';
import { createTestWorker, postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { interceptInquiry, PERSONA_BASE, PERSONA_ORIGIN } from '../helpers/persona-nock.js';
import { buildInquiryEventBody } from '../helpers/persona-webhook.js';
import { createTestContext, TEST_API_TOKEN, type TestContext } from '../helpers/test-app.js';
import { dialectTitle, storeDialects } from '../store/dialects.js';

describe.each(storeDialects)('on $dialect', (dialect) => {
  describe.skipIf(dialect.skipReason !== null)(dialectTitle(dialect), () => {
    let ctx: TestContext;
    let database: { url: string; cleanup(): Promise<void> };
    beforeAll(() => nock.disableNetConnect());
    afterAll(() => nock.enableNetConnect());
    beforeEach(async () => {
      database = await dialect.createDatabase();
      ctx = await createTestContext({ databaseUrl: database.url });
    });
    afterEach(async () => {
      nock.cleanAll();
      await ctx.cleanup();
      await database.cleanup();
    });

    const T0 = '2026-11-29T09:00:00.000Z';
    const later = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
    const passedChecks = [{ name: 'id_expired_detection', status: 'passed' }];

    const govId = (
      id: string,
      status: string,
      opts: { createdAt?: string; checks?: { name: string; status: string; requirement?: string }[] } = {},
    ) =>
      buildVerification({
        id,
        type: 'verification/government-id',
        status,
        createdAt: opts.createdAt ?? T0,
        checks: opts.checks ?? passedChecks,
      });
    const selfie = (id: string, status: string, checks = [{ name: 'selfie_liveness_detection', status: 'passed' }]) =>
      buildVerification({ id, type: 'verification/selfie', status, createdAt: T0, checks });
    const watchlist = (id: string, hasMatch: boolean, status = 'ready') =>
      buildReport({ id, type: 'report/watchlist', status, hasMatch, createdAt: T0 });

    async function sendWebhook(
      inquiryId: string,
      eventId = `evt_${inquiryId}`,
      createdAt = '2026-11-29T09:59:00.000Z',
    ) {
      await postWebhook(ctx, buildInquiryEventBody({ eventId, inquiryId, createdAt }));
    }

    async function getDecision(inquiryId: string, token = TEST_API_TOKEN) {
      return ctx.app.inject({
        method: 'GET',
        url: `/decisions/${inquiryId}`,
        headers: { authorization: `Bearer ${token}` },
      });
    }

    describe('webhook → worker → decision', () => {
      it.each<[string, PersonaResource[], string, string]>([
        [
          'all evidence passed',
          [govId('ver_g1', 'passed'), selfie('ver_s1', 'passed'), watchlist('rep_w1', false)],
          'approved',
          'all_evidence_passed',
        ],
        [
          'a blurry first ID photo replaced by a passing one',
          [
            govId('ver_g1', 'failed', { checks: [{ name: 'id_blur_detection', status: 'failed' }] }),
            govId('ver_g2', 'passed', { createdAt: later(60) }),
          ],
          'approved',
          'all_evidence_passed',
        ],
        [
          'a failed liveness check',
          [
            govId('ver_g1', 'passed'),
            selfie('ver_s1', 'failed', [{ name: 'selfie_liveness_detection', status: 'failed' }]),
          ],
          'declined',
          'decline_check_failed',
        ],
        [
          'a failed check outside the decline list',
          [govId('ver_g1', 'failed', { checks: [{ name: 'id_barcode_detection', status: 'failed' }] })],
          'manual_review',
          'required_check_failed',
        ],
        [
          'a latest attempt that requires retry',
          [govId('ver_g1', 'passed'), govId('ver_g2', 'requires_retry', { createdAt: later(60) })],
          'retry',
          'verification_requires_retry',
        ],
        ['a watchlist hit', [govId('ver_g1', 'passed'), watchlist('rep_w1', true)], 'manual_review', 'report_match'],
        ['no verifications at all', [], 'manual_review', 'no_verifications'],
      ])('decides %s with one Persona call', async (_name, included, outcome, firstReason) => {
        const scope = interceptInquiry('inq_case', included);
        await sendWebhook('inq_case');
        expect((await getDecision('inq_case')).json()).toMatchObject({ status: 'processing', outcome: null });
        await runUntilIdle(ctx);
        expect(scope.isDone()).toBe(true);
        const body = (await getDecision('inq_case')).json();
        expect(body).toMatchObject({
          inquiryId: 'inq_case',
          status: 'decided',
          outcome,
          policyVersion: 'default-2',
          personaCalls: 1,
          sequence: 1,
        });
        expect(body.reasons[0].code).toBe(firstReason);
      });

      it('polls a verification still initiated until it settles: two re-polls, one call each', async () => {
        interceptInquiry('inq_poll', [govId('ver_g1', 'passed'), selfie('ver_s1', 'initiated', [])]);
        const polls = nock(PERSONA_ORIGIN)
          .get(`${PERSONA_BASE}/verifications/ver_s1`)
          .reply(200, { data: selfie('ver_s1', 'submitted', []) })
          .get(`${PERSONA_BASE}/verifications/ver_s1`)
          .reply(200, { data: selfie('ver_s1', 'passed') });
        await sendWebhook('inq_poll');
        const worker = createTestWorker(ctx);
        await worker.drain();
        expect((await getDecision('inq_poll')).json().status).toBe('processing');
        await runUntilIdle(ctx, worker);
        expect(polls.isDone()).toBe(true);
        expect((await getDecision('inq_poll')).json()).toMatchObject({
          status: 'decided',
          outcome: 'approved',
          personaCalls: 3,
        });
      });

      it('re-fetches the whole inquiry (one call) when several pieces are pending', async () => {
        interceptInquiry('inq_many', [govId('ver_g1', 'initiated', { checks: [] }), selfie('ver_s1', 'initiated', [])]);
        interceptInquiry('inq_many', [govId('ver_g1', 'passed'), selfie('ver_s1', 'passed')]);
        await sendWebhook('inq_many');
        await runUntilIdle(ctx);
        expect((await getDecision('inq_many')).json()).toMatchObject({ outcome: 'approved', personaCalls: 2 });
      });

      it('gives up polling at the deadline and sends the inquiry to manual review with a timeout reason', async () => {
        interceptInquiry('inq_stuck', [govId('ver_g1', 'initiated', { checks: [] })]);
        nock(PERSONA_ORIGIN)
          .get(`${PERSONA_BASE}/verifications/ver_g1`)
          .times(100)
          .reply(200, { data: govId('ver_g1', 'initiated', { checks: [] }) });
        const started = ctx.clock.now();
        await sendWebhook('inq_stuck');
        await runUntilIdle(ctx, createTestWorker(ctx), 200);
        const body = (await getDecision('inq_stuck')).json();
        expect(body).toMatchObject({ status: 'decided', outcome: 'manual_review' });
        expect(body.reasons[0].code).toBe('verification_not_settled');
        expect(ctx.clock.now() - started).toBeGreaterThanOrEqual(900_000);
        expect(ctx.clock.now() - started).toBeLessThan(960_000);
      });

      it('keeps polling across a restart: the wait is in the database, not in memory', async () => {
        interceptInquiry('inq_restart', [govId('ver_g1', 'initiated', { checks: [] })]);
        await sendWebhook('inq_restart');
        await createTestWorker(ctx).drain();
        await ctx.close();

        const reopened = await createTestContext({ databaseUrl: ctx.databaseUrl, clock: ctx.clock });
        try {
          nock(PERSONA_ORIGIN)
            .get(`${PERSONA_BASE}/verifications/ver_g1`)
            .reply(200, { data: govId('ver_g1', 'passed') });
          const next = await reopened.queue.nextRunAt();
          expect(next).not.toBeNull();
          reopened.clock.set(next as number);
          await createTestWorker(reopened).drain();
          const res = await reopened.app.inject({
            method: 'GET',
            url: '/decisions/inq_restart',
            headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
          });
          expect(res.json()).toMatchObject({ status: 'decided', outcome: 'approved', personaCalls: 2 });
        } finally {
          await reopened.close();
        }
      });

      it('marks the inquiry failed, visibly and without a retry loop, when Persona answers 404', async () => {
        const scope = interceptInquiry('inq_gone', [], 404);
        await sendWebhook('inq_gone');
        await runUntilIdle(ctx);
        expect(scope.isDone()).toBe(true);
        const body = (await getDecision('inq_gone')).json();
        expect(body).toMatchObject({ status: 'failed', outcome: null });
        expect(body.error).toContain('PERSONA_NOT_FOUND');
        expect(await ctx.queue.nextRunAt()).toBeNull();
      });

      it('lets an operator re-queue a failed inquiry once the cause is fixed', async () => {
        nock(PERSONA_ORIGIN)
          .get(`${PERSONA_BASE}/inquiries/inq_fix`)
          .query(true)
          .reply(401, { errors: [{ title: 'Must be authenticated to access this endpoint' }] });
        await sendWebhook('inq_fix');
        await runUntilIdle(ctx);
        expect((await getDecision('inq_fix')).json()).toMatchObject({ status: 'failed' });
        interceptInquiry('inq_fix', [govId('ver_g1', 'passed')]); // the key was corrected
        const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };
        const res = await ctx.app.inject({ method: 'POST', url: '/inquiries/inq_fix/reprocess', headers: auth });
        expect(res.statusCode).toBe(202);
        expect((await getDecision('inq_fix')).json()).toMatchObject({ status: 'processing', error: null });
        await runUntilIdle(ctx);
        expect((await getDecision('inq_fix')).json()).toMatchObject({ status: 'decided', outcome: 'approved' });
        expect(
          (await ctx.app.inject({ method: 'POST', url: '/inquiries/inq_none/reprocess', headers: auth })).statusCode,
        ).toBe(404);
        expect((await ctx.app.inject({ method: 'POST', url: '/inquiries/inq_fix/reprocess' })).statusCode).toBe(401);
      });

      it('marks the inquiry failed when the API key is rejected (401), after exactly one call', async () => {
        const scope = nock(PERSONA_ORIGIN)
          .get(`${PERSONA_BASE}/inquiries/inq_key`)
          .query(true)
          .once()
          .reply(401, { errors: [{ title: 'Must be authenticated to access this endpoint' }] });
        await sendWebhook('inq_key');
        await runUntilIdle(ctx);
        expect(scope.isDone()).toBe(true);
        expect((await getDecision('inq_key')).json()).toMatchObject({ status: 'failed' });
      });

      it('reschedules the job with backoff when Persona stays down past the client retry budget', async () => {
        nock(PERSONA_ORIGIN)
          .get(`${PERSONA_BASE}/inquiries/inq_down`)
          .query(true)
          .times(5)
          .reply(503, { errors: [{ title: 'Service unavailable' }] });
        await sendWebhook('inq_down');
        await createTestWorker(ctx).drain();
        const job = await ctx.database.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
        expect(job.last_error).toContain('PERSONA_UNAVAILABLE');
        expect(job.run_at).toBeGreaterThan(ctx.clock.now());
        expect((await getDecision('inq_down')).json().status).toBe('processing');
        interceptInquiry('inq_down', [govId('ver_g1', 'passed')]);
        await runUntilIdle(ctx);
        expect((await getDecision('inq_down')).json()).toMatchObject({ status: 'decided', outcome: 'approved' });
      });
    });

    describe('re-evaluation and ordering', () => {
      it('re-evaluates when a later inquiry.completed arrives for a decided inquiry', async () => {
        interceptInquiry('inq_re', [govId('ver_g1', 'requires_retry')]);
        await sendWebhook('inq_re', 'evt_first', '2026-11-29T09:50:00.000Z');
        await runUntilIdle(ctx);
        expect((await getDecision('inq_re')).json()).toMatchObject({ outcome: 'retry', sequence: 1 });
        interceptInquiry('inq_re', [
          govId('ver_g1', 'requires_retry'),
          govId('ver_g2', 'passed', { createdAt: later(600) }),
        ]);
        await sendWebhook('inq_re', 'evt_second', '2026-11-29T09:55:00.000Z');
        await runUntilIdle(ctx);
        expect((await getDecision('inq_re')).json()).toMatchObject({ outcome: 'approved', sequence: 2 });
      });

      it('never lets an older event overwrite a decision made from newer evidence', async () => {
        interceptInquiry('inq_ord', [govId('ver_g1', 'passed')]);
        await sendWebhook('inq_ord', 'evt_newer', '2026-11-29T09:55:00.000Z');
        await runUntilIdle(ctx);
        await sendWebhook('inq_ord', 'evt_older', '2026-11-29T09:50:00.000Z');
        await runUntilIdle(ctx);
        const body = (await getDecision('inq_ord')).json();
        expect(body).toMatchObject({ outcome: 'approved', sequence: 1 });
        const decisions = await ctx.database.db.selectFrom('decisions').select('event_id').execute();
        expect(decisions.map((d) => d.event_id)).toEqual(['evt_newer']);
      });
    });

    describe('GET /decisions/:inquiryId', () => {
      it('answers 401 without a token and with a wrong one', async () => {
        expect((await ctx.app.inject({ method: 'GET', url: '/decisions/inq_x' })).statusCode).toBe(401);
        expect((await getDecision('inq_x', 'wrong-token')).statusCode).toBe(401);
      });

      it('answers 404 for an inquiry never seen, and for one seen only in ignored events', async () => {
        expect((await getDecision('inq_never')).statusCode).toBe(404);
        const body = buildInquiryEventBody({ eventId: 'evt_ign', inquiryId: 'inq_ign', name: 'inquiry.started' });
        expect(await postWebhook(ctx, body)).toMatchObject({ status: 'ignored' });
        expect((await getDecision('inq_ign')).statusCode).toBe(404);
      });

      it('answers 400 for a malformed inquiry id', async () => {
        expect((await getDecision('inq%20bad')).statusCode).toBe(400);
      });
    });

    describe('PII', () => {
      it('lets no PII value from Persona payloads reach the logs or the database', async () => {
        // Every builder fills the PII slots (names, birthdate, ID number, address) with FAKE_PII values.
        interceptInquiry('inq_pii', [
          govId('ver_g1', 'passed'),
          selfie('ver_s1', 'passed'),
          buildVerification({ id: 'ver_d1', type: 'verification/database', status: 'passed', createdAt: T0 }),
          watchlist('rep_w1', false),
        ]);
        await sendWebhook('inq_pii');
        await runUntilIdle(ctx);
        expect((await getDecision('inq_pii')).json().outcome).toBe('approved');
        const tables = await Promise.all(
          (['persona_events', 'inquiries', 'jobs', 'decisions', 'deliveries'] as const).map((t) =>
            ctx.database.db.selectFrom(t).selectAll().execute(),
          ),
        );
        const stored = JSON.stringify(tables);
        const logs = ctx.logLines.join('\n');
        expect(FAKE_PII_VALUES.length).toBeGreaterThan(5);
        for (const value of FAKE_PII_VALUES) {
          expect(stored).not.toContain(value);
          expect(logs).not.toContain(value);
        }
      });
    });
  });
});
