import { afterEach, describe, expect, it } from 'vitest';
import { jobPayloadSchemas } from '../../src/job-kinds.js';
import { buildInquiryEvent } from '../../src/sim/inquiry-event.js';
import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import type { SimulatorStack } from '../../src/sim/stack.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics.js';
import { createTestWorker, postWebhook, runUntilIdle } from '../helpers/pipeline.js';
import { useSimulatedPersona } from '../helpers/simulated-persona.js';
import { createTestContext, TEST_API_TOKEN, type TestContext } from '../helpers/test-app.js';

// The operator console's API: named and read-only tokens, the review round trip (queue → review → a new sequence
// delivered and written back → Persona's confirming event changes nothing), the audit trail, deliveries' attempts,
// every sequence of a decision, and the status numbers.
const READ_TOKEN = 'viewer-token-0123456789abcdef0123456789';
const tokens = { API_TOKENS: `alice:${TEST_API_TOKEN}`, API_READ_TOKENS: `viewer:${READ_TOKEN}` };
const operator = { authorization: `Bearer ${TEST_API_TOKEN}` };
const viewer = { authorization: `Bearer ${READ_TOKEN}` };
const NOTE = 'Namesake: the watchlist entry has another date of birth.';

const simulated = useSimulatedPersona();

async function get(c: TestContext, url: string, headers = operator) {
  const res = await c.app.inject({ url, headers });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

async function post(c: TestContext, url: string, payload?: object, headers = operator) {
  const res = await c.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() };
}

const later = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
const deliveryIds = (s: SimulatorStack) => [...new Set(s.sink.deliveries().map((d) => d.webhookId))];

