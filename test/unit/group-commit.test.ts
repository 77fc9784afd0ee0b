import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/lib/group-commit.js';

/** A batch writer whose batches complete only when the test says so. */
function controlledWriter(fail: (item: number) => boolean = () => false) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const writeBatch = (items: readonly number[]) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push([...items]);
      releases.push(() => (items.some(fail) ? reject(new Error(`bad item in ${items.join(',')}`)) : resolve(items.map((i) => i * 10))));
    });
  return { batches, writeBatch, releaseNext: () => releases.shift()?.() };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('createGroupCommit', () => {
  it('writes a lone item at once, in a batch of one', async () => {
    const w = controlledWriter();
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100 });
    const result = write(1);
    await flush();
    expect(w.batches).toEqual([[1]]);
    w.releaseNext();
    await expect(result).resolves.toBe(10);
  });

  it('gathers items that arrive during a write into the next batch', async () => {
    const w = controlledWriter();
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100 });
    const results = [write(1), write(2), write(3), write(4)];
    await flush();
    expect(w.batches).toEqual([[1]]);
    w.releaseNext();
    await flush();
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.releaseNext();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40]);
  });

  it('caps batches at maxBatch', async () => {
    const w = controlledWriter();
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 2 });
    const results = [1, 2, 3, 4, 5].map(write);
    for (let i = 0; i < 4; i++) {
      await flush();
      w.releaseNext();
    }
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50]);
    expect(w.batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const w = controlledWriter((i) => i === 3);
    const write = createGroupCommit({ writeBatch: w.writeBatch, maxBatch: 100 });
    const first = write(1);
    const rest = [2, 3, 4].map((i) => write(i).then((v) => ({ ok: v }), (e: Error) => ({ err: e.message })));
    for (let i = 0; i < 6; i++) {
      await flush();
      w.releaseNext();
    }
    await expect(first).resolves.toBe(10);
    expect(await Promise.all(rest)).toEqual([{ ok: 20 }, { err: 'bad item in 3' }, { ok: 40 }]);
    expect(w.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });
});
