import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/decision/policy.js';
import { processInquiryJob } from '../../src/job-kinds.js';
import { createProcessInquiryHandler, type EvidenceSource } from '../../src/jobs/process-inquiry.js';
import type { JobContext } from '../../src/jobs/worker.js';
import { createManualClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/logger.js';
import type { DecisionStore } from '../../src/store/decision-store.js';
import type { Job } from '../../src/store/job-queue.js';
import { cleanEvidence } from '../helpers/decision-fixtures.js';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');

/** A promise resolved from outside, to hold a read open while the test looks at what already happened. */
function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function setUp() {
  const order: string[] = [];
  const ref = deferred<null>();
  const persona: EvidenceSource = {
    getInquiryEvidence: async (inquiryId, ctx) => {
      order.push('persona GET');
      if (ctx) ctx.calls += 1;
      return { ...cleanEvidence(), inquiryId };
    },
    getVerification: () => Promise.reject(new Error('not expected')),
    getReport: () => Promise.reject(new Error('not expected')),
  };
  // a newer event of the inquiry was accepted meanwhile: the job must stop without deciding
  const decisions = {
    latestDecisionRef: async () => {
      order.push('latest decision read');
      return ref.promise;
    },
    newerEventAccepted: async () => {
      order.push('newer event read');
      return true;
    },
    saveEvaluation: () => Promise.reject(new Error('a stopped job must not decide')),
  } as unknown as DecisionStore;
  const handler = createProcessInquiryHandler({
    persona,
    decisions,
    events: { latestReportMatchEvents: async () => [] },
    policy: defaultPolicy,
    clock: createManualClock(T0),
    random: () => 0.5,
    polling: { timeoutMs: 60_000, minDelayMs: 100, maxDelayMs: 1_000 },
    personaOutageBudgetMs: 60_000,
  });
  const spec = processInquiryJob({
    eventId: 'evt_1',
    eventName: 'inquiry.completed',
    inquiryId: 'inq_1',
    eventCreatedAt: '2026-11-29T09:59:00.000Z',
    now: T0,
  });
  const job: Job = { id: 1, ...spec, attempts: 1, lockedBy: 'w', createdAt: T0 };
  const context = (handedOver: boolean): JobContext => ({
    log: createLogger('silent'),
    finishWithin: async () => undefined,
    claim: { workerId: 'w', leaseMs: 60_000 },
    handedOver,
  });
  return { order, ref, run: (handedOver: boolean) => handler(spec.payload, job, context(handedOver)) };
}

describe('process_inquiry: when Persona is asked', () => {
  it('asks at once for a job handed over at intake, beside its checks; a check that stops it drops the answer', async () => {
    const { order, ref, run } = setUp();
    const outcome = run(true);
    await Promise.resolve();
    // the checks' first read is still open, and Persona has been asked already
    expect(order).toEqual(['persona GET', 'latest decision read']);
    ref.resolve(null);
    expect(await outcome).toEqual({ type: 'done' });
    expect(order).toEqual(['persona GET', 'latest decision read', 'newer event read']);
  });

  it('asks only after the checks for any other job: a stopped one costs no Persona call', async () => {
    const { order, ref, run } = setUp();
    const outcome = run(false);
    await Promise.resolve();
    expect(order).toEqual(['latest decision read']);
    ref.resolve(null);
    expect(await outcome).toEqual({ type: 'done' });
    expect(order).toEqual(['latest decision read', 'newer event read']);
  });
});
