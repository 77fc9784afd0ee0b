import { describe, expect, it } from 'vitest';
import { discardBody } from '../../src/downstream/discard-body.js';

/** A body that counts how many chunks were pulled and whether it was cancelled. */
function countingBody(chunkCount: number, chunkBytes: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunkCount) return controller.close();
      state.pulled += 1;
      controller.enqueue(new Uint8Array(chunkBytes));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { response: new Response(stream), state };
}

describe('discardBody', () => {
  it('reads a small body to the end so the connection can be reused', async () => {
    const { response, state } = countingBody(3, 100);
    await discardBody(response);
    expect(state).toEqual({ pulled: 3, cancelled: false });
    expect(response.bodyUsed).toBe(true);
  });

  it('cancels an oversized body instead of reading it all', async () => {
    const { response, state } = countingBody(1000, 1024);
    await discardBody(response, 4096);
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(10);
  });

  it('ignores a body that fails mid-stream', async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('ECONNRESET'));
      },
    });
    await expect(discardBody(new Response(failing))).resolves.toBeUndefined();
  });

  it('does nothing for a response without a body', async () => {
    await expect(discardBody(new Response(null, { status: 204 }))).resolves.toBeUndefined();
  });
});
