import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as signature from '../../src/persona/signature.js';
import { buildInquiryEventBody, signedWebhookRequest } from '../helpers/persona-webhook.js';
import { createTestContext, TEST_WEBHOOK_SECRET, type TestContext } from '../helpers/test-app.js';

vi.mock('../../src/persona/signature.js', async (importOriginal) => {
  const actual = await importOriginal<typeof signature>();
  return { ...actual, verifyPersonaSignature: vi.fn(actual.verifyPersonaSignature) };
});
const verify = vi.mocked(signature.verifyPersonaSignature);

let ctx: TestContext;
beforeEach(async () => {
  ctx = await createTestContext();
  verify.mockClear();
});
afterEach(async () => {
  await ctx.cleanup();
});

const nowSeconds = () => Math.floor(ctx.clock.now() / 1000);
const v1 = 'ab'.repeat(32);
const reasons = ['missing', 'malformed', 'stale', 'future'] as const;

/** A body whose first read fails the request: were it ever consumed, the answer would not be a 401. */
function bodyThatMustNotBeRead(reads: { count: number }): Readable {
  return new Readable({
    read() {
      reads.count += 1;
      this.destroy(new Error('the body was read'));
    },
  });
}

describe('POST /webhooks/persona refuses an unauthenticated request before reading its body', () => {
  it.each(reasons)('%s Persona-Signature: 401, body untouched, no HMAC', async (reason) => {
    const headers = headersFor(reason);
    const reads = { count: 0 };
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/persona',
      headers: { 'content-type': 'application/json', 'content-length': String(1024 * 1024), ...headers },
      payload: bodyThatMustNotBeRead(reads),
    });
    expect([res.statusCode, res.json().error.code]).toEqual([401, 'SIGNATURE_INVALID']);
    expect(res.headers.connection).toBe('close');
    expect(reads.count).toBe(0);
    expect(verify).not.toHaveBeenCalled();
    const rejected = ctx.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'webhook rejected: signature');
    expect(rejected).toMatchObject({ level: 40, reason });
  });

  it('answers over a real socket before a declared 1 MiB body is sent, and closes the connection', async () => {
    await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const address = ctx.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(address.port, '127.0.0.1', () => {
        // the headers only: the body never comes, so a server that waited for it would never answer
        socket.write(
          'POST /webhooks/persona HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            `Content-Length: ${1024 * 1024}\r\n\r\n`,
        );
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text)); // the server closed it: nothing more is read from this client
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(verify).not.toHaveBeenCalled();
  });

  it('still verifies the signature itself on the raw body when the header passes the precheck', async () => {
    const request = signedWebhookRequest(buildInquiryEventBody(), {
      secrets: ['wbhsec_attacker_secret'],
      timestampSeconds: nowSeconds(),
    });
    const res = await ctx.app.inject({ method: 'POST', url: '/webhooks/persona', ...request });
    expect(res.statusCode).toBe(401);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.results[0]?.value).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts a genuine webhook signed within the window', async () => {
    const request = signedWebhookRequest(buildInquiryEventBody(), {
      secrets: [TEST_WEBHOOK_SECRET],
      timestampSeconds: nowSeconds() - 3600, // older than the tolerance, within the maximum age
    });
    const res = await ctx.app.inject({ method: 'POST', url: '/webhooks/persona', ...request });
    expect(res.json()).toMatchObject({ received: true, status: 'stored' });
  });
});

function headersFor(reason: string): Record<string, string> {
  const now = nowSeconds();
  const byReason: Record<string, Record<string, string>> = {
    missing: {},
    malformed: { 'persona-signature': 'sha256=deadbeef' },
    stale: { 'persona-signature': `t=${now - 4 * 24 * 3600},v1=${v1}` },
    future: { 'persona-signature': `t=${now + 3600},v1=${v1}` },
  };
  return byReason[reason] ?? {};
}
