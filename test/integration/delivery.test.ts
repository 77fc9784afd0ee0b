import nock from 'nock';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DecisionRecord } from '../../src/store/decision-record.js';
import { engineDecision } from '../helpers/decision-fixtures.js';
import { createTestWorker } from '../helpers/pipeline.js';
import { createTestContext, TEST_API_TOKEN, TEST_DOWNSTREAM_SECRET, type TestContext } from '../helpers/test-app.js';
import { dialectTitle, storeDialects } from '../store/dialects.js';

describe.each(storeDialects)('on $dialect', (dialect) => {
  describe.skipIf(dialect.skipReason !== null)(dialectTitle(dialect), () => {
    const ORIGIN = 'https://consumer.test';
    const PATH = '/hooks/decisions';
    const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };

    let ctx: TestContext;
    let database: { url: string; cleanup(): Promise<void> };
    beforeAll(() => nock.disableNetConnect());
    afterAll(() => nock.enableNetConnect());
    beforeEach(async () => {
      database = await dialect.createDatabase();
      ctx = await createTestContext({
        databaseUrl: database.url,
        env: {
          DOWNSTREAM_URL: `${ORIGIN}${PATH}`,
          DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET,
          DOWNSTREAM_TIMEOUT_MS: '200',
          DOWNSTREAM_MAX_CLIENT_ERROR_ATTEMPTS: '3',
          DOWNSTREAM_RETRY_FOR_SECONDS: '86400',
        },
      });
    });
    afterEach(async () => {
      nock.cleanAll();
      await ctx.cleanup();
      await database.cleanup();
    });

    interface Received {
      headers: Record<string, string>;
      body: string;
    }

    /** Records what the consumer received, answering with the given statuses in turn. */
    function consumer(statuses: (number | [number, Record<string, string>])[]): Received[] {
      const received: Received[] = [];
      let scope = nock(ORIGIN);
      for (const entry of statuses) {
        const [status, headers] = Array.isArray(entry) ? entry : [entry, {}];
        scope = scope.post(PATH).reply(async (req: Request) => {
          received.push({ headers: Object.fromEntries(req.headers.entries()), body: await req.text() });
          return [status, status === 204 ? '' : 'x', headers];
        });
      }
      return received;
    }

    let inquirySeq = 0;
    async function decide(
      inquiryId = `inq_d${++inquirySeq}`,
      eventCreatedAt = '2026-11-29T09:00:00.000Z',
    ): Promise<DecisionRecord> {
      await ctx.database.db
        .insertInto('inquiries')
        .values({
          inquiry_id: inquiryId,
          status: 'processing',
          last_event_id: `evt_${eventCreatedAt}`,
          last_event_created_at: eventCreatedAt,
          first_seen_at: eventCreatedAt,
          error: null,
          updated_at: eventCreatedAt,
        })
        .onConflict((oc) => oc.column('inquiry_id').doUpdateSet({ last_event_id: `evt_${eventCreatedAt}` }))
        .execute();
      const saved = await ctx.decisions.save(
        engineDecision({ inquiryId, eventId: `evt_${eventCreatedAt}`, eventCreatedAt }),
      );
      if (!saved) throw new Error('not saved');
      return saved;
    }

    async function deliveries() {
      return ctx.database.db.selectFrom('deliveries').selectAll().orderBy('sequence').execute();
    }

    /** Runs due jobs; then moves the clock to the next scheduled one; `rounds` times. */
    async function runRounds(rounds: number, worker = createTestWorker(ctx)) {
      for (let i = 0; i < rounds; i++) {
        await worker.drain();
        const next = await ctx.queue.nextRunAt();
        if (next === null) return;
        if (next > ctx.clock.now()) ctx.clock.set(next);
      }
    }

    describe('downstream delivery', () => {
      it('delivers a decision as a Standard Webhook that the standardwebhooks package verifies', async () => {
        const received = consumer([204]);
        const decision = await decide('inq_ok');
        await runRounds(1);
        expect(received).toHaveLength(1);
        const [msg] = received as [Received];
        // the reference verifier checks webhook-timestamp against Date: put Date on the test clock (timers stay real)
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(ctx.clock.now());
        const verified = new Webhook(TEST_DOWNSTREAM_SECRET).verify(msg.body, msg.headers) as {
          type: string;
          data: Record<string, unknown>;
        };
        vi.useRealTimers();
        expect(verified.type).toBe('decision.created');
        expect(verified.data).toMatchObject({
          inquiryId: 'inq_ok',
          outcome: 'approved',
          sequence: 1,
          decisionId: decision.decisionId,
          policyVersion: 'default-2',
        });
        expect(msg.headers['webhook-id']).toMatch(/^msg_/);
        expect((await deliveries())[0]).toMatchObject({ status: 'delivered', attempts: 1, last_status: 204 });
      });

      it('retries 500, 500 then succeeds, with the same webhook-id on every attempt and the first retry within 5 s', async () => {
        const received = consumer([500, 500, 200]);
        await decide('inq_retry');
        const start = ctx.clock.now();
        await ctx.decisions.latestDecision('inq_retry');
        await createTestWorker(ctx).drain();
        const firstRetryAt = await ctx.queue.nextRunAt();
        expect((firstRetryAt as number) - start).toBeLessThanOrEqual(5_000);
        await runRounds(5);
        expect(received).toHaveLength(3);
        expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
        expect(new Set(received.map((r) => r.body)).size).toBe(1);
        expect((await deliveries())[0]).toMatchObject({
          status: 'delivered',
          attempts: 3,
          last_status: 200,
          last_error: null,
        });
      });

      it('honours Retry-After on 429', async () => {
        const received = consumer([[429, { 'retry-after': '120' }], 200]);
        await decide('inq_429');
        const start = ctx.clock.now();
        await createTestWorker(ctx).drain();
        expect((await ctx.queue.nextRunAt()) as number).toBe(start + 120_000);
        expect((await deliveries())[0]).toMatchObject({ status: 'pending', last_status: 429, attempts: 1 });
        await runRounds(3);
        expect(received).toHaveLength(2);
      });

      it('treats a timeout as retryable', async () => {
        let release = () => {};
        nock(ORIGIN)
          .post(PATH)
          .reply(() => new Promise<[number, string]>((resolve) => (release = () => resolve([200, 'too late']))));
        const received = consumer([200]);
        await decide('inq_slow');
        await createTestWorker(ctx).drain();
        release();
        expect((await deliveries())[0]).toMatchObject({ status: 'pending', attempts: 1, last_status: null });
        expect((await deliveries())[0]?.last_error).toContain('timeout');
        await runRounds(3);
        expect(received).toHaveLength(1);
        expect((await deliveries())[0]).toMatchObject({ status: 'delivered', attempts: 2 });
      });

      it.each([[410], [400]])(
        'dead-letters after the configured tries when the consumer answers %i',
        async (status) => {
          const received = consumer([status, status, status, status]);
          await decide('inq_dead');
          await runRounds(10);
          expect(received).toHaveLength(3);
          const [row] = await deliveries();
          expect(row).toMatchObject({
            status: 'failed',
            attempts: 3,
            last_status: status,
            last_error: `HTTP ${status}`,
          });
          expect(await ctx.queue.nextRunAt()).toBeNull();
        },
      );

      it('counts only client errors toward the client-error limit: two timeouts and one 400 are not final', async () => {
        const received = consumer([503, 503, 400, 204]);
        await decide('inq_mixed');
        await runRounds(10);
        expect(received).toHaveLength(4);
        expect((await deliveries())[0]).toMatchObject({ status: 'delivered', attempts: 4 });
      });

      it('dead-letters a retryable failure only when the retry window has passed', async () => {
        nock(ORIGIN).post(PATH).times(1000).reply(503);
        await decide('inq_window');
        const start = ctx.clock.now();
        await runRounds(200);
        const [row] = await deliveries();
        expect(row?.status).toBe('failed');
        expect(ctx.clock.now() - start).toBeGreaterThanOrEqual(86_400_000);
        // growing to a cap of about an hour: a day of retries takes tens of attempts, not thousands
        expect(row?.attempts).toBeGreaterThan(20);
        expect(row?.attempts).toBeLessThan(60);
      });

      it('sends an inquiry’s deliveries in sequence order, while other inquiries do not wait', async () => {
        const order: string[] = [];
        nock(ORIGIN)
          .post(PATH)
          .times(10)
          .reply(async (req: Request) => {
            const body = JSON.parse(await req.text()) as { data: { inquiryId: string; sequence: number } };
            const label = `${body.data.inquiryId}#${body.data.sequence}`;
            order.push(label);
            // the first attempt of inq_a#1 fails: inq_a#2 must wait for it, inq_b must not
            return [order.filter((l) => l === 'inq_a#1').length === 1 && label === 'inq_a#1' ? 503 : 204, ''];
          });
        await decide('inq_a', '2026-11-29T09:00:00.000Z');
        await decide('inq_a', '2026-11-29T09:01:00.000Z');
        await decide('inq_b', '2026-11-29T09:00:00.000Z');
        // one job at a time: the two sends go out in claim order (jobs claimed together would race each other)
        await createTestWorker(ctx, { concurrency: 1 }).drain();
        expect(order).toEqual(['inq_a#1', 'inq_b#1']);
        await runRounds(5);
        expect(order).toEqual(['inq_a#1', 'inq_b#1', 'inq_a#1', 'inq_a#2']);
      });

      it('sends once when two workers on one database race for the same delivery', async () => {
        const received = consumer([204, 204]);
        await decide('inq_race');
        const a = createTestWorker(ctx, { workerId: 'worker-a' });
        const b = createTestWorker(ctx, { workerId: 'worker-b' });
        const ran = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
        expect(ran.reduce((x, y) => x + y, 0)).toBe(1);
        expect(received).toHaveLength(1);
      });

      it('delivers after a restart a decision that was committed but not yet sent', async () => {
        await decide('inq_crash');
        await ctx.close(); // the process "crashed" between commit and delivery
        const reopened = await createTestContext({
          databaseUrl: ctx.databaseUrl,
          clock: ctx.clock,
          env: { DOWNSTREAM_URL: `${ORIGIN}${PATH}`, DOWNSTREAM_SIGNING_SECRET: TEST_DOWNSTREAM_SECRET },
        });
        try {
          const received = consumer([204]);
          await createTestWorker(reopened).drain();
          expect(received).toHaveLength(1);
          const row = await reopened.database.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
          expect(row.status).toBe('delivered');
        } finally {
          await reopened.close();
        }
      });

      it('dead-letters (replayably) deliveries left queued when DOWNSTREAM_URL is removed, instead of retrying forever', async () => {
        await decide('inq_unset');
        await ctx.close();
        const reopened = await createTestContext({ databaseUrl: ctx.databaseUrl, clock: ctx.clock });
        try {
          await createTestWorker(reopened).drain();
          const row = await reopened.database.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow();
          expect(row).toMatchObject({
            status: 'failed',
            last_error: 'downstream delivery is not configured (DOWNSTREAM_URL)',
          });
          expect(await reopened.queue.nextRunAt()).toBeNull();
        } finally {
          await reopened.close();
        }
      });

      it('also re-sends a delivery whose worker died mid-attempt once the lease expires', async () => {
        await decide('inq_lease');
        const claimed = await ctx.queue.claim('dead-worker', 1, 60_000);
        expect(claimed).toHaveLength(1);
        const received = consumer([204]);
        await createTestWorker(ctx).drain();
        expect(received).toHaveLength(0);
        ctx.clock.advance(60_001);
        await createTestWorker(ctx).drain();
        expect(received).toHaveLength(1);
      });
    });

    describe('operations API', () => {
      it('lists deliveries by status with cursor pagination', async () => {
        consumer([204, 204]);
        for (let i = 0; i < 5; i++) {
          await decide(`inq_list${i}`);
          ctx.clock.advance(1000);
        }
        await createTestWorker(ctx, { concurrency: 2 }).runOnce();
        const delivered = (await ctx.app.inject({ url: '/deliveries?status=delivered', headers: auth })).json();
        expect(delivered.items).toHaveLength(2);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const url: string = `/deliveries?status=pending&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
          const page = (await ctx.app.inject({ url, headers: auth })).json() as {
            items: { deliveryId: string; status: string; nextAttemptAt: string }[];
            nextCursor: string | null;
          };
          for (const item of page.items) {
            expect(item.status).toBe('pending');
            expect(item.nextAttemptAt).not.toBeNull();
            seen.push(item.deliveryId);
          }
          cursor = page.nextCursor;
        } while (cursor);
        expect(new Set(seen).size).toBe(3);
      });

      it('rejects bad list queries and unauthenticated calls', async () => {
        expect((await ctx.app.inject({ url: '/deliveries' })).statusCode).toBe(401);
        expect((await ctx.app.inject({ url: '/deliveries?status=lost', headers: auth })).statusCode).toBe(400);
        expect((await ctx.app.inject({ url: '/deliveries?limit=0', headers: auth })).statusCode).toBe(400);
        expect((await ctx.app.inject({ url: '/deliveries?cursor=garbage', headers: auth })).statusCode).toBe(400);
      });

      it('re-queues a dead-lettered delivery with a fresh schedule, and delivers it', async () => {
        consumer([410, 410, 410]);
        await decide('inq_replay');
        await runRounds(10);
        const [dead] = await deliveries();
        expect(dead?.status).toBe('failed');
        const received = consumer([204]);
        const res = await ctx.app.inject({
          method: 'POST',
          url: `/deliveries/${dead?.delivery_id}/retry`,
          headers: auth,
        });
        expect(res.statusCode).toBe(202);
        expect(res.json()).toMatchObject({ status: 'pending', attempts: 0 });
        await runRounds(2);
        expect(received).toHaveLength(1);
        expect(received[0]?.headers['webhook-id']).toBe(dead?.delivery_id);
        expect((await deliveries())[0]).toMatchObject({ status: 'delivered' });
        const again = await ctx.app.inject({
          method: 'POST',
          url: `/deliveries/${dead?.delivery_id}/retry`,
          headers: auth,
        });
        expect(again.statusCode).toBe(409);
        expect(
          (await ctx.app.inject({ method: 'POST', url: '/deliveries/msg_nope/retry', headers: auth })).statusCode,
        ).toBe(404);
      });

      it('redelivers the current decision under a new webhook-id', async () => {
        const received = consumer([204, 204]);
        await decide('inq_again');
        await runRounds(1);
        const res = await ctx.app.inject({ method: 'POST', url: '/decisions/inq_again/redeliver', headers: auth });
        expect(res.statusCode).toBe(202);
        await runRounds(1);
        expect(received).toHaveLength(2);
        const ids = received.map((r) => r.headers['webhook-id']);
        expect(ids[0]).not.toBe(ids[1]);
        const bodies = received.map((r) => JSON.parse(r.body) as { data: { sequence: number; decisionId: string } });
        expect(bodies[1]?.data).toEqual(bodies[0]?.data);
        expect(
          (await ctx.app.inject({ method: 'POST', url: '/decisions/inq_unknown/redeliver', headers: auth })).statusCode,
        ).toBe(404);
      });

      it('puts no PII in the delivered body', async () => {
        const received = consumer([204]);
        await decide('inq_body');
        await runRounds(1);
        const body = JSON.parse(received[0]?.body ?? '{}') as { data: Record<string, unknown> };
        expect(Object.keys(body.data).sort()).toEqual([
          'accountId',
          'decidedAt',
          'decisionId',
          'eventId',
          'eventName',
          'inquiryId',
          'outcome',
          'personaStatus',
          'policyVersion',
          'reasons',
          'referenceId',
          'sequence',
          'templateId',
        ]);
      });
    });
  });
});
