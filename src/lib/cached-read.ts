import type { Clock } from './clock.js';

/**
 * Wraps an expensive read so that callers within `ttlMs` of the last one share its answer (or its failure), and
 * concurrent callers share the one read in flight. The result is a promise: a failure is not retried before the
 * time is up either, so a down database is asked at most once per `ttlMs`.
 */
export function createCachedRead<T>(
  read: () => Promise<T>,
  options: { ttlMs: number; clock: Clock },
): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = options.clock.now();
    if (last && now - last.at < options.ttlMs && now >= last.at) return last.value;
    const value = read();
    // a rejection is handled by whoever awaits it; this only keeps an unawaited copy from being "unhandled"
    value.catch(() => undefined);
    last = { at: now, value };
    return value;
  };
}
