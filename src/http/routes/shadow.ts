import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ErrorCodes } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import type { ShadowStore } from '../../store/shadow-store.js';
import type { RequireBearer } from '../bearer-auth.js';
import {
  badQueryExample,
  errorResponse,
  internalErrorResponse,
  unauthorizedResponse,
} from '../openapi/error-responses.js';
import { documentedField, documentedReply } from '../openapi/named-examples.js';
import { SHADOW_SUMMARY } from '../openapi/shadow-examples.js';
import { BEARER_SECURITY, TAGS } from '../openapi/tags.js';
import { shadowSummarySchema, summarizeShadow } from '../shadow-summary.js';

export interface ShadowRoutesOptions {
  shadows: Pick<ShadowStore, 'page'>;
  /** DECISION_SHADOW_POLICY_FILE's version; null when unset. */
  shadowPolicyVersion: string | null;
  clock: Clock;
  requireBearer: RequireBearer;
}

const DAY_MS = 24 * 3600_000;
/** Unreadable rows logged per request (all are counted in `unreadable`). */
const UNREADABLE_LOGGED = 10;
const INSTANT_PROBLEM = 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-28T10:00:00Z';

/** An instant as a client writes it (any offset, any precision) → ISO-8601 UTC with milliseconds, as stored. */
const instant = z.iso.datetime({ offset: true, error: INSTANT_PROBLEM }).transform((text, ctx) => {
  const ms = Date.parse(text);
  // zod's pattern already checks the calendar: a safety net, so a date Date cannot read is a 400, not a 500
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: INSTANT_PROBLEM });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

const summaryQuery = z.object({
  since: documentedField(
    instant.optional(),
    'Decisions taken at or after this instant (default: 24 hours before `until`).',
    { summary: '2026-11-28T10:00:00Z', notADate: 'yesterday', untilBeforeSince: '2026-11-29T10:00:00Z' },
  ),
  until: documentedField(instant.optional(), 'Decisions taken before this instant (default: now).', {
    summary: '2026-11-29T10:00:00Z',
    untilBeforeSince: '2026-11-28T10:00:00Z',
  }),
});

const summarySchema = {
  operationId: 'getShadowSummary',
  tags: [TAGS.decisions],
  summary: 'The shadow policy against the live one',
  description:
    'DECISION_SHADOW_POLICY_FILE: every decision is also taken under a shadow policy, stored beside it and never ' +
    'delivered. This compares, for each inquiry whose current decision was taken in the window and has a shadow, ' +
    "the live outcome (`from`) with the shadow's (`to`): the backtest's transition table (`npm run policy -- " +
    "backtest`), from live traffic. Decisions taken on Persona's own status are counted apart (`personaStatus`). " +
    'Without a shadow policy, or before it decided anything, every count is 0.',
  security: BEARER_SECURITY,
  querystring: summaryQuery,
  response: {
    200: documentedReply(shadowSummarySchema, 'The comparison over the window.', {
      summary: { summary: 'A day of live traffic under a stricter shadow policy', value: SHADOW_SUMMARY },
    }),
    400: errorResponse(400, '`since` or `until` is not an ISO 8601 date-time, or the window is empty.', {
      notADate: badQueryExample('since=yesterday', `since ${INSTANT_PROBLEM}`),
      untilBeforeSince: badQueryExample('until before since', 'since must be before until'),
    }),
    401: unauthorizedResponse,
    default: internalErrorResponse,
  },
};

/** GET /shadow/summary: the shadow policy on live traffic (src/decision/shadow.ts), for policy owners (bearer auth). */
export async function shadowRoutes(fastify: FastifyInstance, options: ShadowRoutesOptions): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/shadow/summary', { onRequest: options.requireBearer, schema: summarySchema }, async (request) => {
    const until = request.query.until ?? new Date(options.clock.now()).toISOString();
    const since = request.query.since ?? new Date(Date.parse(until) - DAY_MS).toISOString();
    if (since >= until) throw new AppError(ErrorCodes.BAD_REQUEST, 'invalid query: since must be before until');
    let logged = 0;
    return summarizeShadow(
      options.shadows,
      { since, until },
      {
        shadowPolicyVersion: options.shadowPolicyVersion,
        // the problem names fields, never values; a handful of lines says enough
        onUnreadable: (decisionId, problem) => {
          if (logged++ < UNREADABLE_LOGGED) request.log.warn({ decisionId, problem }, 'shadow summary: row left out');
        },
      },
    );
  });
}
