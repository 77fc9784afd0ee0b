import { describe, expect, it } from 'vitest';
import { describeFetchError, isRetryableStatus, isSuccessStatus } from '../../src/downstream/classify.js';

describe('downstream status classification', () => {
  it.each([
    [200, true, false],
    [204, true, false],
    [299, true, false],
    [301, false, false],
    [304, false, false],
    [400, false, false],
    [401, false, false],
    [404, false, false],
    [408, false, true],
    [410, false, false],
    [422, false, false],
    [429, false, true],
    [500, false, true],
    [502, false, true],
    [503, false, true],
    [599, false, true],
  ])('treats HTTP %i as success=%s, retryable=%s', (status, success, retryable) => {
    expect(isSuccessStatus(status)).toBe(success);
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('describeFetchError', () => {
  const coded = (code: string): Error => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

  it('names a timeout with its budget', () => {
    expect(describeFetchError(new DOMException('aborted due to timeout', 'TimeoutError'), 10_000)).toBe(
      'timeout after 10000 ms',
    );
  });

  it('surfaces the socket error code that undici nests under "fetch failed"', () => {
    expect(describeFetchError(new TypeError('fetch failed', { cause: coded('ECONNREFUSED') }), 1)).toBe('ECONNREFUSED');
    const dualStack = new AggregateError([coded('ECONNREFUSED')], 'all attempts failed');
    expect(
      describeFetchError(
        new TypeError('fetch failed', { cause: Object.assign(dualStack, { code: 'ECONNREFUSED' }) }),
        1,
      ),
    ).toBe('ECONNREFUSED');
  });

  it('falls back to a truncated message when there is no code', () => {
    const text = describeFetchError(new Error(`socket hang up ${'x'.repeat(500)}`), 1);
    expect(text.startsWith('network error: socket hang up')).toBe(true);
    expect(text.length).toBeLessThan(150);
  });

  it('copes with thrown non-errors', () => {
    expect(describeFetchError('boom', 1)).toBe('network error: boom');
  });
});
