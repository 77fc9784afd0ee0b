import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from './faults.js';
import type { FixedWindow, WindowState } from './fixed-window.js';
import { inflectKeys, parseKeyInflection } from './inflect.js';
import { parseInquiryId, parseResourceId } from './inquiry-ids.js';
import { buildErrorBody } from './persona-objects.js';
import type { EventLog } from './event-log.js';
import type { ScenarioCatalog } from './scenario-catalog.js';
import type { PathKind, SimStatsRecorder } from './sim-stats.js';

/**
 * The Persona API surface the service uses, mounted under /api/v1, answering the way Persona does: bearer auth
 * first (401 without rate-limit headers, OAS components/responses/unauthorized), then the fixed-window rate limit
 * (headers on every authenticated response, 429 body from components/responses/too-many-requests), then injected
 * faults, then the JSON:API document.
 */
export interface PersonaApiRoutesOptions {
  apiKey: string;
  catalog: ScenarioCatalog;
  eventLog: EventLog;
  window: FixedWindow;
  windowSeconds: number;
  faults: FaultInjector;
  stats: SimStatsRecorder;
  sleep: (ms: number) => Promise<void>;
  nextRequestId: () => string;
}

interface Target {
  kind: PathKind;
  inquiryId: string | null;
}

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: { include?: string | string[] } }>;

const SERVER_ERROR_TITLES: Record<number, string> = {
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

export async function personaApiRoutes(app: FastifyInstance, options: PersonaApiRoutesOptions): Promise<void> {
  const { catalog, stats } = options;

  app.addHook('onRequest', (request, reply) => {
    stats.start();
    return guard(request, reply, options);
  });
  app.addHook('onResponse', async (request, reply) => {
    const target = targetOf(request);
    stats.record(target.kind, target.inquiryId, reply.statusCode);
  });

  app.get('/inquiries/:id', async (request: IdRequest, reply) =>
    answer(request, reply, catalog.inquiry(request.params.id, includeOf(request.query.include))),
  );
  app.get('/verifications/:id', async (request: IdRequest, reply) =>
    answer(request, reply, catalog.verification(request.params.id)),
  );
  app.get('/reports/:id', async (request: IdRequest, reply) =>
    answer(request, reply, catalog.report(request.params.id)),
  );
  // The reconciliation sweep's listing (OAS paths/events.yaml): the events the stack's senders logged
  app.get('/events', async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply) => {
    const q = request.query;
    const names = q['filter[name]']
      ?.split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    const size = q['page[size]'] === undefined ? undefined : Number(q['page[size]']);
    if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= 100)) {
      return reply.code(400).send(buildErrorBody('Bad request', 'page[size] must be between 1 and 100'));
    }
    return reply.send(
      options.eventLog.list({
        ...(names ? { names } : {}),
        ...(q['page[after]'] ? { after: q['page[after]'] } : {}),
        ...(size === undefined ? {} : { size }),
      }),
    );
  });
  // Write-back (PERSONA_WRITE_BACK): the review actions of OAS paths/inquiries_{inquiry-id}_approve.yaml and siblings
  for (const action of ['approve', 'decline', 'mark-for-review'] as const) {
    app.post(`/inquiries/:id/${action}`, async (request: IdRequest, reply) => {
      const key = request.headers['idempotency-key'];
      const result = catalog.review(request.params.id, action, typeof key === 'string' ? key : undefined);
      if (result.ok) return reply.send(result.document);
      if (result.reason === 'unknown_inquiry') return reply.code(404).send(buildErrorBody('Record not found'));
      return reply
        .code(422)
        .send(buildErrorBody(`Inquiry cannot be transitioned from ${result.status ?? 'its status'}`));
    });
  }
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send(buildErrorBody('Record not found')));
}

async function guard(
  request: FastifyRequest,
  reply: FastifyReply,
  options: PersonaApiRoutesOptions,
): Promise<FastifyReply | undefined> {
  reply.header('Request-Id', options.nextRequestId());
  if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
    return reply.code(401).send(buildErrorBody('Must be authenticated to access this endpoint'));
  }
  const target = targetOf(request);
  const verdict = options.faults.decide({ scenario: scenarioOf(target), inquiryId: target.inquiryId });
  if (verdict.latencyMs > 0) await options.sleep(verdict.latencyMs);
  const window = options.window.take();
  setRateHeaders(reply, window);
  if (!window.allowed) return reply.code(429).send(rateLimitedBody(window.limit, options.windowSeconds));
  if (verdict.answer?.kind === 'rate-limited') {
    setRateHeaders(reply, { ...window, remaining: 0, resetSeconds: verdict.answer.resetSeconds });
    return reply.code(429).send(rateLimitedBody(window.limit, options.windowSeconds));
  }
  if (verdict.answer?.kind === 'server-error') {
    const { status } = verdict.answer;
    return reply.code(status).send(buildErrorBody(SERVER_ERROR_TITLES[status] ?? 'Service unavailable'));
  }
  return undefined;
}

function answer(request: FastifyRequest, reply: FastifyReply, document: object | null): FastifyReply {
  if (document === null) return reply.code(404).send(buildErrorBody('Record not found'));
  return reply.send(inflectKeys(document, parseKeyInflection(request.headers['key-inflection'])));
}

function setRateHeaders(reply: FastifyReply, window: Pick<WindowState, 'limit' | 'remaining' | 'resetSeconds'>): void {
  reply.header('RateLimit-Limit', String(window.limit));
  reply.header('RateLimit-Remaining', String(window.remaining));
  reply.header('RateLimit-Reset', String(window.resetSeconds));
}

function rateLimitedBody(limit: number, windowSeconds: number): object {
  const per = windowSeconds === 60 ? 'min' : `${windowSeconds} s`;
  return buildErrorBody(
    'Rate limit exceeded',
    `You have hit your rate limit of ${limit} requests / ${per}. Please reach out to support@withpersona.com if you need this changed.`,
  );
}

/** `include=verifications,reports` (possibly repeated) → the set of relationship names. */
function includeOf(value: string | string[] | undefined): Set<string> {
  const parts = (Array.isArray(value) ? value : [value ?? '']).flatMap((item) => item.split(','));
  return new Set(parts.map((part) => part.trim()).filter((part) => part !== ''));
}

/** Which kind of object a request is about and which inquiry it belongs to, for stats and scenario faults. */
function targetOf(request: FastifyRequest): Target {
  const route = request.routeOptions.url ?? '';
  const id = (request.params as { id?: string } | undefined)?.id ?? '';
  if (route.endsWith('/inquiries/:id')) return { kind: 'inquiry', inquiryId: id };
  const kind: PathKind = route.endsWith('/verifications/:id')
    ? 'verification'
    : route.endsWith('/reports/:id')
      ? 'report'
      : 'other';
  return { kind, inquiryId: kind === 'other' ? null : (parseResourceId(id)?.inquiryId ?? null) };
}

function scenarioOf(target: Target) {
  return target.inquiryId === null ? null : (parseInquiryId(target.inquiryId)?.scenario.key ?? null);
}
