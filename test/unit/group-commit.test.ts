import { describe, expect, it } from 'vitest';
import { createGroupCommit, GroupCommitOverloadedError } from '../../src/lib/group-commit.js';

/** A batch writer whose batches complete only when the test says so. */
function controlledWriter(fail: (item: number) => boolean = () => false) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const writeBatch = (items: readonly number[]) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push([...items]);
      releases.push(() =>
        items.some(fail) ? reject(new Error(`bad item in ${items.join(',')}`)) : resolve(items.map((i) => i * 10)),
      );
    });
  return { batches, writeBatch, releaseNext: () => releases.shift()?.() };
}

/** Lets the event loop turn (the group commit waits one turn before writing a batch). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('createGroupCommit', () => {
  it('writes a lone item after one event-loop turn, in a batch of one', async () => {
    const w = controlledWriter();
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100 });
    const result = write(1);
    await turn();
    expect(w.batches).toEqual([[1]]);
    w.releaseNext();
    await expect(result).resolves.toBe(10);
  });

  it('puts items that arrive together in one batch, and items arriving during a write in the next', async () => {
    const w = controlledWriter();
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100 });
    const first = [write(1), write(2)];
    await turn();
    expect(w.batches).toEqual([[1, 2]]);
    const second = [write(3), write(4), write(5)];
    await turn();
    expect(w.batches).toEqual([[1, 2]]); // still writing the first batch
    w.releaseNext();
    await turn();
    await turn();
    expect(w.batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    w.releaseNext();
    await expect(Promise.all([...first, ...second])).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it('caps batches at maxBatch', async () => {
    const w = controlledWriter();
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 2 });
    const results = [1, 2, 3, 4, 5].map(write);
    for (let i = 0; i < 3; i++) {
      await turn();
      await turn();
      w.releaseNext();
    }
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50]);
    expect(w.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const w = controlledWriter((i) => i === 3);
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100 });
    const results = [1, 2, 3, 4].map((i) =>
      write(i).then(
        (v) => ({ ok: v }),
        (e: Error) => ({ err: e.message }),
      ),
    );
    for (let i = 0; i < 5; i++) {
      await turn();
      await turn();
      w.releaseNext();
    }
    expect(await Promise.all(results)).toEqual([{ ok: 10 }, { ok: 20 }, { err: 'bad item in 3' }, { ok: 40 }]);
    expect(w.batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('fails the whole batch at once when the error is not about one item (the database is down)', async () => {
    const w = controlledWriter(() => true);
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100, isItemError: () => false });
    const results = [1, 2, 3].map((i) =>
      write(i).then(
        () => 'ok',
        () => 'failed',
      ),
    );
    await turn();
    w.releaseNext();
    expect(await Promise.all(results)).toEqual(['failed', 'failed', 'failed']);
    expect(w.batches).toEqual([[1, 2, 3]]);
  });

  it('refuses new writes at once when maxPending are already waiting', async () => {
    const w = controlledWriter();
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100, maxPending: 2 });
    const accepted = [write(1), write(2)];
    await expect(write(3)).rejects.toBeInstanceOf(GroupCommitOverloadedError);
    await turn();
    w.releaseNext();
    await expect(Promise.all(accepted)).resolves.toEqual([10, 20]);
  });

  describe('whenDurable (the fsync runs elsewhere)', () => {
    /** A durability barrier that completes only when the test says so. */
    function controlledSync() {
      const releases: ((error?: Error) => void)[] = [];
      const whenDurable = () =>
        new Promise<void>((resolve, reject) => releases.push((error) => (error ? reject(error) : resolve())));
      return { whenDurable, started: () => releases.length, release: (error?: Error) => releases.shift()?.(error) };
    }

    it('answers a batch only once it is durable, and writes the next batch meanwhile', async () => {
      const w = controlledWriter();
      const sync = controlledSync();
      const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100, whenDurable: sync.whenDurable });
      let firstSettled = false;
      const first = write(1).finally(() => (firstSettled = true));
      await turn();
      w.releaseNext(); // batch [1] committed: its fsync starts
      await turn();
      expect(sync.started()).toBe(1);
      const second = write(2);
      await turn();
      await turn();
      expect(w.batches).toEqual([[1], [2]]); // written while [1]'s fsync still runs
      expect(firstSettled).toBe(false);
      sync.release();
      await expect(first).resolves.toBe(10);
      w.releaseNext();
      await turn();
      sync.release();
      await expect(second).resolves.toBe(20);
    });

    it('fails every caller of a batch whose fsync fails, and every batch after it, without writing again', async () => {
      const w = controlledWriter();
      const sync = controlledSync();
      const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100, whenDurable: sync.whenDurable });
      const first = [write(1), write(2)];
      await turn();
      w.releaseNext();
      await turn();
      const second = write(3); // written while the first batch's fsync runs: its frames follow the failed ones
      await turn();
      await turn();
      w.releaseNext();
      await turn();
      sync.release(new Error('EIO'));
      sync.release(); // a later fsync that succeeds does not make the second batch durable
      const eio = { status: 'rejected', reason: new Error('EIO') };
      await expect(Promise.allSettled([...first, second])).resolves.toEqual([eio, eio, eio]);
      const third = write(4); // after the failure: refused without being written
      await expect(third).rejects.toThrow('EIO');
      expect(w.batches).toEqual([[1, 2], [3]]); // neither retried item by item nor written after the failure
    });

    it('fails the batch, once written, when the wait throws synchronously', async () => {
      const w = controlledWriter();
      const whenDurable = (): Promise<void> => {
        throw new Error('no WAL file');
      };
      const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100, whenDurable });
      const results = [write(1), write(2)];
      await turn();
      w.releaseNext();
      await expect(Promise.allSettled(results)).resolves.toEqual([
        { status: 'rejected', reason: new Error('no WAL file') },
        { status: 'rejected', reason: new Error('no WAL file') },
      ]);
      expect(w.batches).toEqual([[1, 2]]); // committed once, not split and written again
    });

    it('waits for durability of each item retried alone after a bad item', async () => {
      const w = controlledWriter((item) => item === 2);
      const sync = controlledSync();
      const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100, whenDurable: sync.whenDurable });
      const settledResults = Promise.allSettled([write(1), write(2)]);
      await turn();
      w.releaseNext(); // [1, 2] fails on item 2: each is retried alone
      for (let i = 0; i < 4; i++) await turn();
      w.releaseNext(); // [1] written
      for (let i = 0; i < 4; i++) await turn();
      w.releaseNext(); // [2] fails
      for (let i = 0; i < 4; i++) await turn();
      expect(sync.started()).toBe(1); // only [1] was written, so only it waits
      sync.release();
      const settled = await settledResults;
      expect(settled[0]).toEqual({ status: 'fulfilled', value: 10 });
      expect(settled[1]?.status).toBe('rejected');
      expect(w.batches).toEqual([[1, 2], [1], [2]]);
    });
  });
});
