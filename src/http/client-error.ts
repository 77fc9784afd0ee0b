import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';

/**
 * Node's `clientError` (a request that is not HTTP, headers too large, a timeout), answered as Fastify's default
 * handler does, but logged without the error object: Node attaches the raw bytes received (`err.rawPacket`), which
 * carry bearer tokens, the webhook signature and PII from the body, and Fastify's default logs them at trace level.
 */
export function createClientErrorHandler(logger: Pick<Logger, 'debug'>): (error: Error, socket: Socket) => void {
  return (error, socket) => {
    const code = (error as Error & { code?: unknown }).code;
    // a reset connection has nobody left to answer
    if (code === 'ECONNRESET' || socket.destroyed) return;
    const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    logger.debug({ code: typeof code === 'string' ? code : undefined, status }, 'client error: malformed request');
    if (socket.writable) {
      const body = JSON.stringify({ error: { code: 'BAD_REQUEST', message: STATUS_CODES[status] } });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
