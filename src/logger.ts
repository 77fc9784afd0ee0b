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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
