import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Log ids, never payloads: Persona payloads carry names, birthdates, ID numbers and addresses. Request bodies are
 * never logged; these paths are redacted in case a header or secret ever reaches a log object.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["persona-signature"]',
  'req.headers["webhook-signature"]',
  'headers.authorization',
  'headers["persona-signature"]',
  'authorization',
  'signature',
  'secret',
  'apiKey',
  'body',
  'payload',
];

/**
 * pino's error serializer, without `rawPacket`: Node attaches the raw bytes of a malformed request to its client
 * error (bearer tokens, signatures, a webhook body). http/client-error.ts never logs that error; this is the net.
 */
function serializeError(error: unknown): unknown {
  const serialized: unknown = pino.stdSerializers.err(error as Error);
  if (typeof serialized !== 'object' || serialized === null) return serialized; // a thrown string, a number…
  const { rawPacket: _dropped, ...rest } = serialized as Record<string, unknown>;
  return rest;
}

function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { service: 'persona-decider' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/**
 * By default to stdout, buffered: up to 4 KiB of lines go out in one write, made off the event loop, instead of a
 * write(2) per line on it (one line per webhook at info). A timer writes out whatever waits every 100 ms, so a quiet
 * service still logs at once to the eye; pino writes out what is left when the process exits, a crash's exit included
 * (https://github.com/pinojs/pino/blob/main/docs/asynchronous.md). A SIGKILL loses at most those last 100 ms of lines.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  if (destination) return pino(loggerOptions(level), destination);
  const logger = pino(loggerOptions(level), pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES }));
  setInterval(() => logger.flush(), LOG_FLUSH_INTERVAL_MS).unref();
  return logger;
}

const LOG_BUFFER_BYTES = 4096;
/** The longest a line waits in the buffer (benchmarks read a running service's log once this has passed). */
export const LOG_FLUSH_INTERVAL_MS = 100;
