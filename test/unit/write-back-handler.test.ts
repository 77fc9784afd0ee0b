import { describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../../src/errors.js';
import type { JobPayload } from '../../src/job-kinds.js';
import { createWriteBackHandler, type PersonaReviewer } from '../../src/jobs/write-back.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/logger.js';
import type { WriteBackResult } from '../../src/metrics/recorder.js';
import { PersonaApiError } from '../../src/persona/request-errors.js';
import type { Job } from '../../src/store/job-queue.js';
import type { WriteBack, WriteBackStore } from '../../src/store/write-back-store.js';

// The write-back job alone, with Persona and the store faked: every way it ends, and that it calls Persona only
// while it should. test/integration/write-back.test.ts runs it against the simulator.
const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const DAY_MS = 24 * 3600 * 1000;
const payload: JobPayload<'write_back'> = {
  decisionId: 'dec_1',
  inquiryId: 'inq_1',
  action: 'approve',
  decidedAtMs: T0,
};
const job: Job = {
  id: 1,
  kind: 'write_back',
  key: 'writeback:dec_1',
  queue: null,
  payload,
  attempts: 0,
  runAt: T0,
  lockedBy: 'w',
  createdAt: T0,
};
const context = {
  log: createLogger('silent'),
  finishWithin: async () => undefined,
  claim: { workerId: 'test-worker', leaseMs: 30_000 },
  handedOver: false,
};

function setUp(options: { status?: string | Error; review?: string | Error; latest?: string; enabled?: boolean } = {}) {
  const calls: string[] = [];
  const results: WriteBackResult[] = [];
  let row: WriteBack = {
    decisionId: 'dec_1',
    inquiryId: 'inq_1',
    action: 'approve',
    status: 'pending',
    detail: null,
    attempts: 0,
    updatedAt: '',
  };
  const store: WriteBackStore = {
    outbox: { add: async () => undefined },
    get: async () => row,
    finish: async (_id, status, detail) => {
      row = { ...row, status, detail, attempts: row.attempts + 1 };
    },
    noteAttempt: async (_id, detail) => {
      row = { ...row, detail, attempts: row.attempts + 1 };
    },
  };
  const persona: PersonaReviewer = {
    getInquiryStatus: async (id) => {
      calls.push(`GET ${id}`);
      if (options.status instanceof Error) throw options.status;
      return options.status ?? 'completed';
    },
    reviewInquiry: async (id, action, request) => {
      calls.push(`POST ${id}/${action} key=${request.idempotencyKey}`);
      if (options.review instanceof Error) throw options.review;
      return options.review ?? 'approved';
    },
  };
  const clock = createManualClock(T0 + 1000);
  const handler = createWriteBackHandler({
    persona,
    writeBacks: store,
    decisions: { latestDecisionRef: async () => ({ decisionId: options.latest ?? 'dec_1' }) as never },
    enabled: options.enabled ?? true,
    clock,
    random: () => 0.5,
    retryForMs: DAY_MS,
    metrics: { writeBack: (result) => results.push(result) },
  });
  return { handler, calls, results, clock, row: () => row };
}

const unavailable = () =>
  new PersonaApiError(ErrorCodes.PERSONA_UNAVAILABLE, 'Persona answered 503', {
    statusCode: 502,
    retryable: true,
    httpStatus: 503,
  });

describe('the write-back job', () => {
  it('approves with the decision id as Idempotency-Key while Persona still says completed: done', async () => {
    const t = setUp();
    expect(await t.handler(payload, job, context)).toEqual({ type: 'done' });
    expect(t.calls).toEqual(['GET inq_1', 'POST inq_1/approve key=dec_1']);
    expect(t.row()).toMatchObject({ status: 'done', detail: "Persona's status is approved" });
    expect(t.results).toEqual(['done']);
  });

  it('never overrules Persona: a status other than completed skips it without a POST', async () => {
    const t = setUp({ status: 'declined' });
    await t.handler(payload, job, context);
    expect(t.calls).toEqual(['GET inq_1']);
    expect(t.row()).toMatchObject({
      status: 'skipped',
      detail: "Persona's status is declined now: Persona decides it",
    });
    expect(t.results).toEqual(['skipped']);
  });

  it('skips when Persona refuses the transition (409/422)', async () => {
    const refused = new PersonaApiError(ErrorCodes.PERSONA_BAD_RESPONSE, 'Persona answered 422', {
      statusCode: 502,
      retryable: false,
      httpStatus: 422,
    });
    const t = setUp({ review: refused });
    await t.handler(payload, job, context);
    expect(t.row()).toMatchObject({ status: 'skipped' });
    expect(t.row().detail).toContain('Persona refused the approve');
  });

  it('skips without calling Persona when a later decision replaced this one, or write-back was turned off', async () => {
    const replaced = setUp({ latest: 'dec_2' });
    await replaced.handler(payload, job, context);
    expect(replaced.calls).toEqual([]);
    expect(replaced.row()).toMatchObject({
      status: 'skipped',
      detail: 'a later decision (dec_2) replaced this one first',
    });
    const off = setUp({ enabled: false });
    await off.handler(payload, job, context);
    expect(off.calls).toEqual([]);
    expect(off.row()).toMatchObject({ status: 'skipped' });
  });

  it('retries a Persona outage with backoff (still pending, the error kept), then fails after the retry window', async () => {
    const t = setUp({ status: unavailable() });
    const outcome = await t.handler(payload, job, context);
    expect(outcome).toMatchObject({ type: 'reschedule', payload });
    expect(t.row()).toMatchObject({ status: 'pending', attempts: 1 });
    expect(t.row().detail).toContain('503');
    t.clock.set(T0 + DAY_MS + 1);
    expect(await t.handler(payload, job, context)).toEqual({ type: 'done' });
    expect(t.row()).toMatchObject({ status: 'failed', attempts: 2 });
    expect(t.results).toEqual(['retried', 'failed']);
  });

  it('fails at once on an error that retrying cannot fix (a rejected API key)', async () => {
    const t = setUp({ review: new AppError(ErrorCodes.PERSONA_UNAUTHORIZED, 'Persona rejected the API key') });
    await t.handler(payload, job, context);
    expect(t.row()).toMatchObject({ status: 'failed' });
    expect(t.results).toEqual(['failed']);
  });

  it('does nothing for a write-back that is no longer pending (a job run twice)', async () => {
    const t = setUp();
    await t.handler(payload, job, context);
    await t.handler(payload, job, context);
    expect(t.calls).toHaveLength(2);
    expect(t.results).toEqual(['done']);
  });
});
