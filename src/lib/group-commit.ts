/**
 * Group commit: callers arriving while a batch is being written wait for the next batch, which then carries all
 * of them in one transaction (one fsync instead of one per caller). Under no load a batch holds one item and
 * waits one event-loop turn, never a timer; under load, batches grow by themselves and throughput follows.
 *
 * If a batch fails, its items are retried one by one so that one bad item cannot fail its neighbours; each caller
 * gets its own item's result or error.
 */
export interface GroupCommitOptions<I, O> {
  /** Writes all items in one transaction; returns one result per item, in order. */
  writeBatch: (items: readonly I[]) => Promise<O[]>;
  /** Most items in one batch (bounds transaction size and latency). */
  maxBatch: number;
  /**
   * Whether a failed batch may be the fault of one of its items (a constraint or data error): then the items are
   * retried one by one. Anything else (the database is down) fails the whole batch at once. Default: always split.
   */
  isItemError?: (error: unknown) => boolean;
  /** Callers waiting beyond this are refused at once (back-pressure while the database is slow). Default: no bound. */
  maxPending?: number;
  /**
   * When a committed batch is not yet durable (its fsync runs elsewhere): called once the batch is written, and its
   * callers get their results only when it resolves (all fail if it rejects). The next batch is written meanwhile,
   * so one batch's fsync overlaps the next batch's work. Once a wait has failed, every batch still waiting and every
   * later one fails with the same error (nothing after a failed fsync is known to be on disk). A wait that never
   * settles leaves its callers waiting: it must end. The service's intake does not use it (it measured no gain
   * on SQLite: docs/benchmarks.md, third pass); the benchmark's durable floor with its fsync off the event loop does.
   */
  whenDurable?: () => Promise<void>;
}

/** Thrown to callers when `maxPending` are already waiting. */
export class GroupCommitOverloadedError extends Error {
  constructor() {
    super('too many writes waiting; try again later');
    this.name = 'GroupCommitOverloadedError';
  }
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit<I, O>(options: GroupCommitOptions<I, O>): (item: I) => Promise<O> {
  const queue: Pending<I, O>[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (queue.length > 0) {
        // Let requests already received reach the queue first: a synchronous driver (better-sqlite3) writes a whole
        // batch without yielding, so without this turn every batch would hold exactly one item.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = queue.splice(0, options.maxBatch);
        await writeOrSplit(batch);
      }
    } finally {
      writing = false;
    }
  }

  // The first failed durability wait, kept: after a failed fsync nothing written since can be trusted to be on disk
  // (Linux may drop the unwritten pages and report the error once; a WAL's frames are only valid in sequence), so
  // every batch waiting then or written later fails with it.
  let durabilityError: { error: unknown } | null = null;

  async function writeOrSplit(batch: Pending<I, O>[]): Promise<void> {
    const rejectAll = (error: unknown): void => {
      for (const p of batch) p.reject(error);
    };
    const resolveAll = (results: O[]): void => batch.forEach((p, i) => p.resolve(results[i] as O));
    if (durabilityError) return rejectAll(durabilityError.error);
    let results: O[];
    try {
      results = await options.writeBatch(batch.map((p) => p.item));
    } catch (error) {
      if (batch.length === 1 || !(options.isItemError ?? (() => true))(error)) return rejectAll(error);
      for (const p of batch) await writeOrSplit([p]);
      return;
    }
    const whenDurable = options.whenDurable;
    if (whenDurable === undefined) return resolveAll(results);
    // committed: whatever the wait does (even a synchronous throw), the batch is never written again
    void Promise.resolve()
      .then(() => whenDurable())
      .then(
        () => (durabilityError ? rejectAll(durabilityError.error) : resolveAll(results)),
        (error: unknown) => {
          durabilityError ??= { error };
          rejectAll(durabilityError.error);
        },
      );
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (options.maxPending !== undefined && queue.length >= options.maxPending) {
        reject(new GroupCommitOverloadedError());
        return;
      }
      queue.push({ item, resolve, reject });
      if (!writing) void drain();
    });
}
