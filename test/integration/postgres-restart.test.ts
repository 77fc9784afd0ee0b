import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVerification } from '../../src/sim/persona-verifications.js';
import { connectDatabase } from '../../src/store/connect.js';
import type { DatabaseHandle } from '../../src/store/database-handle.js';
import { createJobQueue } from '../../src/store/job-queue.js';
import { createRecorder, pollUntil } from '../helpers/events.js';
import { buildInquiryEventBody, signedWebhookRequest } from '../helpers/persona-webhook.js';
import { createTestWorker } from '../helpers/pipeline.js';
import { interceptInquiry } from '../helpers/persona-nock.js';
import { pgCluster, pgClusterSkipReason, startPgCluster } from '../helpers/pg-cluster.js';
import { createTestContext, TEST_API_TOKEN, TEST_WEBHOOK_SECRET, type TestContext } from '../helpers/test-app.js';

/**
 * Stops and starts PostgreSQL under a running app. The test owns a cluster of its own (scripts/pg-test-cluster.sh,
 * ~2 s to create) so that stopping it cannot disturb the other test files running in parallel.
 */
const reason = pgClusterSkipReason();

/**
 * Real processes (initdb, a server stopped and started): the only bound on waiting for them is this timeout, generous
 * so that a busy machine slows the test down instead of failing it.
 */
const TIMEOUT_MS = 120_000;

describe.skipIf(reason !== null)(
  `PostgreSQL restart under a running app${reason ? ` (skipped: ${reason})` : ''}`,
  { timeout: TIMEOUT_MS },
  () => {
    let dir: string;
    let ctx: TestContext;
    let listener: DatabaseHandle;
    /** One entry per wake-up of the second process's LISTEN connection. */
    const wakes = createRecorder<'wake'>();

    beforeAll(async () => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
      dir = mkdtempSync(join(tmpdir(), 'pd-restart-'));
      const url = startPgCluster(dir);
      ctx = await createTestContext({ env: { DATABASE_URL: url } });
      listener = await connectDatabase(url, { listenReconnect: { minMs: 50, maxMs: 500 } });
      await listener.notifier.listen(() => wakes.push('wake'));
    }, TIMEOUT_MS);
    afterAll(async () => {
      nock.cleanAll();
      nock.enableNetConnect();
      await listener?.close();
      await ctx?.cleanup();
      if (dir) pgCluster('down', dir);
    }, TIMEOUT_MS);

    const webhook = (eventId: string, inquiryId: string) => {
      const request = signedWebhookRequest(buildInquiryEventBody({ eventId, inquiryId }), {
        secrets: [TEST_WEBHOOK_SECRET],
        timestampSeconds: Math.floor(ctx.clock.now() / 1000),
      });
      return ctx.app.inject({
        method: 'POST',
        url: '/webhooks/persona',
        payload: request.payload,
        headers: request.headers,
      });
    };
    const readyz = () => ctx.app.inject({ method: 'GET', url: '/readyz' });

    it('answers 503 while the database is down and recovers on its own when it is back, losing nothing acknowledged', async () => {
      expect((await webhook('evt_before', 'inq_before')).statusCode).toBe(200);
      expect((await readyz()).statusCode).toBe(200);

      pgCluster('stop', dir);
      const wakesWhileDown = wakes.items.length;
      expect((await readyz()).statusCode).toBe(503);
      const refused = await webhook('evt_during', 'inq_during');
      expect(refused.statusCode).toBe(503);
      expect(refused.json()).toMatchObject({ error: { code: 'DATABASE_UNAVAILABLE' } });
      const worker = createTestWorker(ctx);
      await expect(worker.runOnce()).rejects.toThrow();

      pgCluster('start', dir);
      // the pool opens a fresh connection on demand; the app's readiness probe is what a load balancer would watch
      await pollUntil(async () => (await readyz()).statusCode === 200);
      // Persona retries the refused delivery; it is stored now
      expect((await webhook('evt_during', 'inq_during')).json()).toMatchObject({ status: 'stored' });
      // the LISTEN connection came back by itself (it wakes the worker once on reconnecting) and hears new work
      await wakes.count(wakesWhileDown + 1);
      const wakesAfterReconnect = wakes.items.length;
      await ctx.database.notifier.notify(ctx.database.db);
      await wakes.count(wakesAfterReconnect + 1);

      const passed = [
        buildVerification({
          id: 'ver_1',
          type: 'verification/government-id',
          status: 'passed',
          createdAt: '2026-11-29T09:00:00.000Z',
          checks: [{ name: 'id_expired_detection', status: 'passed' }],
        }),
      ];
      const personaCalls = [interceptInquiry('inq_before', passed), interceptInquiry('inq_during', passed)];
      expect(await worker.drain()).toBe(2);
      expect(personaCalls.every((scope) => scope.isDone())).toBe(true);
      for (const inquiryId of ['inq_before', 'inq_during']) {
        const res = await ctx.app.inject({
          method: 'GET',
          url: `/decisions/${inquiryId}`,
          headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
        });
        expect(res.json()).toMatchObject({ inquiryId, status: 'decided', outcome: 'approved' });
      }
      const queue = createJobQueue({ db: ctx.database.db, dialect: 'postgres', clock: ctx.clock });
      expect(await queue.nextRunAt()).toBeNull();
    });
  },
);
