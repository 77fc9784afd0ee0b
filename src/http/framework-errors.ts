import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../errors.js';
import { PERSONA_ID_MAX_LENGTH } from '../persona/ids.js';
import { toErrorBody } from './errors.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/**
 * The router's own refusals, answered like every other error (Fastify's defaults are a 414 or 400 with a body of
 * their own that echoes the path). A path parameter longer than the router's limit is no id of ours: its route's
 * schema would refuse it anyway, with the same 400.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? `malformed path parameter: ids have at most ${PERSONA_ID_MAX_LENGTH} characters`
      : 'malformed URL';
  request.log.info({ code: error.code }, 'request rejected by the router');
  void reply.header(REQUEST_ID_HEADER, request.id).status(400).send(toErrorBody(ErrorCodes.BAD_REQUEST, message));
}
