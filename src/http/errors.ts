import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { AppError, type ErrorCode, ErrorCodes, isAppError } from '../errors.js';
import type { ErrorBody } from './schemas.js';

/** The one way an error answer is written (the error handler, and /readyz, which adds its status beside it). */
export function toErrorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * The one error handler. Routes throw AppErrors; Fastify's own errors (validation, body limits, content types)
 * are translated to the same codes. Client errors are explained, server errors generic unless written for clients.
 * Logging: failures at error; rejections a route threw on purpose at debug (a route logs what is worth a line
 * itself, with context, as the webhook does); the rest (Fastify's own 4xx) at info.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError | AppError, request, reply) => {
    const error = toAppError(thrown);
    if (error.statusCode >= 500) request.log.error({ err: thrown, code: error.code }, 'request failed');
    else
      request.log[isAppError(thrown) ? 'debug' : 'info'](
        { code: error.code, statusCode: error.statusCode },
        'request rejected',
      );
    return reply
      .status(error.statusCode)
      .send(toErrorBody(error.code, error.expose ? error.message : 'internal error'));
  });
  app.setNotFoundHandler(() => {
    throw new AppError(ErrorCodes.NOT_FOUND, 'no such route');
  });
}

function toAppError(error: FastifyError | AppError): AppError {
  if (isAppError(error)) return error;
  if (error.validation)
    return new AppError(ErrorCodes.BAD_REQUEST, describeValidation(error.validationContext, error.validation));
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(ErrorCodes.BODY_TOO_LARGE, 'request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'content type must be application/json');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new AppError(ErrorCodes.BAD_REQUEST, error.message, { statusCode: status });
  return new AppError(ErrorCodes.INTERNAL, error.message, { cause: error });
}

/**
 * A path parameter's schema says in its message which id is malformed ('malformed inquiry id'); query strings and
 * bodies list each field with its problem: 'invalid query: limit Too small: expected number to be >=1'.
 */
function describeValidation(context: string | undefined, issues: FastifySchemaValidationError[]): string {
  if (context === 'params') return issues.map((issue) => issue.message).join('; ');
  const fields = issues.map((issue) =>
    `${issue.instancePath.slice(1).replaceAll('/', '.')} ${issue.message ?? ''}`.trim(),
  );
  return `invalid ${context === 'querystring' ? 'query' : (context ?? 'request')}: ${fields.join('; ')}`;
}
