import { describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../src/sim/faults.js';

const none = { scenario: null, inquiryId: null };
const inquiry = (id: string) => ({ scenario: 'all-passed' as const, inquiryId: id });

describe('fault injector', () => {
  it('serves everything when no fault is configured', () => {
    expect(createFaultInjector({}, () => 0).decide(none)).toEqual({ latencyMs: 0, answer: null });
  });

  it('spends global counted faults across all requests', () => {
    const faults = createFaultInjector({ global: { serverErrors: 2, serverErrorStatus: 502 } }, () => 0.5);
    const answers = [faults.decide(inquiry('a')), faults.decide(inquiry('b')), faults.decide(inquiry('a'))].map(
      (v) => v.answer,
    );
    expect(answers).toEqual([{ kind: 'server-error', status: 502 }, { kind: 'server-error', status: 502 }, null]);
  });

  it('spends per-scenario counted faults per inquiry, and only for that scenario', () => {
    const faults = createFaultInjector({ scenarios: { 'all-passed': { rateLimited: 1 } } }, () => 0.5);
    expect(faults.decide(inquiry('a')).answer).toEqual({ kind: 'rate-limited', resetSeconds: 1 });
    expect(faults.decide(inquiry('a')).answer).toBeNull();
    expect(faults.decide(inquiry('b')).answer?.kind).toBe('rate-limited');
    expect(faults.decide({ scenario: 'watchlist-hit', inquiryId: 'c' }).answer).toBeNull();
  });

  it('adds global and scenario latency', () => {
    const faults = createFaultInjector(
      { global: { latencyMs: 50 }, scenarios: { 'all-passed': { latencyMs: 25 } } },
      () => 0.5,
    );
    expect(faults.decide(inquiry('a')).latencyMs).toBe(75);
    expect(faults.decide(none).latencyMs).toBe(50);
  });

  it('answers with the configured probability using the injected random', () => {
    const rolls = [0.1, 0.9];
    const faults = createFaultInjector({ global: { serverErrorProbability: 0.5 } }, () => rolls.shift() ?? 1);
    expect(faults.decide(none).answer).toEqual({ kind: 'server-error', status: 503 });
    expect(faults.decide(none).answer).toBeNull();
  });

  it('starts counting again after reset or a new configuration', () => {
    const faults = createFaultInjector({ global: { serverErrors: 1 } }, () => 0.5);
    faults.decide(none);
    faults.reset();
    expect(faults.decide(none).answer).not.toBeNull();
    faults.set({ global: { rateLimited: 1, rateLimitedResetSeconds: 7 } });
    expect(faults.decide(none).answer).toEqual({ kind: 'rate-limited', resetSeconds: 7 });
  });

  it('rejects an unknown option or scenario instead of ignoring it', () => {
    expect(() => createFaultInjector({ global: { latency: 5 } } as never, () => 0)).toThrow();
    expect(() => createFaultInjector({ scenarios: { nope: {} } } as never, () => 0)).toThrow();
  });
});
