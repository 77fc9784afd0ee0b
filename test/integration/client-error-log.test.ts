import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, TEST_API_TOKEN, type TestContext } from '../helpers/test-app.js';

/** Sends raw bytes to the listening app and resolves with everything it answers, once it closes the connection. */
function sendRaw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

let ctx: TestContext;
let port: number;
beforeEach(async () => {
  ctx = await createTestContext({ logLevel: 'trace', env: { LOG_LEVEL: 'trace' } });
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const address = ctx.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  port = address.port;
});
afterEach(async () => {
  await ctx.cleanup();
});

describe('a malformed request at LOG_LEVEL=trace', () => {
  it('is answered 400 and logged without its raw bytes: no token, no signature, no body', async () => {
    const signature = 't=1795946400,v1=' + 'ab'.repeat(32);
    const body = '{"data":{"attributes":{"name-first":"Alexandria"}}}';
    const malformed =
      'POST /webhooks/persona HTTP/1.1\r\nHost: x\r\n' +
      `Authorization: Bearer ${TEST_API_TOKEN}\r\nPersona-Signature: ${signature}\r\n` +
      `Content-Length: ${body.length}\r\nBroken Header Without Colon\r\n\r\n${body}`;
    const answer = await sendRaw(port, malformed);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);

    const logged = ctx.logLines.find((line) => line.includes('client error'));
    expect(logged).toBeDefined();
    const text = ctx.logLines.join('\n');
    for (const secret of [TEST_API_TOKEN, signature, 'Alexandria']) expect(text).not.toContain(secret);
    // nor as the bytes of a serialized Buffer (pino writes a Buffer as its numbers)
    expect(text).not.toContain('rawPacket');
    const tokenBytes = [...Buffer.from(TEST_API_TOKEN)].join(',');
    expect(text).not.toContain(tokenBytes);
  });

  it('drops rawPacket from any error the logger serializes', () => {
    const error = Object.assign(new Error('Parse Error'), {
      code: 'HPE_INVALID_HEADER_TOKEN',
      rawPacket: Buffer.from(`Authorization: Bearer ${TEST_API_TOKEN}`),
    });
    ctx.logger.error({ err: error }, 'something failed');
    const line = JSON.parse(ctx.logLines.at(-1) ?? '{}') as { err?: Record<string, unknown> };
    expect(line.err).toMatchObject({ message: 'Parse Error', code: 'HPE_INVALID_HEADER_TOKEN' });
    expect(line.err).not.toHaveProperty('rawPacket');
  });
});