describe('tokens: names, read-only access, no caching', () => {
  let ctx: TestContext | undefined;
  afterEach(async () => {
    await ctx?.cleanup();
    ctx = undefined;
  });

  it('GET /session names the token and its access; any bearer answer is Cache-Control: no-store', async () => {
    ctx = await createTestContext({ env: tokens });
    const mine = await get(ctx, '/session');
    expect([mine.status, mine.body, mine.headers['cache-control']]).toEqual([
      200,
      { actor: 'alice', access: 'operate' },
      'no-store',
    ]);
    expect((await get(ctx, '/session', viewer)).body).toEqual({ actor: 'viewer', access: 'read' });
    const refused = await get(ctx, '/decisions/inq_x', { authorization: 'Bearer nope' });
    expect([refused.status, refused.headers['cache-control']]).toEqual([401, 'no-store']);
    expect((await get(ctx, '/status')).headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['/decisions/inq_x/review', { outcome: 'approved', note: NOTE }],
    ['/decisions/inq_x/redeliver', undefined],
    ['/deliveries/msg_x/retry', { note: NOTE }],
    ['/inquiries/inq_x/reprocess', undefined],
  ])('refuses a read-only token on POST %s: 403 FORBIDDEN', async (url, payload) => {
    ctx = await createTestContext({
      env: { ...tokens, DOWNSTREAM_URL: 'https://consumer.test/hooks', DOWNSTREAM_SIGNING_SECRET: SECRET },
    });
    const { status, body } = await post(ctx, url, payload, viewer);
    expect([status, body]).toEqual([
      403,
      { error: { code: 'FORBIDDEN', message: 'this token may read, not act (API_READ_TOKENS)' } },
    ]);
    // and the same read-only token reads
    for (const read of ['/decisions', '/deliveries', '/audit', '/status', '/session']) {
      expect((await get(ctx, read, viewer)).status, read).toBe(200);
    }
    const logged = ctx.logLines.join('\n');
    expect(logged).not.toContain(READ_TOKEN);
    expect(logged).toContain('"actor":"viewer"');
  });
});

const SECRET = 'whsec_dGVzdC1kb3duc3RyZWFtLXNlY3JldC0xMjM0NTY3OA==';

describe('manual review', () => {
  it('reviews a queued decision: the next sequence, delivered, written back, audited; Persona confirming changes nothing', async () => {
    const { c, s } = await simulated({ ...tokens, PERSONA_WRITE_BACK: 'approved,declined' });
    const inquiryId = inquiryIdFor('watchlist-hit');
    await postWebhook(c, buildInquiryEvent({ inquiryId, createdAt: later(0) }).body);
    await runUntilIdle(c);

    const queue = await get(c, '/decisions?status=decided&outcome=manual_review&reviewed=false&order=oldest');
    expect(queue.body.items.map((d: { inquiryId: string; sequence: number }) => [d.inquiryId, d.sequence])).toEqual([
      [inquiryId, 1],
    ]);
    expect((await get(c, '/status')).body).toMatchObject({ reviewQueue: 1, databaseUp: true });

    const blank = await post(c, `/decisions/${inquiryId}/review`, { outcome: 'approved', note: '   ', sequence: 1 });
    expect([blank.status, blank.body.error]).toEqual([
      400,
      { code: 'BAD_REQUEST', message: 'invalid body: note must not be empty (spaces alone are not a note)' },
    ]);
    const stale = await post(c, `/decisions/${inquiryId}/review`, { outcome: 'approved', note: NOTE, sequence: 2 });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'CONFLICT']);
    // the note is kept trimmed
    const padded = { outcome: 'approved', note: `  ${NOTE}\n`, sequence: 1 };
    const reviewed = await post(c, `/decisions/${inquiryId}/review`, padded);
    expect(reviewed.status).toBe(201);
    expect(reviewed.body).toMatchObject({
      sequence: 2,
      outcome: 'approved',
      eventName: null,
      reasons: [{ code: 'operator_review', outcome: 'approved', actor: 'alice', note: NOTE }],
      review: { actor: 'alice', note: NOTE, at: reviewed.body.decidedAt },
      writeBack: { action: 'approve', status: 'pending' },
    });
    await runUntilIdle(c);
    expect(s.persona.reviews()).toEqual([{ inquiryId, action: 'approve', idempotencyKey: reviewed.body.decisionId }]);
    expect(deliveryIds(s)).toHaveLength(2);
    expect((await get(c, '/status')).body).toMatchObject({ reviewQueue: 0 });
    const emptied = await get(c, '/decisions?status=decided&outcome=manual_review&reviewed=false&order=oldest');
    expect(emptied.body.items).toEqual([]);

    // the write-back makes Persona send inquiry.approved: the same outcome, history only, nothing delivered again
    await postWebhook(c, buildInquiryEvent({ inquiryId, name: 'inquiry.approved', createdAt: later(5) }).body);
    await runUntilIdle(c);
    const after = await get(c, `/decisions/${inquiryId}`);
    expect(after.body).toMatchObject({ sequence: 2, outcome: 'approved', review: { actor: 'alice' } });
    expect(after.body.history.map((h: { eventName: string }) => h.eventName)).toEqual(['inquiry.approved']);
    expect(deliveryIds(s)).toHaveLength(2);
    expect(s.persona.reviews()).toHaveLength(1);

    const sequences = await get(c, `/decisions/${inquiryId}/sequences`);
    expect(sequences.body.items.map((d: { sequence: number; outcome: string }) => [d.sequence, d.outcome])).toEqual([
      [1, 'manual_review'],
      [2, 'approved'],
    ]);
    const audit = await get(c, `/audit?target=${inquiryId}`);
    expect(audit.body.items).toEqual([
      {
        auditId: expect.stringMatching(/^aud_/),
        at: expect.any(String),
        actor: 'alice',
        action: 'review',
        target: inquiryId,
        inquiryId,
        note: NOTE,
        detail: { decisionId: reviewed.body.decisionId, sequence: 2, outcome: 'approved', previousSequence: 1 },
      },
    ]);
    const deliveries = await get(c, `/deliveries?inquiryId=${inquiryId}`);
    expect(deliveries.body.items.map((d: { sequence: number }) => d.sequence)).toEqual([2, 1]);
    const attempts = await get(c, `/deliveries/${deliveries.body.items[0].deliveryId}/attempts`);
    expect(attempts.body.items.length).toBeGreaterThan(0);
    expect(attempts.body.items[0]).toEqual({
      attempt: 1,
      at: expect.any(String),
      status: expect.any(Number),
      error: expect.anything(),
      durationMs: expect.any(Number),
    });
    expect((await get(c, '/deliveries/msg_00000000000000000000000000000000/attempts')).status).toBe(404);

    // operators' notes are free text: never in a log line
    expect(c.logLines.join('\n')).not.toContain('Namesake');
    expect(c.logLines.some((line) => line.includes('decision reviewed by operator'))).toBe(true);
  });

  it('lists the review queue oldest first without `order`; an explicit order and other lists stay as asked', async () => {
    const { c } = await simulated(tokens);
    const older = inquiryIdFor('watchlist-hit');
    const newer = inquiryIdFor('watchlist-hit');
    await postWebhook(c, buildInquiryEvent({ inquiryId: older, createdAt: later(0) }).body);
    await runUntilIdle(c);
    c.clock.advance(60_000);
    await postWebhook(c, buildInquiryEvent({ inquiryId: newer, createdAt: later(1) }).body);
    await runUntilIdle(c);
    const ids = async (query: string) =>
      (await get(c, `/decisions?${query}`)).body.items.map((d: { inquiryId: string }) => d.inquiryId);

    const queue = 'status=decided&outcome=manual_review&reviewed=false';
    expect(await ids(queue)).toEqual([older, newer]);
    expect(await ids(`${queue}&order=newest`)).toEqual([newer, older]);
    expect(await ids('status=decided&outcome=manual_review')).toEqual([newer, older]);
    // a page at a time: the cursor of the default order is the queue's, and goes on with it
    const first = await get(c, `/decisions?${queue}&limit=1`);
    expect(first.body.items.map((d: { inquiryId: string }) => d.inquiryId)).toEqual([older]);
    const second = await get(c, `/decisions?${queue}&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((d: { inquiryId: string }) => d.inquiryId)).toEqual([newer]);
    const mixed = await get(c, `/decisions?${queue}&order=newest&cursor=${first.body.nextCursor}`);
    expect([mixed.status, mixed.body.error.message]).toEqual([400, 'cursor was made for another order']);
  });

  it('takes a note on retry, redeliver and reprocess into the audit trail, and an empty body as before', async () => {
    const { c } = await simulated(tokens);
    const inquiryId = inquiryIdFor('all-passed');
    await postWebhook(c, buildInquiryEvent({ inquiryId, createdAt: later(0) }).body);
    await runUntilIdle(c);
    const redelivered = await post(c, `/decisions/${inquiryId}/redeliver`, { note: '  consumer restored a backup\n' });
    expect(redelivered.status).toBe(202);
    // the trail is newest first by time: the manual clock moves between the actions
    c.clock.advance(1000);
    expect((await post(c, `/deliveries/${redelivered.body.deliveryId}/retry`)).status).toBe(202);
    c.clock.advance(1000);
    expect((await post(c, `/inquiries/${inquiryId}/reprocess`, { note: 'x'.repeat(1001) })).status).toBe(400);
    // a note of spaces says nothing: refused on each action, and nothing is done or audited
    const blank = 'invalid body: note must not be empty (spaces alone are not a note)';
    for (const url of [
      `/decisions/${inquiryId}/redeliver`,
      `/deliveries/${redelivered.body.deliveryId}/retry`,
      `/inquiries/${inquiryId}/reprocess`,
    ]) {
      const refused = await post(c, url, { note: ' \t\n ' });
      expect([url, refused.status, refused.body.error]).toEqual([url, 400, { code: 'BAD_REQUEST', message: blank }]);
    }
    expect((await post(c, `/inquiries/${inquiryId}/reprocess`, {})).status).toBe(202);
    const trail = await get(c, `/audit?target=${inquiryId}`);
    type Entry = { action: string; note: string | null; detail: object | null };
    expect(trail.body.items.map((e: Entry) => [e.action, e.note, e.detail])).toEqual([
      ['reprocess', null, null],
      ['retry_delivery', null, null],
      [
        'redeliver',
        'consumer restored a backup',
        { decisionId: expect.stringMatching(/^dec_/), sequence: 1, deliveryId: redelivered.body.deliveryId },
      ],
    ]);
    expect(c.logLines.join('\n')).not.toContain('restored a backup');
  });
});

describe('GET /status', () => {
  it('shows the numbers GET /metrics shows, from the same read of the database', async () => {
    const { c } = await simulated(tokens);
    const [queued, reviewed] = [inquiryIdFor('watchlist-hit'), inquiryIdFor('watchlist-hit')];
    for (const inquiryId of [queued, reviewed, inquiryIdFor('all-passed')]) {
      await postWebhook(c, buildInquiryEvent({ inquiryId, createdAt: later(0) }).body);
    }
    await runUntilIdle(c);
    expect((await post(c, `/decisions/${reviewed}/review`, { outcome: 'declined', note: NOTE })).status).toBe(201);
    // a job this version cannot read (a failed job), and a webhook not yet processed (a due job, a pending delivery)
    await c.database.db
      .insertInto('jobs')
      .values({
        kind: 'process_inquiry',
        key: 'bad',
        queue: null,
        payload: '{}',
        attempts: 0,
        run_at: 0,
        created_at: 0,
      })
      .execute();
    await createTestWorker(c).drain();
    await postWebhook(c, buildInquiryEvent({ inquiryId: inquiryIdFor('all-passed'), createdAt: later(1) }).body);
    c.clock.advance(7_000);

    // the gauges' cached read is older than 5 s: this scrape reads the database at the clock's time, as /status does
    const metrics = await scrapeMetrics(c.app);
    const status = (await get(c, '/status')).body;
    const gauge = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(metrics, `persona_decider_${name}`, labels) ?? null;
    type Due = { kind: string; due: number; oldestDueAgeSeconds: number };
    expect(status).toMatchObject({ reviewQueue: 1, failedJobs: 1 });
    expect(status.jobsDue).toContainEqual({ kind: 'process_inquiry', due: 1, oldestDueAgeSeconds: 7 });
    expect({
      reviewQueue: gauge('review_queue'),
      failedJobs: gauge('failed_jobs'),
      inquiriesFailed: gauge('inquiries_failed'),
      deliveries: { pending: gauge('deliveries_pending'), deadLettered: gauge('deliveries_dead_lettered') },
      jobsDue: status.jobsDue.map(({ kind }: Due) => ({
        kind,
        due: gauge('jobs_due', { kind }),
        oldestDueAgeSeconds: gauge('jobs_oldest_due_age_seconds', { kind }),
      })),
      personaBudget: {
        remaining: gauge('persona_rate_budget_remaining', { budget: 'persona' }),
        limit: gauge('persona_rate_budget_limit', { budget: 'persona' }),
      },
    }).toEqual({
      reviewQueue: status.reviewQueue,
      failedJobs: status.failedJobs,
      inquiriesFailed: status.inquiriesFailed,
      deliveries: status.deliveries,
      jobsDue: status.jobsDue,
      personaBudget: status.personaBudget ?? { remaining: null, limit: null },
    });
    // a kind with nothing due is 0 in the gauges and absent from /status
    const listed = new Set(status.jobsDue.map((j: Due) => j.kind));
    for (const kind of Object.keys(jobPayloadSchemas).filter((k) => !listed.has(k))) {
      expect(gauge('jobs_due', { kind })).toBe(0);
    }
    expect(gauge('database_up')).toBe(1);
  });
});
