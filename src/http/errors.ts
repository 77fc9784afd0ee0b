import type { FastifyError, FastifyInstance } from 'fastify';
import { type AppError, ErrorCodes, isAppError } from '../errors.js';

/** The one error handler: `{ error: { code, message } }`, client errors explained, server errors generic. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const { statusCode, code, message } = classify(error);
    if (statusCode >= 500) request.log.error({ err: error, code }, 'request failed');
    else request.log.info({ code, statusCode }, 'request rejected');
    return reply.status(statusCode).send({ error: { code, message } });
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).send({ error: { code: ErrorCodes.NOT_FOUND, message: 'no such route' } }),
  );
}

function classify(error: FastifyError | AppError): { statusCode: number; code: string; message: string } {
  if (isAppError(error)) {
    return { statusCode: error.statusCode, code: error.code, message: error.statusCode >= 500 ? 'internal error' : error.message };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { statusCode: 413, code: ErrorCodes.BODY_TOO_LARGE, message: 'request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { statusCode: 415, code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE, message: 'content type must be application/json' };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { statusCode: status, code: ErrorCodes.BAD_REQUEST, message: error.message };
  return { statusCode: 500, code: ErrorCodes.INTERNAL, message: 'internal error' };
}
