import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RequireBearer } from '../bearer-auth.js';
import { unauthorizedResponse } from '../openapi/error-responses.js';
import { documentedReply } from '../openapi/named-examples.js';
import { EXAMPLE_ACTOR } from '../openapi/reply-examples.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';

const sessionSchema = {
  operationId: 'getSession',
  tags: [TAGS.operations],
  summary: 'Who this token is',
  description:
    "The token's name (the actor recorded on operator actions) and its access: `operate` (API_TOKENS) reads and " +
    'acts, `read` (API_READ_TOKENS) only reads. The operator console signs in with it.',
  security: BEARER_SECURITY,
  response: {
    200: documentedReply(
      z.object({ actor: z.string(), access: z.enum(['operate', 'read']) }),
      "The token's name and access.",
      { operator: { summary: 'An operating token', value: { actor: EXAMPLE_ACTOR, access: 'operate' } } },
    ),
    401: unauthorizedResponse,
  },
};

/** GET /session (bearer auth, either kind of token). */
export async function sessionRoutes(fastify: FastifyInstance, options: { requireBearer: RequireBearer }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/session', { onRequest: options.requireBearer, schema: sessionSchema }, async (request) => {
    const { name, access } = actorOf(request);
    return { actor: name, access };
  });
}
