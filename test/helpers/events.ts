import { setTimeout as delay } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

/**
 * Event-driven waiting for tests: the code under test (or a callback it calls) records what happened, and the test
 * awaits a condition over the records. The condition is checked when something is recorded, never on a timer, so a
 * busy machine only makes a wait take longer; the test timeout is its one bound.
 */
export interface Recorder<T> {
  /** Everything recorded so far, in order. */
  readonly items: readonly T[];
  push(item: T): void;
  /** Resolves once `condition` holds over the records (at once when it already does). */
  until(condition: (items: readonly T[]) => boolean): Promise<void>;
  /** Resolves once at least `n` items have been recorded. */
  count(n: number): Promise<void>;
}

export function createRecorder<T>(): Recorder<T> {
  const items: T[] = [];
  let waiters: { condition: (items: readonly T[]) => boolean; resolve: () => void }[] = [];
  const until = (condition: (items: readonly T[]) => boolean): Promise<void> => {
    if (condition(items)) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ condition, resolve }));
  };
  return {
    items,
    push(item) {
      items.push(item);
      const ready = waiters.filter((w) => w.condition(items));
      waiters = waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve();
    },
    until,
    count: (n) => until((all) => all.length >= n),
  };
}

/** A logger whose lines (raw JSON) are recorded as they are written, so a test can await a line. */
export function createRecordingLogger(level = 'debug'): { logger: Logger; lines: Recorder<string> } {
  const lines = createRecorder<string>();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.length > 0) lines.push(line);
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

/**
 * For what only another process can make true (a database server back up, a child process's progress over HTTP):
 * checks `condition` every `intervalMs` until it holds. It has no deadline of its own: the test's timeout, set
 * generously, is the one bound, so a busy machine makes the wait longer instead of failing it.
 */
export async function pollUntil(condition: () => boolean | Promise<boolean>, intervalMs = 50): Promise<void> {
  while (!(await condition())) await delay(intervalMs);
}
