import { z } from 'zod';
import { type ErrorCode, ErrorCodes, errorCodesAnsweredWith } from '../../errors.js';
import { type Given, toExamplesMeta } from './named-examples.js';

export interface ErrorExample {
  summary: string;
  code: ErrorCode;
  message: string;
  given?: Given;
}

const ALL_CODES = Object.values(ErrorCodes);

/**
 * The error body `{ error: { code, message } }` of one status, its `code` narrowed to the codes answered with that
 * status (src/errors.ts), with a description and named examples. Fastify serializes error answers with it, so a
 * route cannot answer a status with a code the contract does not list for it. `status` 'default' is any other
 * answer (every code).
 */
export function errorResponse(
  status: number | 'default',
  description: string,
  examples: Record<string, ErrorExample>,
  headers?: Record<string, object>,
) {
  const codes = status === 'default' ? ALL_CODES : errorCodesAnsweredWith(status);
  if (codes.length === 0) throw new Error(`no error code is answered with HTTP ${status} (src/errors.ts)`);
  const named = Object.fromEntries(
    Object.entries(examples).map(([name, { code, message, ...example }]) => [
      name,
      { ...example, value: { error: { code, message } } },
    ]),
  );
  return z
    .object({ error: z.object({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]), message: z.string() }) })
    .meta({ 'x-response-description': description, ...toExamplesMeta(named), ...(headers ? { headers } : {}) });
}

/** A 400 example of a query string: the message the error handler writes, naming the field and its problem. */
export function badQueryExample(summary: string, problem: string): ErrorExample {
  return { summary, code: 'BAD_REQUEST', message: `invalid query: ${problem}` };
}

/** The 400 examples of the paged lists' `limit` and `cursor`. */
export const pageQueryExamples = {
  tooSmallLimit: badQueryExample('limit=0', 'limit Too small: expected number to be >=1'),
  badCursor: badQueryExample('A made-up cursor', 'cursor is not a cursor from a previous page'),
};

/** 400 of the routes with `:inquiryId`. */
export const malformedInquiryIdResponse = errorResponse(400, 'A malformed inquiry id.', {
  malformed: { summary: 'Not a Persona id', code: 'BAD_REQUEST', message: 'malformed inquiry id' },
});

/** A 401 of a route behind a bearer token: `UNAUTHORIZED` with RFC 6750's `WWW-Authenticate: Bearer`. */
export function bearerUnauthorizedResponse(description: string) {
  return errorResponse(
    401,
    description,
    {
      noToken: {
        summary: 'Without a token',
        given: 'no-token',
        code: 'UNAUTHORIZED',
        message: 'a valid bearer token is required',
      },
    },
    {
      'www-authenticate': {
        type: 'string',
        const: 'Bearer',
        description: 'RFC 6750: the scheme to authenticate with.',
      },
    },
  );
}

/** 401 of the operator routes (bearer auth). */
export const unauthorizedResponse = bearerUnauthorizedResponse('No bearer token, or not one of `API_TOKENS`.');

/** 403 of an operator action: the token is a read-only one (API_READ_TOKENS). */
export const forbiddenResponse = errorResponse(403, 'A read-only token (`API_READ_TOKENS`): it may read, not act.', {
  readOnly: {
    summary: 'A read-only token',
    given: 'read-token',
    code: 'FORBIDDEN',
    message: 'this token may read, not act (API_READ_TOKENS)',
  },
});

/** 413 and 415 of the operator actions whose body is an optional `{ "note": … }`. */
export const noteBodyResponses = {
  413: errorResponse(413, 'A body over 64 KiB.', {
    bodyTooLarge: {
      summary: 'A large body',
      given: 'body-over-limit',
      code: 'BODY_TOO_LARGE',
      message: 'request body is too large',
    },
  }),
  415: errorResponse(415, 'A body of a type other than JSON.', {
    unsupportedMediaType: {
      summary: 'An XML body',
      given: 'unsupported-content-type',
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'content type must be application/json',
    },
  }),
} as const;

/** 413 and 415 of the operator routes that take no body: a client sent one anyway. */
export const noBodyResponses = {
  413: errorResponse(413, 'A body over 64 KiB (this route takes none).', {
    bodyTooLarge: {
      summary: 'A large body',
      given: 'body-over-limit',
      code: 'BODY_TOO_LARGE',
      message: 'request body is too large',
    },
  }),
  415: errorResponse(415, 'A body of a type other than JSON or plain text (this route takes none).', {
    unsupportedMediaType: {
      summary: 'An XML body',
      given: 'unsupported-content-type',
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'content type must be application/json',
    },
  }),
} as const;

/** Any other answer of a route that reads the database: 500 INTERNAL, its message generic. */
export const internalErrorResponse = errorResponse(
  'default',
  'An unexpected failure, e.g. the database does not answer: 500 `INTERNAL` with a generic message (the log has the cause).',
  {
    databaseUnreachable: {
      summary: 'The database is down',
      given: 'database-unreachable',
      code: 'INTERNAL',
      message: 'internal error',
    },
  },
);
