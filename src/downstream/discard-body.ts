/** Reading a small body lets undici return the socket to the keep-alive pool; beyond this we stop paying. */
const MAX_DRAIN_BYTES = 64 * 1024;

/**
 * Consumes and discards a response body so its connection is released, without buffering it and without
 * letting a chatty or endless body hold the caller: past the limit the stream is cancelled (closing the socket).
 * The status is already known, so a failure while reading changes nothing and is ignored.
 */
export async function discardBody(response: Response, maxBytes = MAX_DRAIN_BYTES): Promise<void> {
  if (response.body === null) return;
  const reader = response.body.getReader();
  try {
    let seen = 0;
    while (seen <= maxBytes) {
      const chunk = await reader.read();
      if (chunk.done) return;
      seen += chunk.value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A reset or timeout mid-body: nothing left to release, and the delivery outcome is already decided.
  }
}
